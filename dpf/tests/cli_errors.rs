//! Bad input to the `dpf` command is a clean error that names the place (file, rule line,
//! caret under the span), with exit status 1, never a panic.

mod e2e_common;
use e2e_common::*;

fn stderr_of(o: &std::process::Output) -> String {
    let s = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(!s.contains("panicked"), "{s}");
    s
}

#[test]
fn check_accepts_valid_and_marks_the_span_of_invalid_expressions() {
    let ok = dpf(&["check", "tcp", "port", "80", "and", "host", "10.0.0.1"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr_of(&ok));
    assert!(ok.stdout.is_empty() && ok.stderr.is_empty());

    let bad = dpf(&["check", "tcp port 70000"]);
    assert_eq!(bad.status.code(), Some(1));
    let e = stderr_of(&bad);
    let lines: Vec<&str> = e.lines().collect();
    assert!(lines[0].starts_with("error: "), "{e}");
    assert_eq!(lines[1].trim(), "tcp port 70000");
    // The caret sits under `70000`.
    let col = lines[1].find("70000").unwrap();
    assert_eq!(lines[2].find('^'), Some(col), "{e}");

    let each = dpf(&["check", "--each", "udp", "ip6 and", "arp"]);
    assert_eq!(each.status.code(), Some(1));
    let e = stderr_of(&each);
    assert_eq!(
        e.lines().filter(|l| l.starts_with("error: ")).count(),
        1,
        "{e}"
    );
}

#[test]
fn a_bad_rule_names_the_file_the_line_and_the_span() {
    let dir = scratch("cli_errors_rules");
    let rules = dir.join("my.rules");
    std::fs::write(
        &rules,
        "# comment\nweb: tcp port 80\nbad:   udp port 99999\n",
    )
    .unwrap();
    let trace = concat!(env!("CARGO_MANIFEST_DIR"), "/../pcaps/office.pcap");
    for cmd in ["replay", "split"] {
        let out_dir = dir.join("out");
        let o = dpf(&[
            cmd,
            "-r",
            trace,
            "--rules",
            rules.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
        ]
        .into_iter()
        .filter(|a| cmd == "split" || (*a != "-o" && *a != out_dir.to_str().unwrap()))
        .collect::<Vec<_>>());
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let e = stderr_of(&o);
        assert!(e.contains("my.rules:3: rule `bad`"), "{cmd}: {e}");
        let lines: Vec<&str> = e.lines().collect();
        let src = lines
            .iter()
            .position(|l| l.contains("bad:   udp port 99999"))
            .expect(&e);
        let col = lines[src].find("99999").unwrap();
        assert_eq!(lines[src + 1].find('^'), Some(col), "{cmd}: {e}");
        // No output directory for a rule file that does not compile.
        assert!(
            !out_dir.exists(),
            "{cmd} created its outputs before checking the rules"
        );
    }
}

/// `dpf split` starts creating its outputs while the rules compile: a rule that does not
/// compile must still leave every directory and file as it found them.
#[test]
fn a_bad_rule_leaves_existing_outputs_and_directories_untouched() {
    let dir = scratch("cli_errors_untouched");
    let rules = dir.join("r.rules");
    let body: String = (0..300)
        .map(|i| format!("r{i}: tcp port {}\n", 1000 + i))
        .collect();
    std::fs::write(&rules, format!("{body}bad: udp port 99999\n")).unwrap();
    let trace = concat!(env!("CARGO_MANIFEST_DIR"), "/../pcaps/office.pcap");
    let split = |out: &std::path::Path| {
        dpf(&[
            "split",
            "-r",
            trace,
            "--rules",
            rules.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
    };
    // An existing directory holding last run's output of one rule and a stranger's file.
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("r7.pcap"), b"last run").unwrap();
    std::fs::write(out.join("notes.txt"), b"mine").unwrap();
    let o = split(&out);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr_of(&o).contains("rule `bad`"));
    let mut left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["notes.txt", "r7.pcap"]);
    assert_eq!(std::fs::read(out.join("r7.pcap")).unwrap(), b"last run");
    // Missing parents are removed again too, but not the directory that already existed.
    let deep = dir.join("a/b/c");
    let o = split(&deep);
    assert_eq!(o.status.code(), Some(1));
    assert!(!dir.join("a").exists(), "split left a/b/c behind");
    assert!(dir.exists());
}

