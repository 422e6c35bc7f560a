//! `dpf split` and `dpf filter` against the real tcpdump: for a set of expressions on
//! captures of every supported link type, each rule's output holds exactly the packets that
//! `tcpdump -r IN -w OUT 'RULE'` writes (same records: timestamps, lengths, bytes), and
//! `dpf filter` writes the same file as tcpdump byte for byte.

mod e2e_common;
use e2e_common::*;

use std::path::{Path, PathBuf};

const RULES: &[(&str, &str)] = &[
    ("ip4", "ip"),
    ("ip6", "ip6"),
    ("web", "tcp port 80 or tcp port 443"),
    ("dns", "udp port 53"),
    ("icmp", "icmp or icmp6"),
    ("syn", "tcp[tcpflags] & tcp-syn != 0"),
    ("big", "len > 256"),
    ("arp", "arp"),
    ("hosts", "src net 10.0.0.0/8 or dst host 192.168.1.1"),
    ("small", "less 100 and not udp"),
];

/// The pcap header's link type field (with FCS bits) and whether the file is pcapng.
fn header_link(f: &Path) -> Option<u32> {
    let b = std::fs::read(f).ok()?;
    match b.get(0..4)? {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => {
            Some(u32::from_le_bytes(b[20..24].try_into().ok()?))
        }
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => {
            Some(u32::from_be_bytes(b[20..24].try_into().ok()?))
        }
        _ => None,
    }
}

/// Up to `per` captures of each supported link type, plus pcapng ones, largest first.
fn selection(per: usize) -> Vec<PathBuf> {
    let mut files = corpus();
    files.sort_by_key(|f| std::cmp::Reverse(std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)));
    let mut out = Vec::new();
    let kinds: &[u32] = &[1, 0x3000_0001, 0, 101, 108, 113, 228, 229, 276];
    for &k in kinds {
        out.extend(
            files
                .iter()
                .filter(|f| header_link(f) == Some(k))
                .take(per)
                .cloned(),
        );
    }
    out.extend(
        files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "pcapng"))
            .take(per)
            .cloned(),
    );
    out
}

#[test]
fn split_and_filter_write_what_tcpdump_writes() {
    let dir = scratch("e2e_split");
    let rules = dir.join("rules");
    let text: String = RULES.iter().map(|(n, e)| format!("{n}: {e}\n")).collect();
    std::fs::write(&rules, text).unwrap();
    let files = selection(4);
    assert!(files.len() >= 25, "only {} captures selected", files.len());
    let mut failures = Vec::new();
    let mut nonempty = 0;
    for f in &files {
        let name = f.display().to_string();
        let out_dir = dir.join("split");
        let _ = std::fs::remove_dir_all(&out_dir);
        let unmatched = dir.join("unmatched.pcap");
        let s = dpf(&[
            "split",
            "-r",
            &name,
            "--rules",
            rules.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
            "--all-matches",
            "--unmatched",
            unmatched.to_str().unwrap(),
        ]);
        if !s.status.success() {
            failures.push(format!(
                "{name}: split failed: {}",
                String::from_utf8_lossy(&s.stderr)
            ));
            continue;
        }
        for (rule, expr) in RULES {
            let theirs = dir.join("tcpdump.pcap");
            let _ = std::fs::remove_file(&theirs);
            let t = tcpdump_write(f, &theirs, expr);
            let ours = out_dir.join(format!("{rule}.pcap"));
            let got = pcap_records_micro(&ours);
            if t != Some(0) {
                // tcpdump refuses an expression no packet of this link type can match.
                if !got.is_empty() {
                    failures.push(format!(
                        "{name}: {rule}: tcpdump refuses it, we match {}",
                        got.len()
                    ));
                }
                continue;
            }
            let want = pcap_records_micro(&theirs);
            nonempty += usize::from(!want.is_empty());
            if got != want {
                failures.push(format!(
                    "{name}: split {rule} ({expr}): {} packets, tcpdump {}",
                    got.len(),
                    want.len()
                ));
            }
            // dpf filter: the very same bytes as tcpdump's file.
            let filtered = dir.join("filter.pcap");
            let d = dpf(&[
                "filter",
                "-r",
                &name,
                "-w",
                filtered.to_str().unwrap(),
                expr,
            ]);
            if !d.status.success() || std::fs::read(&filtered).ok() != std::fs::read(&theirs).ok() {
                failures.push(format!(
                    "{name}: filter {expr:?} differs from tcpdump: {}",
                    String::from_utf8_lossy(&d.stderr)
                ));
            }
        }
    }
    assert!(
        nonempty > 60,
        "only {nonempty} non-empty rule outputs: the test would prove little"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn first_match_split_partitions_the_capture_like_replay() {
    // Without --all-matches every packet lands in exactly one output (its first matching
    // rule, or the unmatched file), and which one is what `dpf replay` reports.
    let dir = scratch("e2e_split_first");
    let rules = dir.join("rules");
    let text: String = RULES.iter().map(|(n, e)| format!("{n}: {e}\n")).collect();
    std::fs::write(&rules, text).unwrap();
    for f in selection(1) {
        let name = f.display().to_string();
        let out_dir = dir.join("out");
        let _ = std::fs::remove_dir_all(&out_dir);
        let unmatched = dir.join("rest.pcap");
        let s = dpf(&[
            "split",
            "-r",
            &name,
            "--rules",
            rules.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
            "--unmatched",
            unmatched.to_str().unwrap(),
        ]);
        assert!(
            s.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&s.stderr)
        );
        let r = dpf(&[
            "replay",
            "-r",
            &name,
            "--rules",
            rules.to_str().unwrap(),
            "--format",
            "jsonl",
        ]);
        assert!(r.status.success());
        let mut expect: Vec<Vec<usize>> = vec![Vec::new(); RULES.len() + 1];
        for (i, l) in String::from_utf8_lossy(&r.stdout).lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let rs = v["rules"].as_array().unwrap();
            assert!(
                rs.len() <= 1,
                "{name}: first-match replay reports {} rules",
                rs.len()
            );
            let k = rs
                .first()
                .map(|n| {
                    RULES
                        .iter()
                        .position(|x| x.0 == n.as_str().unwrap())
                        .unwrap()
                })
                .unwrap_or(RULES.len());
            expect[k].push(i);
        }
        let total: usize = expect.iter().map(Vec::len).sum();
        let mut seen = 0;
        for (k, want) in expect.iter().enumerate() {
            let path = if k < RULES.len() {
                out_dir.join(format!("{}.pcap", RULES[k].0))
            } else {
                unmatched.clone()
            };
            let got = pcap_records(&path).len();
            assert_eq!(got, want.len(), "{name}: output {} count", path.display());
            seen += got;
        }
        assert_eq!(seen, total, "{name}: every packet in exactly one output");
    }
}
