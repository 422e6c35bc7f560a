//! `dpf replay` on every shared capture (all 867, every link type, many malformed on
//! purpose): it never panics; a supported link type gives libpcap's verdict for every rule on
//! every packet (libpcap filtering the same file in-process is the oracle); an unsupported
//! link type or a corrupt file is a clean error, after the packets before the damage.

mod e2e_common;
use e2e_common::*;

use std::collections::HashMap;
use std::path::Path;

const RULES: &[(&str, &str)] = &[
    ("ip4", "ip"),
    ("ip6", "ip6"),
    ("web", "tcp port 80 or tcp port 443"),
    ("dns", "udp port 53"),
    ("icmp", "icmp or icmp6"),
    ("syn", "tcp[tcpflags] & tcp-syn != 0"),
    ("big", "len > 256"),
    ("arp", "arp"),
    ("net10", "src net 10.0.0.0/8 or dst host 192.168.1.1"),
    ("frag", "ip[6:2] & 0x3fff != 0"),
];

/// LINKTYPE_ numbers our lowering compiles for.
const SUPPORTED: &[u32] = &[0, 1, 101, 108, 113, 228, 229, 276];

type Pkt = (Vec<u8>, u32);

/// The packets libpcap reads (data, wire length), and whether it reached a clean end.
fn libpcap_packets(f: &Path, filter: Option<&str>) -> Result<(Vec<Pkt>, bool), String> {
    let mut cap = pcap::Capture::from_file(f).map_err(|e| e.to_string())?;
    if let Some(e) = filter {
        cap.filter(e, true).map_err(|e| e.to_string())?;
    }
    let mut v = Vec::new();
    loop {
        match cap.next_packet() {
            Ok(p) => v.push((p.data.to_vec(), p.header.len)),
            Err(pcap::Error::NoMorePackets) => return Ok((v, true)),
            Err(_) => return Ok((v, false)),
        }
    }
}

fn link_of(f: &Path) -> Option<u32> {
    let cap = pcap::Capture::from_file(f).ok()?;
    Some(match cap.get_datalink().0 {
        12 | 14 => 101,
        n => n as u32,
    })
}

#[test]
fn every_shared_capture_replays_with_libpcap_verdicts_or_a_clean_error() {
    let dir = scratch("e2e_replay");
    let rules = dir.join("rules");
    let text: String = RULES.iter().map(|(n, e)| format!("{n}: {e}\n")).collect();
    std::fs::write(&rules, text).unwrap();
    let files = corpus();
    assert!(files.len() >= 860);
    let (mut compared, mut unsupported, mut corrupt) = (0, 0, 0);
    let mut failures = Vec::new();
    for f in &files {
        let name = f.display().to_string();
        let out = dpf(&[
            "replay",
            "-r",
            &name,
            "--rules",
            rules.to_str().unwrap(),
            "--all-matches",
            "--format",
            "jsonl",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let code = out.status.code();
        if stderr.contains("panicked") || !matches!(code, Some(0 | 1)) {
            failures.push(format!("{name}: exit {code:?}: {stderr}"));
            continue;
        }
        if code == Some(1) && !stderr.lines().any(|l| l.starts_with("dpf: error: ")) {
            failures.push(format!("{name}: exit 1 without an error line: {stderr}"));
            continue;
        }
        let Some(link) = link_of(f) else {
            // libpcap cannot open it either: we must refuse it cleanly.
            if code != Some(1) {
                failures.push(format!("{name}: libpcap cannot open it, we exit {code:?}"));
            }
            corrupt += 1;
            continue;
        };
        let (all, clean) = libpcap_packets(f, None).unwrap();
        if !SUPPORTED.contains(&link) {
            unsupported += 1;
            if code != Some(1) || !stderr.contains("unsupported link type") {
                failures.push(format!("{name}: link type {link}: exit {code:?}: {stderr}"));
            }
            continue;
        }
        if clean != (code == Some(0)) {
            failures.push(format!(
                "{name}: libpcap clean end {clean}, we exit {code:?}: {stderr}"
            ));
            continue;
        }
        if !clean {
            corrupt += 1;
            if !stderr.contains("byte offset") {
                failures.push(format!(
                    "{name}: corrupt-file error without its offset: {stderr}"
                ));
            }
        }
        // Our verdicts, from the JSON lines.
        let mut ours: HashMap<&str, Vec<usize>> = HashMap::new();
        let lines: Vec<&str> = stdout.lines().collect();
        if lines.len() != all.len() {
            failures.push(format!(
                "{name}: {} lines for {} packets",
                lines.len(),
                all.len()
            ));
            continue;
        }
        for (i, l) in lines.iter().enumerate() {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            assert_eq!(
                v["packet"],
                i + 1,
                "{name}: packet numbers count from 1 in order"
            );
            for r in v["rules"].as_array().expect("rules array") {
                let r = RULES.iter().find(|x| x.0 == r.as_str().unwrap()).unwrap().0;
                ours.entry(r).or_default().push(i);
            }
        }
        for (rule, expr) in RULES {
            let theirs = match libpcap_packets(f, Some(expr)) {
                Ok((v, _)) => v,
                // libpcap refuses an expression no packet of this link type can match; for
                // us that rule just never matches here.
                Err(m) if m.contains("rejects all packets") => Vec::new(),
                Err(m) => {
                    failures.push(format!("{name}: libpcap cannot compile {expr:?}: {m}"));
                    continue;
                }
            };
            let mine: Vec<Pkt> = ours
                .get(rule)
                .map(|ix| ix.iter().map(|&i| all[i].clone()).collect())
                .unwrap_or_default();
            if mine != theirs {
                failures.push(format!(
                    "{name}: rule {rule} ({expr}): we match {} packets, libpcap {}",
                    mine.len(),
                    theirs.len()
                ));
            }
        }
        compared += 1;
    }
    eprintln!(
        "{compared} compared with libpcap, {unsupported} unsupported link types, {corrupt} corrupt"
    );
    assert!(compared > 450, "only {compared} captures compared");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
