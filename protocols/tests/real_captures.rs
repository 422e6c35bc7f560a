//! Real traffic: Ethernet frames from the tcpdump test captures in `../shared/pcaps` (ARP and
//! IPv4, tagged or not, many of them malformed on purpose) read by the stack's parsers
//! (`erl/test/capture_parse.erl`) on OTP and on our VM, and by etherparse here. Both readings
//! are printed in one canonical form and must agree frame by frame.

mod common;

use common::{hex, run_otp, run_vm, scratch_dir, sources_with_tests};
use etherparse::checksum::Sum16BitWords;
use etherparse::{ArpPacketSlice, Ethernet2Slice, Ipv4HeaderSlice, SingleVlanSlice, UdpHeader};
use pcap_file::pcap::PcapReader;
use pcap_file::DataLink;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

const PER_FILE: usize = 12;
const LIMIT: Duration = Duration::from_secs(300);

fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/pcaps/tcpdump-tests")
}

/// Up to PER_FILE ARP/IPv4 frames (possibly VLAN-tagged) from each Ethernet capture.
fn sample() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(captures_dir())
        .expect("../shared/pcaps/tcpdump-tests is present")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(file) = std::fs::File::open(&f) else {
            continue;
        };
        let Ok(mut rd) = PcapReader::new(file) else {
            continue;
        };
        if rd.header().datalink != DataLink::ETHERNET {
            continue;
        }
        let mut taken = 0;
        while let Some(Ok(pkt)) = rd.next_packet() {
            if taken == PER_FILE {
                break;
            }
            let d = pkt.data.as_ref();
            if matches!(inner_type(d), Some(0x0800) | Some(0x0806)) {
                let name = f.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, d.to_vec()));
                taken += 1;
            }
        }
    }
    out
}

/// The EtherType after up to two VLAN tags, if the bytes are there.
fn inner_type(d: &[u8]) -> Option<u16> {
    let mut off = 12;
    for _ in 0..3 {
        let t = u16::from_be_bytes([*d.get(off)?, *d.get(off + 1)?]);
        if t != 0x8100 && t != 0x88a8 {
            return Some(t);
        }
        off += 4;
    }
    None
}

