//! The oracle: libpcap's own interpreter (through the `pcap` crate) on real captures and on the
//! synthetic trace. The rules here are built directly in the shape of libpcap's code for the
//! same text (`dpf::gen`), so this checks the graph and the JIT rule by rule against libpcap
//! before and independently of the parser.

use std::path::{Path, PathBuf};

use dpf::gen::{self, Rng};
use dpf::ir::{Packet, Pred};
use dpf::{Demux, JitGraph};

const PCAPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/pcaps");

fn rules() -> Vec<(String, Pred)> {
    let mut rng = Rng::new(4);
    let flows = gen::flows(20, &mut rng);
    let hosts = [
        [192, 168, 1, 1],
        [10, 0, 0, 1],
        [192, 0, 2, 1],
        [198, 51, 100, 7],
    ];
    let mut r = vec![
        ("tcp".to_string(), gen::tcp_pred()),
        ("dst port 53".into(), gen::port_pred(53, false)),
        ("src port 80".into(), gen::port_pred(80, true)),
        (
            "src host 192.168.1.1".into(),
            gen::host_pred([192, 168, 1, 1], true),
        ),
        (
            "host 192.168.1.1 or host 10.0.0.1 or host 192.0.2.1 or host 198.51.100.7".into(),
            gen::hosts_pred(&hosts),
        ),
        (
            "tcp and dst port 80".into(),
            Pred::and(gen::tcp_pred(), gen::port_pred(80, false)),
        ),
    ];
    let text = gen::rules_text(&flows);
    for (line, f) in text.lines().zip(&flows) {
        r.push((
            line.split_once(": ").unwrap().1.to_string(),
            gen::flow_pred(f),
        ));
    }
    r
}

/// Compares every rule's verdict with libpcap's on `packets`; returns packets checked.
fn check(rules: &[(String, Pred)], packets: &[Vec<u8>], origin: &str) -> usize {
    let dead = pcap::Capture::dead(pcap::Linktype(1)).unwrap();
    let progs: Vec<pcap::BpfProgram> = rules
        .iter()
        .map(|(t, _)| dead.compile(t, true).unwrap())
        .collect();
    let preds: Vec<Pred> = rules.iter().map(|(_, p)| p.clone()).collect();
    let jit = JitGraph::new(&preds).unwrap();
    let mut all = Vec::new();
    for (i, d) in packets.iter().enumerate() {
        let p = Packet::new(d, d.len() as u32);
        jit.all_matches(&p, &mut all);
        let want: Vec<usize> = (0..progs.len()).filter(|&k| progs[k].filter(d)).collect();
        assert_eq!(
            all,
            want,
            "{origin} packet {} ({} bytes): rules {:?}",
            i + 1,
            d.len(),
            want.iter()
                .chain(all.iter())
                .map(|&k| &rules[k].0)
                .collect::<Vec<_>>()
        );
        assert_eq!(
            jit.first_match(&p),
            want.first().copied(),
            "{origin} packet {}",
            i + 1
        );
    }
    packets.len()
}

fn ethernet_captures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["tcpdump-tests", "libpcap-filter-tests"] {
        let Ok(rd) = std::fs::read_dir(Path::new(PCAPS).join(dir)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn synthetic_trace_agrees_with_libpcap() {
    let r = rules();
    let mut rng = Rng::new(4);
    let flows = gen::flows(20, &mut rng);
    let mut pk = gen::packets(&flows, 3000, &mut rng);
    let cut: Vec<Vec<u8>> = pk
        .iter()
        .take(400)
        .enumerate()
        .map(|(i, p)| p[..(i * 5) % (p.len() + 1)].to_vec())
        .collect();
    pk.extend(cut);
    check(&r, &pk, "synthetic");
}

#[test]
fn real_ethernet_captures_agree_with_libpcap() {
    let r = rules();
    let (mut files, mut packets) = (0, 0);
    for path in ethernet_captures() {
        let Ok(mut cap) = pcap::Capture::from_file(&path) else {
            continue;
        };
        if cap.get_datalink() != pcap::Linktype(1) {
            continue;
        }
        let mut pk = Vec::new();
        // Bounded: a malformed file may end early; what was read is checked.
        while let Ok(p) = cap.next_packet() {
            pk.push(p.data.to_vec());
            if pk.len() >= 5000 {
                break;
            }
        }
        packets += check(&r, &pk, &path.display().to_string());
        files += 1;
    }
    assert!(
        files >= 300,
        "expected the shared Ethernet captures, found {files}"
    );
    assert!(packets > 5_000, "{packets}");
}

/// The parser's predicates (not the hand-built ones) for the anchor's rule text, a host set and a
/// few common filters: JIT and graph against libpcap, and the 4-tuple rules still one switch node.
#[test]
fn parsed_rules_agree_with_libpcap() {
    let mut rng = Rng::new(9);
    let flows = gen::flows(30, &mut rng);
    let mut texts: Vec<String> = gen::rules_text(&flows)
        .lines()
        .map(|l| l.split_once(": ").unwrap().1.to_string())
        .collect();
    let flow_rules: Vec<Pred> = texts
        .iter()
        .map(|t| dpf::compile(t, dpf::LinkType::ETHERNET).unwrap())
        .collect();
    let g = dpf::Graph::new(&flow_rules);
    assert_eq!(g.shapes().len(), 1, "{}", g.dump());
    texts.extend(
        [
            "host 198.51.100.7 or host 192.0.2.1 or host 10.1.2.3",
            "udp dst port 53",
            "tcp[tcpflags] & tcp-syn != 0",
            "net 198.51.100.0/25",
            "ip[2:2] - 20 > 100",
            "not tcp",
            "arp or icmp",
        ]
        .map(String::from),
    );
    let rules: Vec<(String, Pred)> = texts
        .iter()
        .map(|t| (t.clone(), dpf::compile(t, dpf::LinkType::ETHERNET).unwrap()))
        .collect();
    let mut pk = gen::packets(&flows, 3000, &mut rng);
    let cut: Vec<Vec<u8>> = pk
        .iter()
        .take(400)
        .enumerate()
        .map(|(i, p)| p[..(i * 3) % (p.len() + 1)].to_vec())
        .collect();
    pk.extend(cut);
    check(&rules, &pk, "parsed");
}
