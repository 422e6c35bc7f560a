//! Helpers shared by the end-to-end tests: the shared capture corpus, the built `dpf`
//! binary, and `tcpdump` as the reference for outputs.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn shared_pcaps() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/pcaps")).to_path_buf()
}

/// Every `.pcap` / `.pcapng` file of the shared corpus, sorted.
pub fn corpus() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![shared_pcaps()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("shared pcaps directory") {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("pcap" | "pcapng")
            ) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn dpf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dpf"))
        .args(args)
        .output()
        .expect("run dpf")
}

/// `dpf gen --flows FLOWS --packets PACKETS -o TRACE --rules RULES`, which must succeed.
pub fn gen_trace(trace: &Path, rules: &Path, flows: u32, packets: u32) {
    let (f, p) = (flows.to_string(), packets.to_string());
    let gen = dpf(&[
        "gen",
        "--flows",
        &f,
        "--packets",
        &p,
        "-o",
        trace.to_str().expect("UTF-8 path"),
        "--rules",
        rules.to_str().expect("UTF-8 path"),
    ]);
    assert!(
        gen.status.success(),
        "dpf gen: {}",
        String::from_utf8_lossy(&gen.stderr)
    );
}

/// A scratch directory every user can write to (tcpdump drops root privileges before it
/// opens its output file).
pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    d
}

/// `tcpdump -r IN -w OUT [EXPR]`: its exit status.
pub fn tcpdump_write(input: &Path, out: &Path, expr: &str) -> Option<i32> {
    let mut c = Command::new("tcpdump");
    c.arg("-r").arg(input).arg("-w").arg(out);
    if !expr.is_empty() {
        c.arg(expr);
    }
    c.output().expect("run tcpdump").status.code()
}

/// The records of a pcap file (seconds, fraction, captured length, wire length, data), in
/// file order, with nanosecond fractions cut to microseconds (what tcpdump writes).
pub fn pcap_records_micro(path: &Path) -> Vec<(u32, u32, u32, u32, Vec<u8>)> {
    let b = std::fs::read(path).expect("read pcap");
    let nano = b.get(0..4) == Some(&[0x4d, 0x3c, 0xb2, 0xa1]);
    let mut v = pcap_records(path);
    if nano {
        v.iter_mut().for_each(|r| r.1 /= 1000);
    }
    v
}

/// The records of a little-endian pcap file: header fields and data, in file order.
pub fn pcap_records(path: &Path) -> Vec<(u32, u32, u32, u32, Vec<u8>)> {
    let b = std::fs::read(path).expect("read pcap");
    assert!(b.len() >= 24, "{}: no pcap header", path.display());
    let le = |x: &[u8]| u32::from_le_bytes([x[0], x[1], x[2], x[3]]);
    assert_eq!(
        le(&b[0..4]) & 0xffff_0000,
        0xa1b2_0000,
        "{}: magic",
        path.display()
    );
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= b.len() {
        let h = &b[at..at + 16];
        let cap = le(&h[8..12]) as usize;
        let data = b[at + 16..at + 16 + cap].to_vec();
        out.push((le(&h[0..4]), le(&h[4..8]), cap as u32, le(&h[12..16]), data));
        at += 16 + cap;
    }
    assert_eq!(at, b.len(), "{}: trailing bytes", path.display());
    out
}
