//! `dpf split` reads a regular pcap file through a mapping and anything else (a pipe) as a
//! stream: the two paths write the very same files, and on a truncated input the same error
//! and the same valid outputs. On a `dpf gen` trace, as in issue 4's benchmark, every rule's
//! output is byte for byte the file `tcpdump -r IN -w OUT 'RULE'` writes, and the mapped path
//! writes the same files whatever its window size and writer count.

mod e2e_common;
use e2e_common::*;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const RULES: &str = "ip4: ip\nweb: tcp port 80 or tcp port 443\ndns: udp port 53\n\
                     big: len > 256\nsmall: less 100 and not udp\nall: len >= 0\n";

/// `dpf split` with the capture on stdin through a pipe (`-r /dev/stdin`).
fn split_piped(input: &[u8], args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dpf"))
        .args(["split", "-r", "/dev/stdin"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dpf");
    let mut stdin = c.stdin.take().unwrap();
    let data = input.to_vec();
    // Fed from a thread: dpf may stop reading early (an error) while we still write.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = c.wait_with_output().expect("wait for dpf");
    feeder.join().unwrap();
    out
}

/// Every file of a directory, by name, with its bytes (none if there is no directory).
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<_> = entries
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

/// Splits `input` (a file) both ways with `extra` arguments; returns (mapped, piped) runs,
/// after checking that they wrote identical directories.
fn both_ways(input: &Path, dir: &Path, extra: &[&str]) -> (Output, Output) {
    let rules = dir.join("rules");
    std::fs::write(&rules, RULES).unwrap();
    let (a, b) = (dir.join("mapped"), dir.join("piped"));
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
    let (ua, ub) = (dir.join("mapped-rest.pcap"), dir.join("piped-rest.pcap"));
    let args = |out: &Path, rest: &Path| -> Vec<String> {
        let mut v = vec![
            "--rules".to_string(),
            rules.display().to_string(),
            "-o".into(),
            out.display().to_string(),
            "--unmatched".into(),
            rest.display().to_string(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let args_a = args(&a, &ua);
    let args_b = args(&b, &ub);
    let mut full = vec!["split", "-r", input.to_str().unwrap()];
    full.extend(args_a.iter().map(String::as_str));
    let ra = dpf(&full);
    let rb = split_piped(
        &std::fs::read(input).unwrap(),
        &args_b.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let what = format!("{} {extra:?}", input.display());
    assert_eq!(ra.status.code(), rb.status.code(), "{what}: exit status");
    assert_eq!(files(&a), files(&b), "{what}: outputs differ");
    assert_eq!(
        std::fs::read(&ua).ok(),
        std::fs::read(&ub).ok(),
        "{what}: unmatched outputs differ"
    );
    (ra, rb)
}

#[test]
fn mapped_and_piped_inputs_write_the_same_files() {
    let dir = scratch("e2e_split_paths");
    // Little-endian micro- and nanosecond captures, big-endian ones, and records beyond a
    // snap length (re-encoded on the mapped path).
    let picks = [
        "tcpdump-tests/EIGRP_adjacency.pcap",
        "tcpdump-tests/tcp-handshake-nano.pcap",
        "tcpdump-tests/pptp.pcap",
        "tcpdump-tests/isup.pcap",
        "tcpdump-tests/vrrp-vrrp_print-oobr-2.pcap",
        "tcpdump-tests/pim-packet-assortment.pcap",
    ];
    let mut inputs: Vec<_> = picks.iter().map(|p| shared_pcaps().join(p)).collect();
    // And the largest plain captures, which span several of the mapped path's windows'
    // worth of records per output.
    let mut big = corpus();
    big.sort_by_key(|f| std::cmp::Reverse(std::fs::metadata(f).map_or(0, |m| m.len())));
    inputs.extend(
        big.into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "pcap"))
            .take(3),
    );
    for f in &inputs {
        for extra in [&[][..], &["--all-matches"][..]] {
            let (ra, _) = both_ways(f, &dir, extra);
            assert!(
                ra.status.success(),
                "{}: {}",
                f.display(),
                String::from_utf8_lossy(&ra.stderr)
            );
        }
    }
}

#[test]
fn truncated_input_fails_alike_both_ways() {
    let dir = scratch("e2e_split_paths_cut");
    let full = std::fs::read(shared_pcaps().join("tcpdump-tests/EIGRP_adjacency.pcap")).unwrap();
    // Cuts inside a record header, inside packet data, and inside the file header.
    for cut in [10, 24 + 7, 24 + 16 + 20, full.len() / 2, full.len() - 1] {
        let input = dir.join("cut.pcap");
        std::fs::write(&input, &full[..cut]).unwrap();
        let (ra, rb) = both_ways(&input, &dir, &[]);
        assert_eq!(ra.status.code(), Some(1), "cut at {cut}");
        let (ea, eb) = (
            String::from_utf8_lossy(&ra.stderr),
            String::from_utf8_lossy(&rb.stderr),
        );
        assert!(ea.contains("at byte offset"), "cut at {cut}: {ea}");
        // Same message but for the file's name.
        assert_eq!(
            ea.replace(input.to_str().unwrap(), "IN"),
            eb.replace("/dev/stdin", "IN"),
            "cut at {cut}"
        );
    }
}

#[test]
fn gen_trace_outputs_are_tcpdumps_byte_for_byte() {
    let dir = scratch("e2e_split_gen");
    let (trace, rules) = (dir.join("trace.pcap"), dir.join("rules.txt"));
    let g = dpf(&[
        "gen",
        "--flows",
        "40",
        "--packets",
        "100000",
        "-o",
        trace.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    let out = dir.join("out");
    let s = dpf(&[
        "split",
        "-r",
        trace.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--all-matches",
    ]);
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let text = std::fs::read_to_string(&rules).unwrap();
    let mut nonempty = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (name, expr) = line.split_once(':').unwrap();
        let theirs = dir.join("tcpdump.pcap");
        assert_eq!(tcpdump_write(&trace, &theirs, expr.trim()), Some(0));
        let want = std::fs::read(&theirs).unwrap();
        let got = std::fs::read(out.join(format!("{name}.pcap"))).unwrap();
        nonempty += usize::from(want.len() > 24);
        assert!(
            got == want,
            "{name}: {} bytes, tcpdump {}",
            got.len(),
            want.len()
        );
    }
    assert!(nonempty >= 30, "only {nonempty} rules matched anything");

    // Several windows (1 MiB each) and three writers, and the default (windows of 4, 8, 16
    // MiB and the rest), against one window (the 1.5 MB unmatched output is then written in
    // 1 MiB pieces) and the piped stream.
    let unmatched = |d: &Path| d.join("rest.pcap");
    let run = |d: &Path, env: &[(&str, &str)], piped: bool| {
        let rest = unmatched(d);
        let args = [
            "--rules",
            rules.to_str().unwrap(),
            "-o",
            d.to_str().unwrap(),
            "--all-matches",
            "--unmatched",
            rest.to_str().unwrap(),
        ];
        let out = if piped {
            split_piped(&std::fs::read(&trace).unwrap(), &args)
        } else {
            Command::new(env!("CARGO_BIN_EXE_dpf"))
                .args(["split", "-r", trace.to_str().unwrap()])
                .args(args)
                .envs(env.iter().copied())
                .output()
                .expect("run dpf")
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        files(d)
    };
    let one = run(
        &dir.join("one"),
        &[("DPF_SPLIT_WINDOW_MB", "64"), ("DPF_SPLIT_FIRST_MB", "64")],
        false,
    );
    let grown = run(&dir.join("grown"), &[], false);
    let rest = std::fs::metadata(unmatched(&dir.join("one")))
        .unwrap()
        .len();
    assert!(rest > 1 << 20, "unmatched output of {rest} bytes");
    let many = run(
        &dir.join("many"),
        &[("DPF_SPLIT_WINDOW_MB", "1"), ("DPF_SPLIT_WRITERS", "3")],
        false,
    );
    // Records held back in 16 KiB chunks while at most 2 MiB of windows are kept: outputs are
    // cut inside records, and windows leave with records still held in them. Then nothing
    // held back at all (each window's records written at once).
    let held = run(
        &dir.join("held"),
        &[
            ("DPF_SPLIT_WINDOW_MB", "1"),
            ("DPF_SPLIT_CHUNK_KB", "16"),
            ("DPF_SPLIT_RETAIN_MB", "2"),
        ],
        false,
    );
    let unheld = run(
        &dir.join("unheld"),
        &[("DPF_SPLIT_CHUNK_KB", "0"), ("DPF_SPLIT_RETAIN_MB", "0")],
        false,
    );
    let piped = run(&dir.join("piped"), &[], true);
    assert!(one == held, "one window and held 16 KiB chunks differ");
    assert!(one == unheld, "one window and nothing held differ");
    assert!(one == many, "one window and 1 MiB windows differ");
    assert!(one == grown, "one window and growing windows differ");
    assert!(one == piped, "mapped and piped differ");
    // ~150 MB of trace and outputs: not left behind on a CI disk.
    let _ = std::fs::remove_dir_all(&dir);
}

/// Records longer than a stream output's buffer (200 outputs share 32 MiB: 128 KiB each) are
/// cut across several writes; every output still equals the mapped path's, and the one rule
/// that takes every packet writes the input back byte for byte.
#[test]
fn records_longer_than_a_buffer_split_alike_both_ways() {
    let dir = scratch("e2e_split_long_records");
    // Little-endian microsecond pcap, version 2.4, snap length 262144, Ethernet.
    let mut cap = Vec::new();
    cap.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    cap.extend_from_slice(&2u16.to_le_bytes());
    cap.extend_from_slice(&4u16.to_le_bytes());
    for v in [0u32, 0, 262_144, 1] {
        cap.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(cap.len(), 24);
    for k in 0..40u32 {
        let len = 150_000 + k * 2_500;
        for v in [1_700_000_000 + k, k * 1000, len, len] {
            cap.extend_from_slice(&v.to_le_bytes());
        }
        cap.extend((0..len).map(|i| (i.wrapping_mul(31) ^ k) as u8));
    }
    let input = dir.join("long.pcap");
    std::fs::write(&input, &cap).unwrap();
    let mut rules = String::from("every: len > 0\n");
    for k in 1..200 {
        rules.push_str(&format!("r{k}: len = {k}\n"));
    }
    let rules_file = dir.join("rules");
    std::fs::write(&rules_file, rules).unwrap();
    let (a, b) = (dir.join("mapped"), dir.join("piped"));
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
    let ra = dpf(&[
        "split",
        "-r",
        input.to_str().unwrap(),
        "--rules",
        rules_file.to_str().unwrap(),
        "-o",
        a.to_str().unwrap(),
    ]);
    let rb = split_piped(
        &cap,
        &[
            "--rules",
            rules_file.to_str().unwrap(),
            "-o",
            b.to_str().unwrap(),
        ],
    );
    assert!(
        ra.status.success(),
        "{}",
        String::from_utf8_lossy(&ra.stderr)
    );
    assert!(
        rb.status.success(),
        "{}",
        String::from_utf8_lossy(&rb.stderr)
    );
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa.len(), 200);
    assert!(fa == fb, "mapped and piped outputs differ");
    assert!(
        std::fs::read(b.join("every.pcap")).unwrap() == cap,
        "the catch-all output is not the input"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// With far fewer descriptors than outputs (`ulimit -n 40`: 8 for the writers), outputs are
/// closed and reopened for appending while records are held and written in chunks; both
/// paths still write exactly the files an unlimited run writes.
#[test]
fn outputs_beyond_the_descriptor_limit_are_reopened_and_complete() {
    let dir = scratch("e2e_split_fd_limit");
    let trace = dir.join("t.pcap");
    let rules = dir.join("rules.txt");
    gen_trace(&trace, &rules, 100, 40_000);
    let run = |out: &Path, limit: Option<u32>, piped: bool| {
        let _ = std::fs::remove_dir_all(out);
        let input = if piped { "-" } else { trace.to_str().unwrap() };
        let script = format!(
            "{}exec \"$0\" split -r {input} --rules {} -o {} --all-matches < {}",
            limit.map_or(String::new(), |n| format!("ulimit -n {n} && ")),
            rules.display(),
            out.display(),
            trace.display(),
        );
        let o = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(env!("CARGO_BIN_EXE_dpf"))
            .output()
            .expect("run dpf under sh");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        files(out)
    };
    let want = run(&dir.join("free"), None, false);
    assert_eq!(want.len(), 100);
    assert!(
        want.iter().all(|(_, b)| b.len() > 64 << 10),
        "outputs too small to chunk"
    );
    assert!(
        run(&dir.join("mapped"), Some(40), false) == want,
        "mapped, 40 descriptors"
    );
    assert!(
        run(&dir.join("piped"), Some(40), true) == want,
        "piped, 40 descriptors"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
