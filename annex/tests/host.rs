//! `PduHost` without the VM: owners open filters, send gathered frames, and receive frames
//! from a smoltcp host on the simulated wire (an independent stack answers our ARP, ping and
//! UDP) and from a real capture replayed through the pcap NIC (tcpdump is the oracle).

use annex::config::NetConfig;
use annex::host::{Delivery, PduError, PduHost};
use annex::peer::SmolPeer;
use kernel_shim::nic::pcap::PcapReplay;
use kernel_shim::nic::sim::{Clock, SimWire, WireConfig};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, EthernetAddress, EthernetFrame, EthernetProtocol,
    EthernetRepr, Icmpv4Packet, Icmpv4Repr, IpAddress, IpProtocol, Ipv4Packet, Ipv4Repr, UdpPacket,
    UdpRepr,
};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const OUR_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const PEER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const OUR_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);

fn host_with_peer(wire: WireConfig) -> PduHost<u32> {
    let (ours, theirs) = SimWire::pair(wire, Clock::real());
    let cfg = NetConfig {
        mac: OUR_MAC,
        ip: Some(OUR_IP),
        prefix_len: 24,
        ..NetConfig::default()
    };
    let mut host = PduHost::new(Some(Box::new(ours)), cfg).unwrap();
    host.add_peer(Box::new(SmolPeer::new(theirs, PEER_MAC, PEER_IP, 24, 7)));
    host
}

fn eth(dst: [u8; 6], proto: EthernetProtocol) -> Vec<u8> {
    let repr = EthernetRepr {
        src_addr: EthernetAddress(OUR_MAC),
        dst_addr: EthernetAddress(dst),
        ethertype: proto,
    };
    let mut b = vec![0u8; 14];
    repr.emit(&mut EthernetFrame::new_unchecked(&mut b[..]));
    b
}

fn arp_request() -> Vec<u8> {
    let repr = ArpRepr::EthernetIpv4 {
        operation: ArpOperation::Request,
        source_hardware_addr: EthernetAddress(OUR_MAC),
        source_protocol_addr: OUR_IP,
        target_hardware_addr: EthernetAddress([0; 6]),
        target_protocol_addr: PEER_IP,
    };
    let mut b = vec![0u8; repr.buffer_len()];
    repr.emit(&mut ArpPacket::new_unchecked(&mut b[..]));
    b
}

fn ip_header(proto: IpProtocol, payload_len: usize) -> Vec<u8> {
    let repr = Ipv4Repr {
        src_addr: OUR_IP,
        dst_addr: PEER_IP,
        next_header: proto,
        payload_len,
        hop_limit: 64,
    };
    let mut b = vec![0u8; repr.buffer_len() + payload_len];
    repr.emit(
        &mut Ipv4Packet::new_unchecked(&mut b[..]),
        &ChecksumCapabilities::default(),
    );
    b.truncate(repr.buffer_len());
    b
}

fn echo_request(seq: u16, data: &[u8]) -> Vec<u8> {
    let repr = Icmpv4Repr::EchoRequest {
        ident: 0x1234,
        seq_no: seq,
        data,
    };
    let mut b = vec![0u8; repr.buffer_len()];
    repr.emit(
        &mut Icmpv4Packet::new_unchecked(&mut b[..]),
        &ChecksumCapabilities::default(),
    );
    b
}

fn udp_datagram(src_port: u16, dst_port: u16, data: &[u8]) -> Vec<u8> {
    let repr = UdpRepr { src_port, dst_port };
    let mut b = vec![0u8; repr.header_len() + data.len()];
    repr.emit(
        &mut UdpPacket::new_unchecked(&mut b[..]),
        &IpAddress::Ipv4(OUR_IP),
        &IpAddress::Ipv4(PEER_IP),
        data.len(),
        |p| p.copy_from_slice(data),
        &ChecksumCapabilities::default(),
    );
    b
}

