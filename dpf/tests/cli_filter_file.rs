//! `dpf filter -F FILE`: the expression read from a file, as tcpdump's `-F` reads it (`#`
//! comments to the end of a line, line breaks as spaces, an expression on the command line
//! ignored), checked against tcpdump itself; errors name the file and line; and a filter too
//! long for one command-line argument (Linux caps one at 128 KiB) works from a file.

mod e2e_common;
use e2e_common::*;

use std::path::Path;
use std::process::Command;

/// `tcpdump -r IN -F FILE -w OUT [ARGS]`: its exit status.
fn tcpdump_file(input: &Path, file: &Path, out: &Path, args: &[&str]) -> Option<i32> {
    Command::new("tcpdump")
        .arg("-r")
        .arg(input)
        .arg("-F")
        .arg(file)
        .arg("-w")
        .arg(out)
        .args(args)
        .output()
        .expect("run tcpdump")
        .status
        .code()
}

fn dpf_file(input: &Path, file: &Path, out: &Path, args: &[&str]) -> std::process::Output {
    let mut a = vec![
        "filter",
        "-r",
        input.to_str().unwrap(),
        "-F",
        file.to_str().unwrap(),
        "-w",
        out.to_str().unwrap(),
    ];
    a.extend_from_slice(args);
    dpf(&a)
}

/// Runs both on `input` with filter file `file` (and `args`): same exit status, same bytes.
fn agree(dir: &Path, input: &Path, file: &Path, args: &[&str]) -> std::process::Output {
    let (theirs, ours) = (dir.join("tcpdump.pcap"), dir.join("dpf.pcap"));
    let _ = std::fs::remove_file(&theirs);
    let _ = std::fs::remove_file(&ours);
    let t = tcpdump_file(input, file, &theirs, args);
    let d = dpf_file(input, file, &ours, args);
    let stderr = String::from_utf8_lossy(&d.stderr);
    assert_eq!(
        t,
        d.status.code(),
        "{}: exit status; dpf: {stderr}",
        input.display()
    );
    assert_eq!(
        std::fs::read(&theirs).ok(),
        std::fs::read(&ours).ok(),
        "{} with {}: outputs differ",
        input.display(),
        std::fs::read_to_string(file).unwrap()
    );
    d
}

#[test]
fn a_commented_multiline_filter_file_keeps_what_tcpdump_keeps() {
    let dir = scratch("cli_filter_file_agree");
    let (trace, rules) = (dir.join("trace.pcap"), dir.join("rules.txt"));
    gen_trace(&trace, &rules, 10, 3000);
    let file = dir.join("filter.txt");
    let texts = [
        "# the known flows' server port, and every UDP datagram\ntcp and # TCP first\n  (port 8080 or\n   udp) # a comment with ( and 'quotes'\n",
        "ip # \u{e9}t\u{e9}: a comment in UTF-8\n and not tcp\n",
        "# nothing but a comment: every packet\n",
        "",
        "arp or\n\n\nicmp",
    ];
    for text in texts {
        std::fs::write(&file, text).unwrap();
        let d = agree(&dir, &trace, &file, &[]);
        assert!(
            d.status.success(),
            "{text:?}: {}",
            String::from_utf8_lossy(&d.stderr)
        );
    }
    // Real captures of other link types, through the same file.
    std::fs::write(&file, "ip or ip6 # both families\n or arp").unwrap();
    let pcaps = shared_pcaps().join("tcpdump-tests");
    for name in [
        "dhcp-rfc3004.pcap",
        "ipv6-bad-version.pcap",
        "lldp_mudurl.pcap",
        "loopback.pcap",
    ] {
        let p = pcaps.join(name);
        assert!(p.exists(), "{}", p.display());
        agree(&dir, &p, &file, &[]);
    }
}

#[test]
fn an_expression_on_the_command_line_is_ignored_with_a_warning() {
    let dir = scratch("cli_filter_file_args");
    let (trace, rules) = (dir.join("trace.pcap"), dir.join("rules.txt"));
    gen_trace(&trace, &rules, 5, 1000);
    let file = dir.join("filter.txt");
    std::fs::write(&file, "tcp\n").unwrap();
    let d = agree(&dir, &trace, &file, &["udp"]);
    assert!(d.status.success());
    let stderr = String::from_utf8_lossy(&d.stderr);
    assert!(
        stderr.contains("warning") && stderr.contains("ignoring the expression"),
        "{stderr}"
    );
    // And what was kept is the file's filter: the TCP packets, none of the UDP ones.
    let only_tcp = dir.join("tcp.pcap");
    assert_eq!(tcpdump_write(&trace, &only_tcp, "tcp"), Some(0));
    assert_eq!(
        std::fs::read(&only_tcp).unwrap(),
        std::fs::read(dir.join("dpf.pcap")).unwrap()
    );
}

