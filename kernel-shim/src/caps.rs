//! Capabilities: the traffic an environment may claim, as grants the shim turns into filters.
//!
//! A grant is a plain conjunction (protocol, local address or prefix, local port range), so the
//! containment query can check "this filter claims nothing outside the grant" exactly.

use dpf::ir::{Base, Load, Pred, Rel};
use std::fmt;
use std::net::Ipv4Addr;

/// Offsets on Ethernet, named once (IPv4 without VLAN tags, as the grants are written).
mod field {
    pub const ETHERTYPE: u32 = 12;
    pub const IP_PROTO: u32 = 23;
    pub const IP_DST: u32 = 30;
    pub const IP_HDR: u32 = 14;
    /// Destination port, measured from the IPv4 header's start plus its length.
    pub const L4_DST_PORT: u32 = 14 + 2;
    pub const ARP_TPA: u32 = 38;
    /// The sender's side, for checking what an environment transmits.
    pub const IP_SRC: u32 = 26;
    pub const L4_SRC_PORT: u32 = 14;
    pub const IP_FRAG: u32 = 20;
    pub const IP_FRAG_OFFSET_MASK: u32 = 0x1fff;
    pub const ARP_SPA: u32 = 28;
}

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_ARP: u16 = 0x0806;

/// Which protocol a grant covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// Every frame (no protocol constraint): for a trusted consumer such as a capture tool.
    Any,
    /// An Ethernet type other than IPv4 (ARP: the local address is the target address).
    Ether(u16),
    /// An IPv4 protocol number (6 TCP, 17 UDP, 1 ICMP...).
    Ip(u8),
}

/// One piece of traffic an environment may claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub proto: Proto,
    /// Local (destination) IPv4 address and prefix length.
    pub local: Option<(Ipv4Addr, u8)>,
    /// Local (destination) TCP/UDP port range, inclusive.
    pub ports: Option<(u16, u16)>,
}

impl Grant {
    pub fn any() -> Grant {
        Grant {
            proto: Proto::Any,
            local: None,
            ports: None,
        }
    }
    pub fn ip(proto: u8, local: Ipv4Addr) -> Grant {
        Grant {
            proto: Proto::Ip(proto),
            local: Some((local, 32)),
            ports: None,
        }
    }
    pub fn ports(proto: u8, local: Ipv4Addr, lo: u16, hi: u16) -> Grant {
        Grant {
            proto: Proto::Ip(proto),
            local: Some((local, 32)),
            ports: Some((lo, hi)),
        }
    }
    pub fn arp(local: Ipv4Addr) -> Grant {
        Grant {
            proto: Proto::Ether(ETHERTYPE_ARP),
            local: Some((local, 32)),
            ports: None,
        }
    }

    /// The filter accepting exactly the traffic of this grant.
    pub fn to_pred(&self) -> Pred {
        let abs = |off, size, mask, rel, k| Pred::atom(off, size, mask, rel, k);
        let mut atoms = Vec::new();
        let addr_at = match self.proto {
            Proto::Any => None,
            Proto::Ether(t) => {
                atoms.push(abs(field::ETHERTYPE, 2, u32::MAX, Rel::Eq, t as u32));
                (t == ETHERTYPE_ARP).then_some(field::ARP_TPA)
            }
            Proto::Ip(p) => {
                atoms.push(abs(
                    field::ETHERTYPE,
                    2,
                    u32::MAX,
                    Rel::Eq,
                    ETHERTYPE_IPV4 as u32,
                ));
                atoms.push(abs(field::IP_PROTO, 1, u32::MAX, Rel::Eq, p as u32));
                Some(field::IP_DST)
            }
        };
        if let (Some((addr, len)), Some(at)) = (self.local, addr_at) {
            let mask = prefix_mask(len);
            let k = u32::from(addr) & mask;
            atoms.push(abs(at, 4, mask, Rel::Eq, k));
        }
        if let (Some((lo, hi)), Proto::Ip(_)) = (self.ports, self.proto) {
            let port = |rel, k| {
                Pred::Atom(dpf::ir::Atom {
                    load: Load {
                        base: Base::IpHdrLen { at: field::IP_HDR },
                        off: field::L4_DST_PORT,
                        size: 2,
                    },
                    mask: u32::MAX,
                    rel,
                    k,
                })
            };
            if lo == hi {
                // One port is an equality: the merged graph keys its switch tables on those.
                atoms.push(port(Rel::Eq, lo as u32));
            } else {
                atoms.push(port(Rel::Ge, lo as u32));
                atoms.push(port(Rel::Le, hi as u32));
            }
        }
        atoms.into_iter().reduce(Pred::and).unwrap_or(Pred::True)
    }
}