/// Polls until `want` deliveries arrived or `limit` passed.
fn collect(host: &mut PduHost<u32>, want: usize, limit: Duration) -> Vec<Delivery<u32>> {
    let end = Instant::now() + limit;
    let mut out = Vec::new();
    while out.len() < want && Instant::now() < end {
        host.poll(Some(Duration::from_millis(50)), &mut out)
            .unwrap();
    }
    out
}

fn arp_resolve(host: &mut PduHost<u32>, h: u64) -> Vec<Delivery<u32>> {
    let (e, a) = (eth([0xff; 6], EthernetProtocol::Arp), arp_request());
    host.send(h, &[&e, &a]).unwrap();
    collect(host, 1, Duration::from_millis(500))
}

#[test]
fn smoltcp_answers_an_arp_request_gathered_from_two_pieces() {
    let mut host = host_with_peer(WireConfig::default());
    let h = host.open(1, "arp").unwrap();
    let got = arp_resolve(&mut host, h);
    assert_eq!(got.len(), 1, "one ARP reply expected");
    let d = &got[0];
    assert_eq!((d.owner, d.handle), (1, h));
    let f = EthernetFrame::new_checked(d.frame.data()).unwrap();
    assert_eq!(f.dst_addr(), EthernetAddress(OUR_MAC));
    let arp = ArpRepr::parse(&ArpPacket::new_checked(f.payload()).unwrap()).unwrap();
    let ArpRepr::EthernetIpv4 {
        operation,
        source_hardware_addr,
        source_protocol_addr,
        target_protocol_addr,
        ..
    } = arp
    else {
        panic!("not an Ethernet/IPv4 ARP packet: {arp:?}")
    };
    assert_eq!(operation, ArpOperation::Reply);
    assert_eq!(source_hardware_addr, EthernetAddress(PEER_MAC));
    assert_eq!(
        (source_protocol_addr, target_protocol_addr),
        (PEER_IP, OUR_IP)
    );
    let s = host.stats();
    assert_eq!(s.tx_frames, 1);
    assert_eq!(
        s.tx_copied_bytes, 42,
        "14-byte header + 28-byte ARP body gathered once"
    );
    assert_eq!(s.rx_frames, 1);
    assert_eq!(s.rx_bytes, d.frame.len() as u64);
    assert_eq!(s.rx_copied_bytes, 0);
}

#[test]
fn ping_and_udp_reach_their_own_owners() {
    let mut host = host_with_peer(WireConfig::default());
    let arp = host.open(1, "arp").unwrap();
    let icmp = host.open(2, "icmp").unwrap();
    let udp = host.open(3, "udp and dst port 4000").unwrap();
    arp_resolve(&mut host, arp);

    let payload: Vec<u8> = (0..56u8).collect();
    let body = echo_request(7, &payload);
    let (e, ip) = (
        eth(PEER_MAC, EthernetProtocol::Ipv4),
        ip_header(IpProtocol::Icmp, body.len()),
    );
    host.send(icmp, &[&e, &ip, &body]).unwrap();
    let data = b"hello through smoltcp".to_vec();
    let dgram = udp_datagram(4000, 7, &data);
    let ip = ip_header(IpProtocol::Udp, dgram.len());
    host.send(udp, &[&e, &ip, &dgram]).unwrap();

    let got = collect(&mut host, 2, Duration::from_secs(3));
    assert_eq!(got.len(), 2, "an echo reply and a UDP echo expected");
    let caps = ChecksumCapabilities::default();
    for d in &got {
        let f = EthernetFrame::new_checked(d.frame.data()).unwrap();
        let p = Ipv4Packet::new_checked(f.payload()).unwrap();
        let ipr = Ipv4Repr::parse(&p, &caps).unwrap();
        assert_eq!((ipr.src_addr, ipr.dst_addr), (PEER_IP, OUR_IP));
        match d.owner {
            2 => {
                assert_eq!(d.handle, icmp);
                let r = Icmpv4Repr::parse(&Icmpv4Packet::new_checked(p.payload()).unwrap(), &caps)
                    .unwrap();
                assert_eq!(
                    r,
                    Icmpv4Repr::EchoReply {
                        ident: 0x1234,
                        seq_no: 7,
                        data: &payload
                    }
                );
            }
            3 => {
                assert_eq!(d.handle, udp);
                let u = UdpPacket::new_checked(p.payload()).unwrap();
                assert_eq!((u.src_port(), u.dst_port()), (7, 4000));
                assert!(u.verify_checksum(&IpAddress::Ipv4(PEER_IP), &IpAddress::Ipv4(OUR_IP)));
                assert_eq!(u.payload(), &data[..]);
            }
            o => panic!("frame for owner {o}, who opened nothing matching"),
        }
    }
    assert_eq!(host.stats().rx_copied_bytes, 0);
}