#[test]
fn errors_name_the_file_and_line_and_create_no_output() {
    let dir = scratch("cli_filter_file_errors");
    let (trace, rules) = (dir.join("trace.pcap"), dir.join("rules.txt"));
    gen_trace(&trace, &rules, 5, 200);
    let file = dir.join("bad.txt");
    let out = dir.join("out.pcap");
    std::fs::write(&file, "# comment\ntcp and\n  port 99999 # out of range\n").unwrap();
    let d = dpf_file(&trace, &file, &out, &[]);
    let stderr = String::from_utf8_lossy(&d.stderr);
    assert_eq!(d.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:3: ", file.display())) && stderr.contains("99999"),
        "{stderr}"
    );
    // The offending line, then a caret under `99999` (column 8 of `  port 99999`).
    let lines: Vec<&str> = stderr.lines().collect();
    let shown = lines
        .iter()
        .position(|l| l.contains("port 99999"))
        .expect("line shown");
    let caret = lines[shown + 1];
    assert_eq!(
        caret.find('^').map(|c| c - 2),
        lines[shown].find("99999").map(|c| c - 2),
        "{stderr}"
    );
    assert!(!out.exists(), "an output was created for a bad filter");

    std::fs::write(&file, "tcp and (udp\n").unwrap();
    let d = dpf_file(&trace, &file, &out, &[]);
    let stderr = String::from_utf8_lossy(&d.stderr);
    assert_eq!(d.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:1: ", file.display())),
        "{stderr}"
    );
    assert!(!out.exists());

    let missing = dir.join("no-such-filter.txt");
    let d = dpf_file(&trace, &missing, &out, &[]);
    let stderr = String::from_utf8_lossy(&d.stderr);
    assert!(!d.status.success());
    assert!(
        stderr.contains("no-such-filter.txt") && stderr.contains("cannot read"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_filter_too_long_for_one_argument_works_from_a_file() {
    let dir = scratch("cli_filter_file_long");
    let (trace, rules) = (dir.join("trace.pcap"), dir.join("rules.txt"));
    gen_trace(&trace, &rules, 8, 2000);
    // The trace's own hosts (from its rules: `connN: tcp and src host A and ... dst host B
    // ...`), and 10,000 hosts it never uses around them.
    let text = std::fs::read_to_string(&rules).unwrap();
    let mut known: Vec<String> = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        for w in words.windows(2) {
            if w[0] == "host" && !known.iter().any(|k| k == w[1]) {
                known.push(w[1].to_string());
            }
        }
    }
    assert!(!known.is_empty(), "no host in {text}");
    let mut all: Vec<String> = (0..10_000u32)
        .map(|i| {
            let [a, b, c, d] = (0x0a00_0000 + 7 * i + 1).to_be_bytes();
            format!("host {a}.{b}.{c}.{d}")
        })
        .collect();
    for (i, k) in known.iter().enumerate() {
        all.insert(i * 997 % all.len(), format!("host {k}"));
    }
    let long = all.join(" or\n");
    assert!(long.len() > 128 << 10, "{} bytes", long.len());
    let file = dir.join("hosts.txt");
    std::fs::write(&file, format!("# {} hosts\n{long}\n", all.len())).unwrap();
    let ours = dir.join("dpf.pcap");
    let d = dpf_file(&trace, &file, &ours, &[]);
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
    // libpcap takes minutes to compile 10,000 hosts: its verdicts come from the hosts that
    // occur (the others match no packet of this trace, which only uses the rules' hosts
    // and the generator's noise addresses outside 10.0.0.0/8).
    let short: Vec<String> = known.iter().map(|k| format!("host {k}")).collect();
    let theirs = dir.join("tcpdump.pcap");
    let noise_outside = dir.join("noise.pcap");
    assert_eq!(tcpdump_write(&trace, &theirs, &short.join(" or ")), Some(0));
    assert_eq!(
        tcpdump_write(&trace, &noise_outside, "net 10.0.0.0/8"),
        Some(0)
    );
    assert_eq!(
        pcap_records(&noise_outside).len(),
        0,
        "the trace uses 10.0.0.0/8: the short filter is no oracle"
    );
    assert_eq!(
        std::fs::read(&theirs).unwrap(),
        std::fs::read(&ours).unwrap()
    );
}