/// Deep nesting is refused with an error at the place it goes too deep; long `and`/`or`
/// chains (a 100,000-host `host A or host B ...`) compile. Before the limits and the command's
/// big stack, all of these overflowed the stack and aborted.
#[test]
fn deep_and_huge_expressions_are_errors_or_work_never_a_crash() {
    let dir = scratch("cli_errors_deep");
    let trace = concat!(env!("CARGO_MANIFEST_DIR"), "/../pcaps/office.pcap");
    let replay = |name: &str, expr: String| {
        let rules = dir.join(name);
        std::fs::write(&rules, format!("r: {expr}\n")).unwrap();
        dpf(&["replay", "-r", trace, "--rules", rules.to_str().unwrap()])
    };
    let nested = |n: usize| format!("{}tcp{}", "(".repeat(n), ")".repeat(n));
    let ok = replay("parens_ok", nested(1000));
    assert_eq!(ok.status.code(), Some(0), "{}", stderr_of(&ok));
    let deep = replay("parens_deep", nested(100_000));
    assert_eq!(deep.status.code(), Some(1));
    assert!(stderr_of(&deep).contains("nested more than 1000 levels deep"));
    // `not`s nest too, but each `and`/`or` ends the ones before it.
    let nots = replay("nots", format!("{}tcp", "not ".repeat(200_000)));
    assert_eq!(nots.status.code(), Some(1));
    assert!(stderr_of(&nots).contains("nested more than 1000 levels deep"));
    let exclusions: Vec<String> = (0..5000)
        .map(|i| format!("not host 10.{}.{}.1", i / 256, i % 256))
        .collect();
    let o = replay("exclusions", exclusions.join(" and "));
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    // A 100,000-host rule: 99,999 `or`s, a chain the passes walk recursively.
    let hosts: Vec<String> = (0..100_000u32)
        .map(|i| {
            let v = 0x0a00_0000 + 7 * i + 1;
            format!(
                "host {}.{}.{}.{}",
                v >> 24,
                (v >> 16) & 255,
                (v >> 8) & 255,
                v & 255
            )
        })
        .collect();
    let big = replay("hosts", hosts.join(" or "));
    assert_eq!(big.status.code(), Some(0), "{}", stderr_of(&big));
    let too_many = replay("too_many", vec!["tcp"; 1_000_002].join(" or "));
    assert_eq!(too_many.status.code(), Some(1));
    assert!(stderr_of(&too_many).contains("more than 1000000 `and`/`or` operators"));
}