#[test]
fn pings_survive_loss_and_reordering_by_retrying() {
    let wire = WireConfig {
        seed: 42,
        loss: 0.2,
        reorder: 0.2,
        ..WireConfig::default()
    };
    let mut host = host_with_peer(wire);
    let icmp = host.open(2, "icmp[icmptype] = icmp-echoreply").unwrap();
    // smoltcp learns our MAC from our ARP request; without it, it would drop its replies
    // while it resolves us. The request is retried until answered, too.
    let arp = host.open(1, "arp").unwrap();
    let resolved = (0..20).any(|_| !arp_resolve(&mut host, arp).is_empty());
    assert!(resolved, "no ARP reply in 20 tries");
    let e = eth(PEER_MAC, EthernetProtocol::Ipv4);
    let mut answered = std::collections::BTreeSet::new();
    let end = Instant::now() + Duration::from_secs(20);
    let mut sent = 0;
    for seq in 0..20u16 {
        // Each ping is sent until answered (at most 20 tries): the wire loses a fifth of the
        // frames each way and holds another fifth back behind the next.
        for _try in 0..20 {
            if answered.contains(&seq) || Instant::now() > end {
                break;
            }
            let body = echo_request(seq, &[seq as u8; 32]);
            let ip = ip_header(IpProtocol::Icmp, body.len());
            host.send(icmp, &[&e, &ip, &body]).unwrap();
            sent += 1;
            for d in collect(&mut host, 1, Duration::from_millis(100)) {
                let f = EthernetFrame::new_checked(d.frame.data()).unwrap();
                let p = Ipv4Packet::new_checked(f.payload()).unwrap();
                let caps = ChecksumCapabilities::default();
                if let Ok(Icmpv4Repr::EchoReply { seq_no, data, .. }) =
                    Icmpv4Repr::parse(&Icmpv4Packet::new_checked(p.payload()).unwrap(), &caps)
                {
                    assert_eq!(data, &[seq_no as u8; 32][..]);
                    answered.insert(seq_no);
                }
            }
        }
    }
    assert_eq!(answered.len(), 20, "every ping answered after retries");
    assert!(
        sent > 20,
        "a lossy wire should have forced retries ({sent} sent)"
    );
}

#[test]
fn owners_cannot_claim_each_others_traffic_but_may_nest_their_own() {
    let mut host = host_with_peer(WireConfig::default());
    let arp = host.open(1, "arp").unwrap();
    let err = host.open(4, "arp or icmp").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, PduError::Refused(_)), "{err:?}");
    assert!(msg.contains("\"arp\"") && msg.contains("(1)"), "{msg}");
    assert_eq!(host.stats().refused, 1);
    // Nested inside one's own filter: allowed, and it wins for the frames it matches.
    let replies = host.open(1, "arp and arp[6:2] = 2").unwrap();
    let got = arp_resolve(&mut host, arp);
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].handle, replies,
        "the nested filter takes ARP replies"
    );
    // Only the owner may close; once it exits, its traffic is free to claim.
    assert_eq!(host.close(4, arp), Err(PduError::NotOwner(arp)));
    host.owner_exited(1);
    assert!(!host.is_open(arp) && !host.is_open(replies));
    let again = host.open(4, "arp or icmp").unwrap();
    assert_eq!(host.stats().owners, 1);
    host.close(4, again).unwrap();
    assert_eq!(host.close(4, again), Err(PduError::NoSuchHandle(again)));
    assert_eq!(host.stats().handles, 0);
}