fn mac(m: &[u8]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn ip(a: &[u8]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// etherparse's reading of a frame, in capture_parse's canonical form.
fn reference(frame: &[u8]) -> String {
    let Ok(e) = Ethernet2Slice::from_slice_without_fcs(frame) else {
        return "error eth".into();
    };
    let mut ty = e.ether_type().0;
    let mut rest = &frame[14..];
    let mut vids = Vec::new();
    while ty == 0x8100 || ty == 0x88a8 {
        if vids.len() == 2 {
            return "error eth".into(); // the stack takes at most two tags
        }
        let Ok(v) = SingleVlanSlice::from_slice(rest) else {
            return "error eth".into();
        };
        vids.push(v.vlan_identifier().value().to_string());
        ty = v.ether_type().0;
        rest = &rest[4..];
    }
    if ty < 0x0600 {
        return "error eth".into(); // an 802.3 length, not a type
    }
    let mut s = format!("eth [{}] {ty:04x} | ", vids.join(","));
    match ty {
        0x0806 => s.push_str(&arp(rest)),
        0x0800 => s.push_str(&ipv4(rest)),
        _ => s.push_str("other"),
    }
    s
}

fn arp(b: &[u8]) -> String {
    let Ok(a) = ArpPacketSlice::from_slice(b) else {
        return "error arp".into();
    };
    let Ok(p) = a.to_packet().try_eth_ipv4() else {
        return "error arp".into();
    };
    let op = match p.operation.0 {
        1 => "request".to_string(),
        2 => "reply".to_string(),
        n => n.to_string(),
    };
    format!(
        "arp {op} {} {} {} {}",
        mac(&p.sender_mac),
        ip(&p.sender_ipv4),
        mac(&p.target_mac),
        ip(&p.target_ipv4)
    )
}

fn ipv4(b: &[u8]) -> String {
    let Ok(h) = Ipv4HeaderSlice::from_slice(b) else {
        return "error ipv4".into();
    };
    let hlen = h.ihl() as usize * 4;
    let total = h.total_len() as usize;
    // RFC 791: the total length covers the header and lies within what was received.
    if total < hlen || total > b.len() {
        return "error ipv4".into();
    }
    let hdr = h.to_header();
    if hdr.header_checksum != hdr.calc_header_checksum() {
        return "error ipv4".into();
    }
    let off = h.fragments_offset().value() as usize * 8;
    let (df, mf) = (h.dont_fragment(), h.more_fragments());
    let proto = h.protocol().0;
    let mut s = format!(
        "ipv4 {} {} {proto} {} {} {df} {mf} {off} {}",
        ip(&h.source()),
        ip(&h.destination()),
        h.ttl(),
        h.identification(),
        total - hlen
    );
    if !(mf || off > 0) {
        let payload = &b[hlen..total];
        match proto {
            17 => s.push_str(&udp(&h.source(), &h.destination(), payload)),
            1 => s.push_str(&icmp(payload)),
            _ => {}
        }
    }
    s
}

fn udp(src: &[u8; 4], dst: &[u8; 4], p: &[u8]) -> String {
    let Ok((u, _)) = UdpHeader::from_slice(p) else {
        return " | error udp".into();
    };
    let len = u.length as usize;
    if len < 8 || len > p.len() {
        return " | error udp".into();
    }
    if u.checksum != 0 {
        let want = u.calc_checksum_ipv4_raw(*src, *dst, &p[8..len]);
        if want != Ok(u.checksum) {
            return " | error udp".into();
        }
    }
    format!(
        " | udp {} {} {}",
        u.source_port,
        u.destination_port,
        len - 8
    )
}

fn icmp(p: &[u8]) -> String {
    if p.len() < 4 {
        return " | error icmp".into();
    }
    // A valid message sums, checksum included, to all ones.
    if Sum16BitWords::new().add_slice(p).ones_complement() != 0 {
        return " | error icmp".into();
    }
    format!(" | icmp {} {}", p[0], p[1])
}

/// Writes capture_frames.erl: count/0 and one frame/1 clause per frame (clauses rather than
/// one long list literal, whose nesting would make the compiler recurse once per element).
fn frames_module(frames: &[(String, Vec<u8>)]) -> PathBuf {
    let mut s = format!(
        "%% Generated by protocols/tests/real_captures.rs from ../shared/pcaps.\n\
         -module(capture_frames).\n-export([count/0, frame/1]).\n\ncount() -> {}.\n\n",
        frames.len()
    );
    for (i, (_, f)) in frames.iter().enumerate() {
        let end = if i + 1 == frames.len() { "." } else { ";" };
        writeln!(s, "frame({i}) -> <<\"{}\">>{end}", hex(f)).unwrap();
    }
    let p = scratch_dir("captures").join("capture_frames.erl");
    std::fs::write(&p, s).expect("write capture_frames.erl");
    p
}

type Outputs = (Vec<(String, Vec<u8>)>, String, String);

fn outputs() -> &'static Outputs {
    static OUT: OnceLock<Outputs> = OnceLock::new();
    OUT.get_or_init(|| {
        let frames = sample();
        let mut files = sources_with_tests(&["test_util", "capture_parse"]);
        files.push(frames_module(&frames));
        let otp = run_otp(&files, "capture_parse", LIMIT);
        let ours = run_vm(&files, "capture_parse", LIMIT);
        (frames, otp, ours)
    })
}

#[test]
fn otp_and_our_vm_read_the_captures_the_same() {
    let (frames, otp, ours) = outputs();
    assert!(frames.len() >= 300, "only {} frames sampled", frames.len());
    common::assert_same_output(otp, ours, "capture_parse");
}

#[test]
fn the_stack_reads_real_frames_as_etherparse_does() {
    let (frames, _, ours) = outputs();
    let lines: Vec<&str> = ours.lines().collect();
    assert_eq!(lines.len(), frames.len());
    let mut mismatches = Vec::new();
    for (i, ((file, f), line)) in frames.iter().zip(&lines).enumerate() {
        let want = format!("{i}: {}", reference(f));
        if *line != want {
            mismatches.push(format!(
                "{file} frame {i}:\n  stack:      {line}\n  etherparse: {want}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        frames.len(),
        mismatches.join("\n")
    );
    // The sample covers what it claims: ARP, UDP, ICMP, VLAN tags and bad input.
    let count = |what: &str| lines.iter().filter(|l| l.contains(what)).count();
    eprintln!(
        "{} frames: {} ARP, {} UDP, {} ICMP, {} tagged, {} errors",
        lines.len(),
        count("| arp "),
        count("| udp "),
        count("| icmp "),
        lines.len() - count("eth [] "),
        count("error")
    );
    for what in ["| arp ", "| udp ", "| icmp ", "error ipv4", "error udp"] {
        assert!(count(what) > 0, "no {what:?} in the sample");
    }
    assert!(
        lines.iter().any(|l| !l.contains("eth [] ")),
        "no tagged frame in the sample"
    );
}
