//! `dpf split` maps a regular input, and a program reading a mapped file is killed by SIGBUS
//! when another process shortens the file under it. Split therefore maps only under a read
//! lease (the shortening process waits until split is done) and streams a file it cannot
//! lease (one still open for writing), where a shortened file is a clean truncation error.
//! Both cases shorten the input while a split of it runs and check that split ends normally.

mod e2e_common;
use e2e_common::*;

use std::fs::OpenOptions;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A 200,000-packet trace (77 MB) and its 1,000 rules in `dir`.
fn trace_and_rules(dir: &Path) -> (String, String) {
    let trace = dir.join("in.pcap");
    let rules = dir.join("rules.txt");
    gen_trace(&trace, &rules, 1000, 200_000);
    (
        trace.to_str().unwrap().to_string(),
        rules.to_str().unwrap().to_string(),
    )
}

fn spawn_split(trace: &str, rules: &str, out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dpf"))
        .args(["split", "-r", trace, "--rules", rules, "-o"])
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dpf split")
}

/// Waits (at most 60 s) until split has created its outputs, i.e. is past opening (and, when
/// it maps, leasing) its input and is reading it.
fn wait_for_outputs(child: &mut Child, out: &Path) {
    let t = Instant::now();
    while std::fs::read_dir(out).map_or(0, |d| d.count()) < 1000 {
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "split ended before creating its outputs"
        );
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "no outputs after 60 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn shortening_a_mapped_input_waits_until_the_split_is_done() {
    let dir = scratch("e2e_split_lease_mapped");
    let (trace, rules) = trace_and_rules(&dir);
    let out = dir.join("out");
    let mut child = spawn_split(&trace, &rules, &out);
    wait_for_outputs(&mut child, &out);
    let running = child.try_wait().expect("try_wait").is_none();
    // A blocking open for writing with truncation, as `: > in.pcap` does: under split's lease
    // it waits until split has let go of the file, instead of pulling the pages from under it.
    let f = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&trace)
        .expect("open the input for writing");
    drop(f);
    let o = child.wait_with_output().expect("wait for split");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(0),
        "split did not end normally: {:?} {err}",
        o.status
    );
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(summary.contains("200000 packets"), "{summary}");
    assert_eq!(
        std::fs::metadata(&trace).unwrap().len(),
        0,
        "the truncation happened after"
    );
    // Had split finished before the truncation began, this test would show nothing.
    assert!(
        running,
        "split was done before the input was truncated; make the trace larger"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_input_open_for_writing_is_streamed_and_shortening_it_is_a_clean_error() {
    let dir = scratch("e2e_split_lease_stream");
    let (trace, rules) = trace_and_rules(&dir);
    // Held open for writing, as by a tcpdump still capturing into it: no lease is granted, so
    // split must not map the file.
    let writer = OpenOptions::new().write(true).open(&trace).unwrap();
    let out = dir.join("out");
    let mut child = spawn_split(&trace, &rules, &out);
    wait_for_outputs(&mut child, &out);
    let running = child.try_wait().expect("try_wait").is_none();
    writer.set_len(1000).expect("shorten the input");
    let o = child.wait_with_output().expect("wait for split");
    let err = String::from_utf8_lossy(&o.stderr);
    // Exit 1 with the streaming reader's truncation error (0 if the cut fell exactly between
    // two records the reader had not reached, or behind all it had read); never a signal.
    match o.status.code() {
        Some(1) => assert!(err.contains("truncated"), "{err}"),
        Some(0) => {}
        c => panic!("split did not end normally ({c:?}, {:?}): {err}", o.status),
    }
    assert!(
        running,
        "split was done before the input was cut; make the trace larger"
    );
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
