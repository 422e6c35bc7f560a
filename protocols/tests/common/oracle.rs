//! etherparse as the independent judge of the bytes the Erlang stack builds: parse a frame,
//! recompute every checksum it carries, and reassemble fragments.

use etherparse::defrag::IpDefragPool;
use etherparse::{
    ArpEthIpv4Packet, Icmpv4Header, Icmpv4Type, Ipv4Header, LinkExtSlice, LinkSlice, NetSlice,
    SlicedPacket, TransportSlice, UdpHeader,
};

/// What etherparse saw in a frame whose checksums all verified.
#[derive(Debug, Default)]
pub struct Seen {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    /// VLAN ids, outermost first.
    pub vlans: Vec<u16>,
    pub arp: Option<ArpEthIpv4Packet>,
    pub ipv4: Option<Ipv4Header>,
    /// Set for a fragment (MF or a non-zero offset): no transport layer was read.
    pub fragment: bool,
    pub icmp: Option<(Icmpv4Type, Vec<u8>)>,
    /// (source port, destination port, payload)
    pub udp: Option<(u16, u16, Vec<u8>)>,
}

/// Parses `frame` and checks the IPv4 header checksum, and the ICMP or UDP checksum of an
/// unfragmented packet. Err names what failed.
pub fn check_frame(frame: &[u8]) -> Result<Seen, String> {
    let p = SlicedPacket::from_ethernet(frame).map_err(|e| format!("etherparse: {e}"))?;
    let mut seen = Seen::default();
    match &p.link {
        Some(LinkSlice::Ethernet2(e)) => {
            seen.src_mac = e.source();
            seen.dst_mac = e.destination();
        }
        other => return Err(format!("not Ethernet II: {other:?}")),
    }
    for ext in &p.link_exts {
        match ext {
            LinkExtSlice::Vlan(v) => seen.vlans.push(v.vlan_identifier().value()),
            other => return Err(format!("unexpected link extension {other:?}")),
        }
    }
    match &p.net {
        Some(NetSlice::Arp(a)) => {
            let arp = a
                .to_packet()
                .try_eth_ipv4()
                .map_err(|e| format!("ARP not Ethernet/IPv4: {e}"))?;
            seen.arp = Some(arp);
        }
        Some(NetSlice::Ipv4(ip)) => {
            let h = ip.header().to_header();
            let want = h.calc_header_checksum();
            if h.header_checksum != want {
                return Err(format!(
                    "IPv4 header checksum {:04x}, etherparse computes {want:04x}",
                    h.header_checksum
                ));
            }
            seen.fragment = ip.is_payload_fragmented();
            if !seen.fragment {
                match &p.transport {
                    Some(TransportSlice::Icmpv4(i)) => {
                        let t = i.icmp_type();
                        let want = Icmpv4Header::with_checksum(t.clone(), i.payload()).checksum;
                        if i.checksum() != want {
                            return Err(format!(
                                "ICMP checksum {:04x}, etherparse computes {want:04x}",
                                i.checksum()
                            ));
                        }
                        seen.icmp = Some((t, i.payload().to_vec()));
                    }
                    Some(TransportSlice::Udp(u)) => {
                        check_udp(&h, &u.to_header(), u.payload())?;
                        seen.udp =
                            Some((u.source_port(), u.destination_port(), u.payload().to_vec()));
                    }
                    other => return Err(format!("unexpected transport {other:?}")),
                }
            }
            seen.ipv4 = Some(h);
        }
        other => return Err(format!("unexpected network layer {other:?}")),
    }
    Ok(seen)
}

fn check_udp(ip: &Ipv4Header, u: &UdpHeader, payload: &[u8]) -> Result<(), String> {
    if u.checksum == 0 {
        return Err("UDP sent without a checksum".into());
    }
    let want = u
        .calc_checksum_ipv4(ip, payload)
        .map_err(|e| format!("UDP checksum: {e}"))?;
    if u.checksum != want {
        return Err(format!(
            "UDP checksum {:04x}, etherparse computes {want:04x}",
            u.checksum
        ));
    }
    Ok(())
}

/// Reassembles the IPv4 fragments among `frames` with etherparse's defragmenter and checks the
/// UDP checksum of each whole datagram. Returns the datagrams' (src port, dst port, payload).
pub fn reassemble_udp(frames: &[Vec<u8>]) -> Result<Vec<(u16, u16, Vec<u8>)>, String> {
    let mut pool: IpDefragPool = IpDefragPool::new();
    let mut out = Vec::new();
    for f in frames {
        let p = SlicedPacket::from_ethernet(f).map_err(|e| format!("etherparse: {e}"))?;
        let Some(NetSlice::Ipv4(ip)) = &p.net else {
            continue;
        };
        let h = ip.header().to_header();
        if let Some(whole) = pool
            .process_sliced_packet(&p, (), ())
            .map_err(|e| format!("defrag: {e}"))?
        {
            let (udp, payload) =
                UdpHeader::from_slice(&whole.payload).map_err(|e| format!("UDP header: {e}"))?;
            let data = &payload[..(udp.length as usize).saturating_sub(8).min(payload.len())];
            check_udp(&h, &udp, data)?;
            out.push((udp.source_port, udp.destination_port, data.to_vec()));
        }
    }
    Ok(out)
}
