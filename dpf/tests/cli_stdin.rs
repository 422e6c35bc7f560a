//! `-r -` reads the capture from standard input, as `tcpdump -r -` does, in `filter`, `replay`
//! and `split`: the same output as reading the file by name. A split whose standard input is
//! one of its own outputs is refused like any other output that is its input.

mod e2e_common;
use e2e_common::*;

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs dpf with `stdin` as standard input.
fn dpf_stdin(args: &[&str], stdin: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dpf"))
        .args(args)
        .stdin(std::fs::File::open(stdin).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run dpf")
}

#[test]
fn dash_reads_standard_input_in_every_command() {
    let dir = scratch("cli_stdin");
    let input = shared_pcaps().join("tcpdump-tests/pim-packet-assortment.pcap");
    let rules = dir.join("rules");
    std::fs::write(&rules, "ip4: ip\nudp: udp\nrest: not ip\n").unwrap();
    let inp = input.to_str().unwrap();
    let r = rules.to_str().unwrap();

    let by_name = dpf(&["filter", "-r", inp, "-w", "-", "ip"]);
    let piped = dpf_stdin(&["filter", "-r", "-", "-w", "-", "ip"], &input);
    assert!(by_name.status.success() && piped.status.success());
    assert!(by_name.stdout.len() > 24, "the filter kept packets");
    assert_eq!(by_name.stdout, piped.stdout, "filter");

    let by_name = dpf(&["replay", "-r", inp, "--rules", r, "--format", "jsonl"]);
    let piped = dpf_stdin(
        &["replay", "-r", "-", "--rules", r, "--format", "jsonl"],
        &input,
    );
    assert!(by_name.status.success() && piped.status.success());
    // One line per packet with its rules (the summary after them carries the throughput,
    // which differs between runs).
    let verdicts = |o: &Output| {
        let s = String::from_utf8_lossy(&o.stdout).into_owned();
        s.lines()
            .filter(|l| l.starts_with("{\"packet\""))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(verdicts(&by_name).len() > 10, "replay printed its verdicts");
    assert_eq!(verdicts(&by_name), verdicts(&piped), "replay");

    let (a, b) = (dir.join("by-name"), dir.join("piped"));
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
    let oa = dpf(&["split", "-r", inp, "--rules", r, "-o", a.to_str().unwrap()]);
    let ob = dpf_stdin(
        &["split", "-r", "-", "--rules", r, "-o", b.to_str().unwrap()],
        &input,
    );
    assert!(
        oa.status.success(),
        "{}",
        String::from_utf8_lossy(&oa.stderr)
    );
    assert!(
        ob.status.success(),
        "{}",
        String::from_utf8_lossy(&ob.stderr)
    );
    for name in ["ip4", "udp", "rest"] {
        let f = format!("{name}.pcap");
        assert_eq!(
            std::fs::read(a.join(&f)).unwrap(),
            std::fs::read(b.join(&f)).unwrap(),
            "split: {f}"
        );
    }

    // Standard input that is one of the outputs: refused, and the output left as it was.
    let own = b.join("ip4.pcap");
    let before = std::fs::read(&own).unwrap();
    let o = dpf_stdin(
        &["split", "-r", "-", "--rules", r, "-o", b.to_str().unwrap()],
        &own,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("is the input file"), "{err}");
    assert_eq!(std::fs::read(&own).unwrap(), before);
}
