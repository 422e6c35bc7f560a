//! Scripted exchanges with a live stack, exact to the byte: etherparse builds each frame sent
//! to the stack and each frame expected back (`erl/test/scripted_test.erl` plays the far end
//! of a fake_link), on OTP and on our VM. ARP, echo, ICMP port unreachable, UDP echo, and the
//! frames a host must ignore.

mod common;

use common::{field, hex, run_otp, run_vm, scratch_dir, sources_with_tests};
use etherparse::icmpv4::DestUnreachableHeader;
use etherparse::{
    ArpEthIpv4Packet, ArpOperation, EtherType, Ethernet2Header, IcmpEchoHeader, Icmpv4Header,
    Icmpv4Type, IpNumber, Ipv4Header, PacketBuilder, UdpHeader,
};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 0x0b];
const BCAST: [u8; 6] = [0xff; 6];
const IP_A: [u8; 4] = [192, 0, 2, 10];
const IP_B: [u8; 4] = [192, 0, 2, 11];
const LIMIT: Duration = Duration::from_secs(180);

/// (name, frame sent to the stack, frames expected back).
type Step = (&'static str, Vec<u8>, Vec<Vec<u8>>);

fn eth(src: [u8; 6], dst: [u8; 6], ty: EtherType) -> Vec<u8> {
    Ethernet2Header {
        source: src,
        destination: dst,
        ether_type: ty,
    }
    .to_bytes()
    .to_vec()
}

/// The stack pads frames to Ethernet's 60-byte minimum (FCS excluded), as Linux does on
/// the wire; etherparse does not, so expected short frames are padded here.
fn padded(mut f: Vec<u8>) -> Vec<u8> {
    if f.len() < 60 {
        f.resize(60, 0);
    }
    f
}

fn arp(
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    op: ArpOperation,
    sha: [u8; 6],
    spa: [u8; 4],
    tha: [u8; 6],
    tpa: [u8; 4],
) -> Vec<u8> {
    let mut f = eth(src_mac, dst_mac, EtherType::ARP);
    let p = ArpEthIpv4Packet {
        operation: op,
        sender_mac: sha,
        sender_ipv4: spa,
        target_mac: tha,
        target_ipv4: tpa,
    };
    f.extend_from_slice(&p.to_bytes());
    f
}

/// An IPv4 packet in an Ethernet frame, as the stack sends them: TTL 64, DF clear.
fn ip_frame(
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    src: [u8; 4],
    dst: [u8; 4],
    id: u16,
    proto: IpNumber,
    payload: &[u8],
) -> Vec<u8> {
    let mut h = Ipv4Header::new(payload.len() as u16, 64, proto, src, dst).unwrap();
    h.identification = id;
    h.dont_fragment = false;
    h.header_checksum = h.calc_header_checksum();
    let mut f = eth(src_mac, dst_mac, EtherType::IPV4);
    f.extend_from_slice(&h.to_bytes());
    f.extend_from_slice(payload);
    f
}

fn icmp(t: Icmpv4Type, data: &[u8]) -> Vec<u8> {
    let mut v = Icmpv4Header::with_checksum(t, data).to_bytes().to_vec();
    v.extend_from_slice(data);
    v
}

fn echo_request(dst_mac: [u8; 6], dst_ip: [u8; 4], seq: u16, data: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    PacketBuilder::ethernet2(MAC_A, dst_mac)
        .ipv4(IP_A, dst_ip, 64)
        .icmpv4_echo_request(0x1234, seq)
        .write(&mut f, data)
        .unwrap();
    f
}

fn echo_reply(id: u16, seq: u16, data: &[u8]) -> Vec<u8> {
    let t = Icmpv4Type::EchoReply(IcmpEchoHeader { id: 0x1234, seq });
    ip_frame(MAC_B, MAC_A, IP_B, IP_A, id, IpNumber::ICMP, &icmp(t, data))
}

fn udp_to_b(port: u16, data: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4(IP_A, IP_B, 64)
        .udp(5000, port)
        .write(&mut f, data)
        .unwrap();
    f
}

fn script() -> Vec<Step> {
    let data: Vec<u8> = (0..32).collect();
    let mut bad_ip = echo_request(MAC_B, IP_B, 3, &data);
    bad_ip[14 + 10] ^= 0x40;
    let closed = udp_to_b(9, b"x");
    // Port unreachable quotes the offending IP header and the first 8 bytes after it.
    let quote = &closed[14..14 + 20 + 8];
    let unreachable = icmp(
        Icmpv4Type::DestinationUnreachable(DestUnreachableHeader::Port),
        quote,
    );
    let ip = Ipv4Header::new(13, 64, IpNumber::UDP, IP_B, IP_A).unwrap();
    let udp = UdpHeader::with_ipv4_checksum(7, 5000, &ip, b"hello").unwrap();
    let mut echoed = udp.to_bytes().to_vec();
    echoed.extend_from_slice(b"hello");
    vec![
        // RFC 826: a request for our address is answered, and the sender learned (so the
        // echo reply below needs no ARP of its own).
        (
            "arp_request_for_us",
            arp(
                MAC_A,
                BCAST,
                ArpOperation::REQUEST,
                MAC_A,
                IP_A,
                [0; 6],
                IP_B,
            ),
            vec![padded(arp(
                MAC_B,
                MAC_A,
                ArpOperation::REPLY,
                MAC_B,
                IP_B,
                MAC_A,
                IP_A,
            ))],
        ),
        (
            "arp_request_for_another",
            arp(
                MAC_A,
                BCAST,
                ArpOperation::REQUEST,
                MAC_A,
                IP_A,
                [0; 6],
                [192, 0, 2, 99],
            ),
            vec![],
        ),
        // The stack numbers its IP packets 1, 2, 3...
        (
            "echo_request",
            echo_request(MAC_B, IP_B, 1, &data),
            vec![echo_reply(1, 1, &data)],
        ),
        // RFC 1122 3.2.2.6 lets a host ignore broadcast pings; Linux does by default.
        (
            "echo_to_broadcast",
            echo_request(BCAST, [192, 0, 2, 255], 2, &data),
            vec![],
        ),
        (
            "udp_closed_port",
            closed.clone(),
            vec![ip_frame(
                MAC_B,
                MAC_A,
                IP_B,
                IP_A,
                2,
                IpNumber::ICMP,
                &unreachable,
            )],
        ),
        (
            "udp_echo",
            udp_to_b(7, b"hello"),
            vec![padded(ip_frame(
                MAC_B,
                MAC_A,
                IP_B,
                IP_A,
                3,
                IpNumber::UDP,
                &echoed,
            ))],
        ),
        (
            "not_our_mac",
            echo_request([2, 0, 0, 0, 0, 0xff], IP_B, 3, &data),
            vec![],
        ),
        (
            "not_our_ip",
            echo_request(MAC_B, [192, 0, 2, 12], 3, &data),
            vec![],
        ),
        ("bad_ip_checksum", bad_ip, vec![]),
        (
            "echo_request_again",
            echo_request(MAC_B, IP_B, 4, &data),
            vec![echo_reply(4, 4, &data)],
        ),
    ]
}

fn script_module(steps: &[Step]) -> PathBuf {
    let mut s = String::from("%% Generated by protocols/tests/scripted.rs.\n-module(script_frames).\n-export([frames/0]).\n\nframes() ->\n    [");
    for (i, (name, frame, want)) in steps.iter().enumerate() {
        if i > 0 {
            s.push_str(",\n     ");
        }
        let bytes: Vec<String> = frame.iter().map(|b| b.to_string()).collect();
        write!(s, "{{\"{name}\", <<{}>>, {}}}", bytes.join(","), want.len()).unwrap();
    }
    s.push_str("].\n");
    let p = scratch_dir("script").join("script_frames.erl");
    std::fs::write(&p, s).expect("write script_frames.erl");
    p
}

fn outputs() -> &'static (Vec<Step>, String, String) {
    static OUT: OnceLock<(Vec<Step>, String, String)> = OnceLock::new();
    OUT.get_or_init(|| {
        let steps = script();
        let mut files = sources_with_tests(&["test_util", "scripted_test"]);
        files.push(script_module(&steps));
        let otp = run_otp(&files, "scripted_test", LIMIT);
        let ours = run_vm(&files, "scripted_test", LIMIT);
        (steps, otp, ours)
    })
}

#[test]
fn otp_and_our_vm_answer_byte_for_byte_the_same() {
    let (_, otp, ours) = outputs();
    common::assert_same_output(otp, ours, "scripted_test");
}

#[test]
fn every_answer_is_the_frame_etherparse_built() {
    let (steps, otp, ours) = outputs();
    for out in [otp, ours] {
        for (name, _, want) in steps {
            let want: Vec<String> = want.iter().map(|f| hex(f)).collect();
            assert_eq!(field(out, name), want.join(","), "{name}");
        }
    }
}
