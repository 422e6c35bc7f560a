//! A capture cut short: `dpf filter`, `split` and `replay` name the byte offset and packet
//! number where it broke, exit non-zero, and leave outputs that are valid captures holding
//! every packet before the break.

mod e2e_common;
use e2e_common::*;

use std::path::Path;

/// File offsets of the records of a little-endian pcap, and of the end.
fn pcap_offsets(b: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    let mut at = 24;
    while at + 16 <= b.len() {
        v.push(at);
        at += 16 + u32::from_le_bytes(b[at + 8..at + 12].try_into().unwrap()) as usize;
    }
    v
}

/// File offsets of the packet blocks (EPB) of a little-endian pcapng.
fn pcapng_packet_offsets(b: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    let mut at = 0;
    while at + 8 <= b.len() {
        let ty = u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
        if ty == 6 {
            v.push(at);
        }
        at += u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap()) as usize;
    }
    v
}

fn source() -> std::path::PathBuf {
    // A plain Ethernet capture with a few dozen packets.
    shared_pcaps().join("tcpdump-tests/EIGRP_adjacency.pcap")
}

fn check_cut(input: &Path, cut: usize, record_at: usize, packet: usize, dir: &Path) {
    let what = format!("cut at {cut} (packet {packet})");
    let full = std::fs::read(input).unwrap();
    let cut_file = dir.join(format!("cut-{cut}"));
    std::fs::write(&cut_file, &full[..cut]).unwrap();
    let inp = cut_file.to_str().unwrap();
    let expect_err = format!("at byte offset {record_at}, packet {packet})");

    let out = dir.join("out.pcap");
    let f = dpf(&["filter", "-r", inp, "-w", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&f.stderr);
    assert_eq!(f.status.code(), Some(1), "{what}: filter exit; {err}");
    assert!(
        err.contains(&expect_err),
        "{what}: filter says {err:?}, want {expect_err:?}"
    );
    // Everything before the break, as a valid capture (pcap_records rejects trailing bytes).
    assert_eq!(
        pcap_records(&out).len(),
        packet - 1,
        "{what}: filter output"
    );

    let rules = dir.join("rules");
    std::fs::write(&rules, "all: len >= 0\nnone: len > 100000\n").unwrap();
    let split_dir = dir.join("split");
    let _ = std::fs::remove_dir_all(&split_dir);
    let s = dpf(&[
        "split",
        "-r",
        inp,
        "--rules",
        rules.to_str().unwrap(),
        "-o",
        split_dir.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&s.stderr);
    assert_eq!(s.status.code(), Some(1), "{what}: split exit; {err}");
    assert!(err.contains(&expect_err), "{what}: split says {err:?}");
    let ext = if full.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        "pcapng"
    } else {
        "pcap"
    };
    if ext == "pcap" {
        assert_eq!(
            pcap_records(&split_dir.join("all.pcap")).len(),
            packet - 1,
            "{what}"
        );
        assert_eq!(
            pcap_records(&split_dir.join("none.pcap")).len(),
            0,
            "{what}"
        );
    }

    let r = dpf(&[
        "replay",
        "-r",
        inp,
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{what}: replay exit");
    assert!(err.contains(&expect_err), "{what}: replay says {err:?}");
    assert_eq!(
        String::from_utf8_lossy(&r.stdout).lines().count(),
        packet - 1,
        "{what}"
    );
}

#[test]
fn truncated_pcap_reports_where_and_keeps_outputs_valid() {
    let dir = scratch("cli_truncated_pcap");
    let input = source();
    let b = std::fs::read(&input).unwrap();
    let offs = pcap_offsets(&b);
    assert!(offs.len() >= 3, "source capture too small");
    for k in [0, 1, offs.len() - 1] {
        let at = offs[k];
        // Inside the record header, and inside the packet data.
        check_cut(&input, at + 7, at, k + 1, &dir);
        check_cut(&input, at + 17, at, k + 1, &dir);
    }
    // A file header cut short is an error at offset 0 before any packet.
    let cut = dir.join("header-only");
    std::fs::write(&cut, &b[..10]).unwrap();
    let f = dpf(&[
        "filter",
        "-r",
        cut.to_str().unwrap(),
        "-w",
        dir.join("x").to_str().unwrap(),
    ]);
    assert_eq!(f.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&f.stderr).contains("truncated pcap file header"));
}

#[test]
fn truncated_pcapng_reports_the_block_that_broke() {
    let dir = scratch("cli_truncated_pcapng");
    let ng = dir.join("whole.pcapng");
    let c = dpf(&[
        "filter",
        "--pcapng",
        "-r",
        source().to_str().unwrap(),
        "-w",
        ng.to_str().unwrap(),
    ]);
    assert!(c.status.success());
    let b = std::fs::read(&ng).unwrap();
    let offs = pcapng_packet_offsets(&b);
    assert!(offs.len() >= 3);
    for k in [0, offs.len() / 2, offs.len() - 1] {
        check_cut(&ng, offs[k] + 5, offs[k], k + 1, &dir);
        check_cut(&ng, offs[k] + 30, offs[k], k + 1, &dir);
    }
}
