//! Frames built by etherparse, parsed by the Erlang stack on OTP and on our VM. The Rust side
//! writes them into a generated Erlang module (`foreign_frames:frames/0`), runs
//! `erl/test/parse_foreign.erl`, and compares each printed line with what it built.

mod common;

use common::{field, hex, run_otp, run_vm, scratch_dir, sources_with_tests};
use etherparse::{
    ArpEthIpv4Packet, ArpOperation, EtherType, Ethernet2Header, IpFragOffset, IpHeaders, IpNumber,
    Ipv4Header, Ipv4Options, PacketBuilder, UdpHeader, VlanId,
};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

const MAC_L: [u8; 6] = [0x02, 0x42, 0xac, 0x11, 0x00, 0x02];
const MAC_E: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0e];
const BCAST: [u8; 6] = [0xff; 6];
const IP_L: [u8; 4] = [198, 51, 100, 1];
const IP_E: [u8; 4] = [198, 51, 100, 2];
const LIMIT: Duration = Duration::from_secs(180);

fn mac(m: [u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn ip(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// (name, frame bytes, the line parse_foreign must print for it).
type Case = (String, Vec<u8>, String);

/// The frames, each with the line parse_foreign must print for it.
fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let mut add =
        |name: &str, bytes: Vec<u8>, want: String| v.push((name.to_string(), bytes, want));

    for (name, op, tha) in [
        ("arp_request", ArpOperation::REQUEST, [0u8; 6]),
        ("arp_reply", ArpOperation::REPLY, MAC_E),
    ] {
        let arp = ArpEthIpv4Packet {
            operation: op,
            sender_mac: MAC_L,
            sender_ipv4: IP_L,
            target_mac: tha,
            target_ipv4: IP_E,
        };
        let mut b = Vec::new();
        PacketBuilder::ethernet2(MAC_L, if tha == [0; 6] { BCAST } else { MAC_E })
            .arp(arp.into())
            .write(&mut b)
            .unwrap();
        let opname = if name == "arp_request" {
            "request"
        } else {
            "reply"
        };
        add(
            name,
            b,
            format!(
                "vlans=[] type=0806 arp {opname} {} {} {} {}",
                mac(MAC_L),
                ip(IP_L),
                mac(tha),
                ip(IP_E)
            ),
        );
    }

    let data: Vec<u8> = (0..56u8).collect();
    let mut b = Vec::new();
    PacketBuilder::ethernet2(MAC_L, MAC_E)
        .ipv4(IP_L, IP_E, 64)
        .icmpv4_echo_request(0x77, 1)
        .write(&mut b, &data)
        .unwrap();
    add("icmp_echo", b, format!(
        "vlans=[] type=0800 ipv4 {}>{} proto=1 ttl=64 id=0 df=true tos=0 hlen=20 len=64 icmp echo_request id=119 seq=1 data={}",
        ip(IP_L), ip(IP_E), hex(&data)));

    let udp_line = |vl: &str, len: usize| {
        format!(
        "vlans={vl} type=0800 ipv4 {}>{} proto=17 ttl=32 id=0 df=true tos=0 hlen=20 len={len} udp 40000>7 data={}",
        ip(IP_L), ip(IP_E), hex(b"from etherparse"))
    };
    let mut b = Vec::new();
    PacketBuilder::ethernet2(MAC_L, MAC_E)
        .ipv4(IP_L, IP_E, 32)
        .udp(40000, 7)
        .write(&mut b, b"from etherparse")
        .unwrap();
    add("udp", b, udp_line("[]", 23));
    let mut b = Vec::new();
    PacketBuilder::ethernet2(MAC_L, MAC_E)
        .single_vlan(VlanId::try_new(42).unwrap())
        .ipv4(IP_L, IP_E, 32)
        .udp(40000, 7)
        .write(&mut b, b"from etherparse")
        .unwrap();
    add("udp_vlan", b, udp_line("[42]", 23));
    let mut b = Vec::new();
    PacketBuilder::ethernet2(MAC_L, MAC_E)
        .double_vlan(VlanId::try_new(100).unwrap(), VlanId::try_new(200).unwrap())
        .ipv4(IP_L, IP_E, 32)
        .udp(40000, 7)
        .write(&mut b, b"from etherparse")
        .unwrap();
    add("udp_qinq", b, udp_line("[100,200]", 23));

    // IPv4 options (record route, 7 bytes, then end of list): skipped by the stack.
    let mut h = Ipv4Header::new(0, 32, IpNumber::UDP, IP_L, IP_E).unwrap();
    h.options = Ipv4Options::from([7, 7, 4, 0, 0, 0, 0, 0]);
    let mut b = Vec::new();
    PacketBuilder::ethernet2(MAC_L, MAC_E)
        .ip(IpHeaders::Ipv4(h, Default::default()))
        .udp(40000, 7)
        .write(&mut b, b"from etherparse")
        .unwrap();
    add(
        "udp_ip_options",
        b,
        udp_line("[]", 23).replace("hlen=20", "hlen=28"),
    );

    // Bad checksums, each caught at its own layer.
    let mut b = Vec::new();
    PacketBuilder::ethernet2(MAC_L, MAC_E)
        .ipv4(IP_L, IP_E, 32)
        .udp(40000, 7)
        .write(&mut b, b"from etherparse")
        .unwrap();
    let mut bad_ip = b.clone();
    bad_ip[14 + 10] ^= 0x01;
    add(
        "bad_ip_checksum",
        bad_ip,
        "vlans=[] type=0800 error {ipv4,bad_header_checksum}".into(),
    );
    let mut bad_udp = b.clone();
    bad_udp[14 + 20 + 6] ^= 0x80;
    add("bad_udp_checksum", bad_udp, format!(
        "vlans=[] type=0800 ipv4 {}>{} proto=17 ttl=32 id=0 df=true tos=0 hlen=20 len=23 error {{udp,bad_checksum}}",
        ip(IP_L), ip(IP_E)));

    // A 5,000-byte UDP datagram cut into 1,480-byte fragments by hand, sent last first.
    let payload: Vec<u8> = (0..5000u32).map(|i| (i * 31 % 251) as u8).collect();
    let full = Ipv4Header::new((8 + payload.len()) as u16, 64, IpNumber::UDP, IP_L, IP_E).unwrap();
    let udp = UdpHeader::with_ipv4_checksum(1234, 5678, &full, &payload).unwrap();
    let mut dgram = udp.to_bytes().to_vec();
    dgram.extend_from_slice(&payload);
    let mut frags = Vec::new();
    for (i, chunk) in dgram.chunks(1480).enumerate() {
        let mut h = Ipv4Header::new(chunk.len() as u16, 64, IpNumber::UDP, IP_L, IP_E).unwrap();
        h.identification = 0xbeef;
        h.dont_fragment = false;
        h.more_fragments = (i + 1) * 1480 < dgram.len();
        h.fragment_offset = IpFragOffset::try_new((i * 1480 / 8) as u16).unwrap();
        h.header_checksum = h.calc_header_checksum();
        let mut b = Ethernet2Header {
            source: MAC_L,
            destination: MAC_E,
            ether_type: EtherType::IPV4,
        }
        .to_bytes()
        .to_vec();
        b.extend_from_slice(&h.to_bytes());
        b.extend_from_slice(chunk);
        frags.push(b);
    }
    let n = frags.len();
    for (i, f) in frags.into_iter().rev().enumerate() {
        add(&format!("frag_{i}"), f, String::new());
    }
    assert_eq!(n, 4);
    // What the reassembled datagram must read as: the whole payload, and the Internet
    // checksum of the payload alone (parse_foreign prints it for long data), summed here.
    let mut sum: u32 = 0;
    for c in payload.chunks(2) {
        sum += u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let csum = 0xffff - sum;
    v.push(("reassembled".into(), Vec::new(), format!(
        "vlans=[] type=0800 ipv4 {}>{} proto=17 ttl=64 id=48879 df=false tos=0 hlen=20 len={} udp 1234>5678 data=len5000,csum{csum:04x}",
        ip(IP_L), ip(IP_E), 8 + payload.len())));
    v
}

/// Writes foreign_frames.erl holding the frames; returns its path.
fn frames_module(cases: &[Case]) -> PathBuf {
    let mut s = String::from("%% Generated by protocols/tests/foreign_frames.rs: frames built by etherparse.\n-module(foreign_frames).\n-export([frames/0]).\n\nframes() ->\n    [");
    let mut first = true;
    for (name, bytes, _) in cases.iter().filter(|c| !c.1.is_empty()) {
        if !first {
            s.push_str(",\n     ");
        }
        first = false;
        let body: Vec<String> = bytes.iter().map(|b| b.to_string()).collect();
        write!(s, "{{\"{name}\", <<{}>>}}", body.join(",")).unwrap();
    }
    s.push_str("].\n");
    let dir = scratch_dir("foreign");
    let p = dir.join("foreign_frames.erl");
    std::fs::write(&p, s).expect("write foreign_frames.erl");
    p
}

fn outputs() -> &'static (Vec<Case>, String, String) {
    static OUT: OnceLock<(Vec<Case>, String, String)> = OnceLock::new();
    OUT.get_or_init(|| {
        let cases = cases();
        let mut files = sources_with_tests(&["test_util", "parse_foreign"]);
        files.push(frames_module(&cases));
        let otp = run_otp(&files, "parse_foreign", LIMIT);
        let ours = run_vm(&files, "parse_foreign", LIMIT);
        (cases, otp, ours)
    })
}

#[test]
fn otp_and_our_vm_read_etherparse_frames_the_same() {
    let (_, otp, ours) = outputs();
    common::assert_same_output(otp, ours, "parse_foreign");
}

#[test]
fn the_erlang_stack_reads_what_etherparse_wrote() {
    let (cases, otp, ours) = outputs();
    for out in [otp, ours] {
        for (name, _, want) in cases.iter().filter(|c| !c.2.is_empty()) {
            assert_eq!(field(out, name), want, "{name}");
        }
        // Fragments print nothing until the datagram is whole, then one line.
        assert_eq!(
            out.lines().filter(|l| l.starts_with("frag_")).count(),
            0,
            "{out}"
        );
        assert_eq!(
            out.lines().filter(|l| l.starts_with("reassembled")).count(),
            1
        );
    }
}