impl Grant {
    /// The frames an environment holding this grant may *send*: the mirror of [`Grant::to_pred`]
    /// with source for destination (IPv4 source address, TCP/UDP source port; for ARP the
    /// sender protocol address). With a port range, only frames that carry the ports (IPv4
    /// first fragments or unfragmented) pass: a later fragment names no port, so it cannot be
    /// shown to come from the granted ones.
    pub fn to_send_pred(&self) -> Pred {
        let abs = |off, size, mask, rel, k| Pred::atom(off, size, mask, rel, k);
        let mut atoms = Vec::new();
        let addr_at = match self.proto {
            Proto::Any => None,
            Proto::Ether(t) => {
                atoms.push(abs(field::ETHERTYPE, 2, u32::MAX, Rel::Eq, t as u32));
                (t == ETHERTYPE_ARP).then_some(field::ARP_SPA)
            }
            Proto::Ip(p) => {
                atoms.push(abs(
                    field::ETHERTYPE,
                    2,
                    u32::MAX,
                    Rel::Eq,
                    ETHERTYPE_IPV4 as u32,
                ));
                atoms.push(abs(field::IP_PROTO, 1, u32::MAX, Rel::Eq, p as u32));
                Some(field::IP_SRC)
            }
        };
        if let (Some((addr, len)), Some(at)) = (self.local, addr_at) {
            let mask = prefix_mask(len);
            atoms.push(abs(at, 4, mask, Rel::Eq, u32::from(addr) & mask));
        }
        if let (Some((lo, hi)), Proto::Ip(_)) = (self.ports, self.proto) {
            atoms.push(abs(
                field::IP_FRAG,
                2,
                field::IP_FRAG_OFFSET_MASK,
                Rel::Eq,
                0,
            ));
            let port = |rel, k| {
                Pred::Atom(dpf::ir::Atom {
                    load: Load {
                        base: Base::IpHdrLen { at: field::IP_HDR },
                        off: field::L4_SRC_PORT,
                        size: 2,
                    },
                    mask: u32::MAX,
                    rel,
                    k,
                })
            };
            atoms.push(port(Rel::Ge, lo as u32));
            atoms.push(port(Rel::Le, hi as u32));
        }
        atoms.into_iter().reduce(Pred::and).unwrap_or(Pred::True)
    }
}

/// What an environment with these grants may send: one filter per grant, evaluated with BPF
/// semantics (a frame too short for a field is refused).
#[derive(Clone, Debug, Default)]
pub struct SendCheck {
    preds: Vec<Pred>,
}

impl SendCheck {
    pub fn new(grants: &[Grant]) -> SendCheck {
        SendCheck {
            preds: grants.iter().map(Grant::to_send_pred).collect(),
        }
    }

    /// May this frame leave on behalf of the grants' holder?
    pub fn allows(&self, frame: &dpf::ir::Packet) -> bool {
        self.preds.iter().any(|p| p.matches(frame))
    }
}

/// Host-order mask of a prefix length (`/0` is no constraint).
fn prefix_mask(len: u8) -> u32 {
    match len {
        0 => 0,
        l if l >= 32 => u32::MAX,
        l => !(u32::MAX >> l),
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.proto {
            Proto::Any => write!(f, "any")?,
            Proto::Ether(t) => write!(f, "ether type {t:#06x}")?,
            Proto::Ip(p) => write!(f, "ip proto {p}")?,
        }
        if let Some((a, l)) = self.local {
            write!(f, " to {a}/{l}")?;
        }
        if let Some((lo, hi)) = self.ports {
            write!(f, " ports {lo}-{hi}")?;
        }
        Ok(())
    }
}

/// Does some grant cover every packet `filter` accepts? Each top-level `or` branch may fall in a
/// different grant (a packet a disjunction accepts is accepted by one of its branches).
pub fn within(grants: &[Grant], filter: &Pred) -> bool {
    let mut branches = Vec::new();
    split_or(filter, &mut branches);
    let outers: Vec<Pred> = grants.iter().map(Grant::to_pred).collect();
    branches
        .iter()
        .all(|b| outers.iter().any(|o| crate::bridge::contains(o, b)))
}