#[test]
fn missing_files_and_unsupported_link_types_are_clean_errors() {
    let dir = scratch("cli_errors_files");
    let rules = dir.join("r");
    std::fs::write(&rules, "any: ip\n").unwrap();
    let r = rules.to_str().unwrap();

    let o = dpf(&["replay", "-r", "/nonexistent.pcap", "--rules", r]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr_of(&o).contains("/nonexistent.pcap: cannot open"));

    let trace = concat!(env!("CARGO_MANIFEST_DIR"), "/../pcaps/office.pcap");
    let o = dpf(&["replay", "-r", trace, "--rules", "/nonexistent.rules"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr_of(&o).contains("/nonexistent.rules: cannot read rule file"));

    let not_pcap = dir.join("text.pcap");
    std::fs::write(&not_pcap, "hello, world\n").unwrap();
    let o = dpf(&["replay", "-r", not_pcap.to_str().unwrap(), "--rules", r]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr_of(&o).contains("not a pcap or pcapng capture"));

    // 802.11 with radiotap headers (link type 127): the filter compiler refuses it.
    let radiotap = corpus()
        .into_iter()
        .find(|f| {
            let b = std::fs::read(f).unwrap_or_default();
            b.len() > 24 && b[0..4] == [0xd4, 0xc3, 0xb2, 0xa1] && b[20..24] == [127, 0, 0, 0]
        })
        .expect("a radiotap capture in the shared corpus");
    let o = dpf(&["replay", "-r", radiotap.to_str().unwrap(), "--rules", r]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr_of(&o).contains("unsupported link type 127"));

    let blocker = dir.join("file-not-dir");
    std::fs::write(&blocker, "x").unwrap();
    let o = dpf(&[
        "split",
        "-r",
        trace,
        "--rules",
        r,
        "-o",
        blocker.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr_of(&o).contains("file-not-dir: cannot create"));
}

/// Runs `dpf args` with its standard output a pipe whose reading end is already closed, as
/// in `dpf ... | head` once `head` has exited: every write fails with EPIPE.
fn dpf_into_closed_pipe(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    std::process::Command::new(env!("CARGO_BIN_EXE_dpf"))
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run dpf")
}

#[test]
fn a_closed_standard_output_is_an_error_not_a_panic() {
    let dir = scratch("closed_stdout");
    let rules = dir.join("rules.txt");
    std::fs::write(&rules, "web: tcp port 80\ndns: udp port 53\n").unwrap();
    let trace = dir.join("t.pcap");
    let g = dpf(&[
        "gen",
        "--flows",
        "2",
        "--packets",
        "50",
        "-o",
        trace.to_str().unwrap(),
        "--rules",
        dir.join("gen-rules.txt").to_str().unwrap(),
    ]);
    assert_eq!(g.status.code(), Some(0), "{}", stderr_of(&g));
    for args in [
        vec![
            "bench",
            "--flows",
            "1",
            "--packets",
            "100",
            "--reps",
            "1",
            "--no-libpcap",
            "--no-extras",
        ],
        vec!["compile", rules.to_str().unwrap(), "--emit", "ir"],
        vec![
            "replay",
            "-r",
            trace.to_str().unwrap(),
            "--rules",
            rules.to_str().unwrap(),
        ],
    ] {
        let o = dpf_into_closed_pipe(&args);
        let e = stderr_of(&o);
        assert_eq!(o.status.code(), Some(1), "dpf {args:?}: {e}");
        assert!(e.contains("Broken pipe"), "dpf {args:?}: {e}");
    }
}

#[test]
fn an_output_that_is_the_input_is_refused_and_the_input_left_alone() {
    let dir = scratch("output_is_input");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let input = out.join("web.pcap");
    let g = dpf(&[
        "gen",
        "--flows",
        "3",
        "--packets",
        "300",
        "-o",
        input.to_str().unwrap(),
        "--rules",
        dir.join("gen-rules.txt").to_str().unwrap(),
    ]);
    assert_eq!(g.status.code(), Some(0), "{}", stderr_of(&g));
    // The same capture under the name `--pcapng` output gives rule `web` (a pcap file with
    // another extension is read all the same, on the streaming path).
    let input_ng = out.join("web.pcapng");
    std::fs::copy(&input, &input_ng).unwrap();
    let before = std::fs::read(&input).unwrap();
    let rules = dir.join("rules.txt");
    std::fs::write(&rules, "web: tcp port 80\ndns: udp port 53\n").unwrap();
    let (i, ing) = (input.to_str().unwrap(), input_ng.to_str().unwrap());
    let (r, o) = (rules.to_str().unwrap(), out.to_str().unwrap());
    let o2 = dir.join("o2");
    for (args, inp) in [
        (vec!["split", "-r", i, "--rules", r, "-o", o], &input),
        (
            vec!["split", "-r", ing, "--rules", r, "-o", o, "--pcapng"],
            &input_ng,
        ),
        (
            vec![
                "split",
                "-r",
                i,
                "--rules",
                r,
                "-o",
                o2.to_str().unwrap(),
                "--unmatched",
                i,
            ],
            &input,
        ),
    ] {
        let res = dpf(&args);
        let e = stderr_of(&res);
        assert_eq!(res.status.code(), Some(1), "{args:?}: {e}");
        assert!(e.contains("is the input file"), "{args:?}: {e}");
        assert_eq!(
            std::fs::read(inp).unwrap(),
            before,
            "{args:?} changed the input"
        );
    }
    assert!(!o2.exists(), "a refused split made its output directory");
    // `dpf filter -r X -w X` likewise (tcpdump would truncate X and read nothing).
    let res = dpf(&["filter", "-r", i, "-w", i, "tcp"]);
    let e = stderr_of(&res);
    assert_eq!(res.status.code(), Some(1), "{e}");
    assert!(e.contains("is the input file"), "{e}");
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "filter changed the input"
    );
}