#[test]
fn bad_filters_and_sends_are_errors_naming_the_place() {
    let mut host = host_with_peer(WireConfig::default());
    let e = host.open(1, "ip and (").unwrap_err();
    assert!(
        matches!(&e, PduError::Filter { filter, .. } if filter == "ip and ("),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("filter \"ip and (\": "), "{e}");
    let h = host.open(1, "arp").unwrap();
    let big = vec![0u8; 1519];
    assert_eq!(
        host.send(h, &[&big]),
        Err(PduError::TooBig {
            len: 1519,
            max: 1518
        })
    );
    assert_eq!(
        host.send(999, &[&[0u8; 60]]),
        Err(PduError::NoSuchHandle(999))
    );
    let mut bare: PduHost<u32> = PduHost::new(None, NetConfig::default()).unwrap();
    let h = bare.open(1, "arp").unwrap();
    assert_eq!(bare.send(h, &[&[0u8; 60]]), Err(PduError::NoNic));
}

#[test]
fn closed_handles_stop_receiving() {
    let mut host = host_with_peer(WireConfig::default());
    let arp = host.open(1, "arp").unwrap();
    let spare = host.open(1, "icmp").unwrap();
    host.close(1, arp).unwrap();
    let got = arp_resolve(&mut host, spare);
    assert!(got.is_empty(), "no one holds ARP any more: {got:?}");
    assert_eq!(host.stats().unclaimed, 1);
}

/// Runs tcpdump as the oracle: how many packets of `file` match `expr`.
fn tcpdump_count(file: &PathBuf, expr: &str) -> usize {
    let out = std::process::Command::new("tcpdump")
        .args(["-nn", "-q", "-r"])
        .arg(file)
        .arg(expr)
        .output()
        .expect("tcpdump is installed (the oracle of this test)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).lines().count()
}

#[test]
fn a_real_capture_is_split_between_owners_as_tcpdump_splits_it() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/pcaps/tcpdump-tests/eapon1.pcap");
    let mut host: PduHost<u32> = PduHost::new(
        Some(Box::new(PcapReplay::open(&file, false).unwrap())),
        NetConfig::default(),
    )
    .unwrap();
    let exprs = ["udp and port 67", "udp and not port 67", "arp"];
    let handles: Vec<u64> = exprs
        .iter()
        .enumerate()
        .map(|(i, e)| host.open(i as u32, e).unwrap())
        .collect();
    let mut counts = [0usize; 3];
    let mut bytes = 0;
    for _ in 0..10_000 {
        let mut out = Vec::new();
        host.poll(Some(Duration::ZERO), &mut out).unwrap();
        for d in &out {
            let i = handles.iter().position(|&h| h == d.handle).unwrap();
            assert_eq!(d.owner, i as u32);
            counts[i] += 1;
            bytes += d.frame.len() as u64;
        }
        if out.is_empty() && host.shim().stats().delivered as usize == counts.iter().sum::<usize>()
        {
            let mut more = Vec::new();
            host.poll(Some(Duration::from_millis(1)), &mut more)
                .unwrap();
            if more.is_empty() {
                break;
            }
            for d in &more {
                let i = handles.iter().position(|&h| h == d.handle).unwrap();
                counts[i] += 1;
                bytes += d.frame.len() as u64;
            }
        }
    }
    for (i, e) in exprs.iter().enumerate() {
        assert_eq!(counts[i], tcpdump_count(&file, e), "{e}");
    }
    assert!(
        counts.iter().all(|&c| c > 0),
        "the capture has every kind: {counts:?}"
    );
    let s = host.stats();
    assert_eq!(
        s.unclaimed as usize,
        tcpdump_count(&file, "not udp and not arp")
    );
    assert_eq!(s.rx_frames as usize, counts.iter().sum::<usize>());
    assert_eq!(s.rx_bytes, bytes);
    assert_eq!(s.rx_copied_bytes, 0);
}