fn split_or<'a>(p: &'a Pred, out: &mut Vec<&'a Pred>) {
    // A work list, not recursion: an `or` chain may be as long as the filter.
    let mut todo = vec![p];
    while let Some(p) = todo.pop() {
        match p {
            Pred::Or(a, b) => {
                todo.push(b);
                todo.push(a);
            }
            _ => out.push(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dpf::ir::Packet;

    /// An Ethernet/IPv4/UDP frame to `dst:port`.
    pub(crate) fn udp_to(dst: [u8; 4], port: u16) -> Vec<u8> {
        let mut f = vec![0u8; 42];
        f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
        f[14] = 0x45;
        f[23] = 17;
        f[30..34].copy_from_slice(&dst);
        f[36..38].copy_from_slice(&port.to_be_bytes());
        f
    }

    #[test]
    fn grant_pred_accepts_its_traffic_only() {
        let g = Grant::ports(17, Ipv4Addr::new(192, 0, 2, 1), 5000, 5999);
        let p = g.to_pred();
        let m = |d, port| p.matches(&Packet::new(&udp_to(d, port), 42));
        assert!(m([192, 0, 2, 1], 5000));
        assert!(m([192, 0, 2, 1], 5999));
        assert!(!m([192, 0, 2, 1], 6000));
        assert!(!m([192, 0, 2, 2], 5500));
    }

    #[test]
    fn prefix_grant_covers_its_subnet() {
        let g = Grant {
            proto: Proto::Ip(1),
            local: Some((Ipv4Addr::new(198, 51, 100, 0), 24)),
            ports: None,
        };
        let host = Grant::ip(1, Ipv4Addr::new(198, 51, 100, 9)).to_pred();
        assert!(within(std::slice::from_ref(&g), &host));
        let other = Grant::ip(1, Ipv4Addr::new(198, 51, 101, 9)).to_pred();
        assert!(!within(&[g], &other));
    }

    /// A UDP frame from `src:sport`, with IPv4 fragment offset `frag` (8-byte units).
    fn udp_from(src: [u8; 4], sport: u16, frag: u16) -> Vec<u8> {
        let mut f = udp_to([198, 51, 100, 7], 9);
        f[20..22].copy_from_slice(&frag.to_be_bytes());
        f[26..30].copy_from_slice(&src);
        f[34..36].copy_from_slice(&sport.to_be_bytes());
        f
    }

    #[test]
    fn send_check_allows_granted_source_only() {
        let me = [192, 0, 2, 1];
        let c = SendCheck::new(&[
            Grant::ports(17, Ipv4Addr::from(me), 5000, 5999),
            Grant::arp(Ipv4Addr::from(me)),
        ]);
        let ok = |f: Vec<u8>| c.allows(&Packet::new(&f, f.len() as u32));
        assert!(ok(udp_from(me, 5000, 0)));
        assert!(ok(udp_from(me, 5999, 0)));
        assert!(!ok(udp_from(me, 6000, 0)), "source port outside the range");
        assert!(!ok(udp_from([192, 0, 2, 2], 5000, 0)), "spoofed address");
        assert!(!ok(udp_from(me, 5000, 185)), "later fragment names no port");
        let mut tcp = udp_from(me, 5000, 0);
        tcp[23] = 6;
        assert!(!ok(tcp), "protocol not granted");
        let mut arp = vec![0u8; 42];
        arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
        arp[28..32].copy_from_slice(&me);
        assert!(ok(arp.clone()));
        arp[28..32].copy_from_slice(&[192, 0, 2, 9]);
        assert!(!ok(arp), "ARP claiming another address");
        assert!(!ok(udp_from(me, 5000, 0)[..30].to_vec()), "truncated frame");
        assert!(!SendCheck::new(&[]).allows(&Packet::new(&[0u8; 60], 60)));
        assert!(SendCheck::new(&[Grant::any()]).allows(&Packet::new(&[0u8; 60], 60)));
    }

    #[test]
    fn or_of_two_grants_is_within_both() {
        let a = Grant::ports(6, Ipv4Addr::new(192, 0, 2, 1), 80, 80);
        let b = Grant::ports(6, Ipv4Addr::new(192, 0, 2, 1), 443, 443);
        let f = Pred::or(a.to_pred(), b.to_pred());
        assert!(within(&[a.clone(), b], &f));
        assert!(!within(&[a], &f));
    }
}
