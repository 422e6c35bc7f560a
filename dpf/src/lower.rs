//! Lowering: AST -> IR for one link type, following libpcap 1.10's code generator
//! (`gencode.c`) primitive by primitive, so that verdicts match libpcap's packet for packet.
//!
//! Like libpcap, lowering walks the expression left to right with mutable offsets: `vlan`,
//! `mpls` and `pppoes` shift every later offset in the expression, whatever `and`/`or` sit
//! between them (a long-standing libpcap behaviour that users rely on, e.g. `vlan and ip`).
//! The order in which tests are emitted reproduces libpcap's, because a load past the captured
//! bytes rejects the whole filter at the point where it happens.

use crate::ir::{ArithOp, Atom, Base, Load, Pred, Rel, Val};
use crate::lang::ast::*;
use crate::lang::names;
use crate::lang::FilterError;
use crate::LinkType;

const ETHERMTU: u32 = 1500;
const ETHERTYPE_IP: u32 = 0x0800;
const ETHERTYPE_ARP: u32 = 0x0806;
const ETHERTYPE_REVARP: u32 = 0x8035;
const ETHERTYPE_IPV6: u32 = 0x86dd;
const ETHERTYPE_ATALK: u32 = 0x809b;
const ETHERTYPE_AARP: u32 = 0x80f3;
const ETHERTYPE_DN: u32 = 0x6003;
const ETHERTYPE_LAT: u32 = 0x6004;
const ETHERTYPE_SCA: u32 = 0x6007;
const ETHERTYPE_MOPDL: u32 = 0x6001;
const ETHERTYPE_MOPRC: u32 = 0x6002;
const ETHERTYPE_IPX: u32 = 0x8137;
const ETHERTYPE_8021Q: u32 = 0x8100;
const ETHERTYPE_8021AD: u32 = 0x88a8;
const ETHERTYPE_8021QINQ: u32 = 0x9100;
const ETHERTYPE_MPLS: u32 = 0x8847;
const ETHERTYPE_PPPOED: u32 = 0x8863;
const ETHERTYPE_PPPOES: u32 = 0x8864;
const ETHERTYPE_LOOPBACK: u32 = 0x9000;
const LLCSAP_ISONS: u32 = 0xfe;
const LLCSAP_IP: u32 = 0x06;
const LLCSAP_NETBEUI: u32 = 0xf0;
const LLCSAP_IPX: u32 = 0xe0;
const LLCSAP_8021D: u32 = 0x42;
const LINUX_SLL_P_802_3: u32 = 0x0001;
const LINUX_SLL_P_802_2: u32 = 0x0004;
const IPPROTO_TCP: u32 = 6;
const IPPROTO_UDP: u32 = 17;
const IPPROTO_SCTP: u32 = 132;
const ISO8473_CLNP: u32 = 0x81;
const ISO9542_ESIS: u32 = 0x82;
const ISO10589_ISIS: u32 = 0x83;
const DLT_PPP: u32 = 9;

/// Which transport protocols a port test covers (libpcap's `PROTO_UNDEF` is `Any`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PortProto {
    Tcp,
    Udp,
    Sctp,
    Any,
}

impl PortProto {
    fn number(self) -> u32 {
        match self {
            PortProto::Tcp => IPPROTO_TCP,
            PortProto::Udp => IPPROTO_UDP,
            PortProto::Sctp => IPPROTO_SCTP,
            PortProto::Any => 0,
        }
    }
}

/// The mutable code-generation state libpcap keeps in `compiler_state_t`.
struct Lowerer {
    /// libpcap's `DLT_*` view of the link (pppoes switches it to PPP).
    link: u32,
    /// Whether the capture is one of the raw-IP types (no link header at all).
    off_linkhdr: u32,
    off_linktype: Option<u32>,
    off_linkpl: u32,
    off_nl: u32,
    off_nl_nosnap: u32,
    label_stack_depth: u32,
    vlan_stack_depth: u32,
    /// `protochain` turns libpcap's optimiser off for the whole filter (its loop is a backward
    /// branch the optimiser cannot handle).
    no_optimize: bool,
    /// Lower runs of same-kind primitives from a template (off only to test that it changes
    /// nothing).
    templates: bool,
}

type R<T> = Result<T, FilterError>;

fn err<T>(msg: impl Into<String>, span: &Span) -> R<T> {
    Err(FilterError::new(msg, span.clone()))
}

use crate::optimize::{gencode_const, simplify_and as and, simplify_or as or};

fn not(a: Pred) -> Pred {
    match a {
        Pred::True => Pred::False,
        Pred::False => Pred::True,
        a => Pred::not(a),
    }
}

fn abs(off: u32, size: u8) -> Load {
    Load {
        base: Base::Abs,
        off,
        size,
    }
}

/// `(load & mask) rel k`. libpcap's optimiser removes a masked test that cannot fail
/// (`(x & 0) == 0`) together with its load, so we do too.
fn atom(load: Load, mask: u32, rel: Rel, k: u32) -> Pred {
    if mask == 0 {
        return if rel.holds(0, k) {
            Pred::True
        } else {
            Pred::False
        };
    }
    Pred::Atom(Atom { load, mask, rel, k })
}

fn cmp(off: u32, size: u8, k: u32) -> Pred {
    atom(abs(off, size), u32::MAX, Rel::Eq, k)
}

fn mcmp(off: u32, size: u8, k: u32, mask: u32) -> Pred {
    atom(abs(off, size), mask, Rel::Eq, k)
}

/// libpcap's `gen_bcmp`: compare bytes, last word first.
fn bcmp(off: u32, bytes: &[u8]) -> Pred {
    let mut size = bytes.len();
    let mut acc: Option<Pred> = None;
    let push = |p: Pred, acc: &mut Option<Pred>| {
        *acc = Some(match acc.take() {
            None => p,
            Some(a) => and(a, p),
        })
    };
    while size >= 4 {
        let p = &bytes[size - 4..size];
        let v = u32::from_be_bytes([p[0], p[1], p[2], p[3]]);
        push(cmp(off + size as u32 - 4, 4, v), &mut acc);
        size -= 4;
    }
    while size >= 2 {
        let p = &bytes[size - 2..size];
        let v = u16::from_be_bytes([p[0], p[1]]) as u32;
        push(cmp(off + size as u32 - 2, 2, v), &mut acc);
        size -= 2;
    }
    if size > 0 {
        push(cmp(off, 1, bytes[0] as u32), &mut acc);
    }
    acc.unwrap_or(Pred::True)
}

/// libpcap's `__pcap_atoin`, including its treatment of odd digits: returns the value and the
/// number of bits given (8 per component).
fn atoin(s: &str) -> Option<(u32, u32)> {
    let mut addr: u32 = 0;
    let mut len = 0u32;
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let mut n: i64 = 0;
        while i < b.len() && b[i] != b'.' {
            if n > 25 {
                return None;
            }
            n = n * 10 + (b[i] as i64 - b'0' as i64);
            i += 1;
        }
        if !(0..=255).contains(&n) {
            return None;
        }
        addr = (addr << 8) | (n as u32 & 0xff);
        len += 8;
        if i >= b.len() {
            return Some((addr, len));
        }
        i += 1;
        if len >= 32 && i <= b.len() {
            // More than four components cannot come from the scanner; be safe anyway.
            if i == b.len() {
                return Some((addr, len));
            }
        }
    }
}

fn shl(v: u32, n: u32) -> u32 {
    if n >= 32 {
        0
    } else {
        v << n
    }
}

/// `__pcap_atodn`: `area.node` as sscanf("%d.%d") reads it.
fn atodn(s: &str) -> Option<u32> {
    let (a, n) = s.split_once('.')?;
    let num = |t: &str| -> Option<i64> {
        let d: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
        if d.is_empty() {
            None
        } else {
            Some(d.parse::<i64>().unwrap_or(i64::MAX) as i32 as i64)
        }
    };
    let area = num(a)? as u32;
    let node = num(n)? as u32;
    Some(((area << 10) & 0o176000) | (node & 0o1777))
}

/// `pcap_ether_aton`: hex digit pairs, `:` `-` `.` separators skipped.
fn ether_aton(s: &str) -> [u8; 6] {
    let b = s.as_bytes();
    let mut out = [0u8; 6];
    let mut i = 0;
    let mut n = 0;
    let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
    while i < b.len() && n < 6 {
        if matches!(b[i], b':' | b'.' | b'-') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut d = hex(b[i]);
        i += 1;
        if i < b.len() && b[i].is_ascii_hexdigit() {
            d = (d << 4) | hex(b[i]);
            i += 1;
        }
        out[n] = d;
        n += 1;
    }
    out
}

fn ethertype_to_ppptype(t: u32) -> u32 {
    match t {
        ETHERTYPE_IP => 0x0021,
        ETHERTYPE_IPV6 => 0x0057,
        ETHERTYPE_DN => 0x0027,
        ETHERTYPE_ATALK => 0x0029,
        0x0600 => 0x0025, // XNS IDP -> PPP_NS
        // libpcap maps the `ipx` keyword's SAP, not the IPX ethertype (`ether proto 0x8137`
        // stays 0x8137 in PPP).
        LLCSAP_IPX => 0x002b,
        LLCSAP_ISONS => 0x0023, // PPP_OSI
        LLCSAP_8021D => 0x0031,
        ETHERTYPE_LAT => t,
        _ => t,
    }
}

/// getservbyname-like lookup of a port name, as `pcap_nametoport` combines tcp and udp.
fn nametoport(name: &str) -> Option<(u32, PortProto)> {
    // getaddrinfo() also takes a decimal service number.
    if !name.is_empty() && name.bytes().all(|c| c.is_ascii_digit()) {
        let n: u64 = name.parse().unwrap_or(u64::MAX);
        let v = (n & 0xffff) as u32;
        return Some((v, PortProto::Any));
    }
    let (t, u, _s) = names::service(name)?;
    match (t, u) {
        (Some(t), Some(u)) if t == u => Some((t as u32, PortProto::Any)),
        (Some(t), _) => Some((t as u32, PortProto::Tcp)),
        (None, Some(u)) => Some((u as u32, PortProto::Udp)),
        (None, None) => None,
    }
}

/// sscanf("%d-%d") as glibc does it: optional blanks and sign before each number.
fn scan_range(s: &str) -> Option<(i64, i64)> {
    fn num(b: &[u8], mut i: usize) -> Option<(i64, usize)> {
        while i < b.len() && (b[i] as char).is_ascii_whitespace() {
            i += 1;
        }
        let mut neg = false;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            neg = b[i] == b'-';
            i += 1;
        }
        let st = i;
        let mut v: i64 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            v = (v * 10 + (b[i] - b'0') as i64).min(i64::MAX / 100);
            i += 1;
        }
        if i == st {
            return None;
        }
        // %d stores an int: out-of-range values saturate in glibc's strtol, then truncate.
        let v = v.min(i32::MAX as i64 + 1);
        let v = if neg { -v } else { v };
        Some((v as i32 as i64, i))
    }
    let b = s.as_bytes();
    let (a, i) = num(b, 0)?;
    if i >= b.len() || b[i] != b'-' {
        return None;
    }
    let (c, _) = num(b, i + 1)?;
    Some((a, c))
}

fn nametoportrange(name: &str) -> Option<(i64, i64, PortProto)> {
    if let Some((a, b)) = scan_range(name) {
        return Some((a, b, PortProto::Any));
    }
    let dash = name.find('-')?;
    let (p1, pr1) = nametoport(&name[..dash])?;
    let (p2, pr2) = nametoport(&name[dash + 1..])?;
    let proto = if pr1 != pr2 { PortProto::Any } else { pr2 };
    Some((p1 as i64, p2 as i64, proto))
}

/// Ethertype names (`pcap_nametoeproto`) and LLC SAP names (`pcap_nametollc`).
fn nametoeproto(name: &str) -> Option<u32> {
    Some(match name {
        "aarp" => ETHERTYPE_AARP,
        "arp" => ETHERTYPE_ARP,
        "atalk" => ETHERTYPE_ATALK,
        "decnet" => ETHERTYPE_DN,
        "ip" => ETHERTYPE_IP,
        "ip6" => ETHERTYPE_IPV6,
        "lat" => ETHERTYPE_LAT,
        "loopback" => ETHERTYPE_LOOPBACK,
        "mopdl" => ETHERTYPE_MOPDL,
        "moprc" => ETHERTYPE_MOPRC,
        "rarp" => ETHERTYPE_REVARP,
        "sca" => ETHERTYPE_SCA,
        "iso" => LLCSAP_ISONS,
        "stp" => LLCSAP_8021D,
        "ipx" => LLCSAP_IPX,
        "netbeui" => LLCSAP_NETBEUI,
        _ => return None,
    })
}

fn parse_v6(s: &str) -> Option<[u8; 16]> {
    s.parse::<std::net::Ipv6Addr>().ok().map(|a| a.octets())
}

fn is_ethernet_like(link: u32) -> bool {
    link == 1
}

impl Lowerer {
    fn new(link: LinkType, span: &Span) -> R<Lowerer> {
        let dlt = link.0;
        let (off_linktype, off_linkpl, off_nl_nosnap) = match dlt {
            1 => (Some(12), 14, 3),
            113 => (Some(14), 16, 0),
            276 => (Some(0), 20, 0),
            101 | 228 | 229 => (None, 0, 0),
            0 | 108 => (Some(0), 4, 0),
            _ => {
                return err(
                    format!("unsupported link type {} ({})", link.0, link.name()),
                    span,
                )
            }
        };
        Ok(Lowerer {
            link: dlt,
            off_linkhdr: 0,
            off_linktype,
            off_linkpl,
            off_nl: 0,
            off_nl_nosnap,
            label_stack_depth: 0,
            vlan_stack_depth: 0,
            no_optimize: false,
            templates: true,
        })
    }

    /// `OR_LINKPL`: relative to the network-layer header.
    fn pl(&self, off: u32) -> u32 {
        self.off_linkpl.wrapping_add(self.off_nl).wrapping_add(off)
    }
    fn linktype_off(&self, off: u32) -> u32 {
        self.off_linktype.unwrap_or(0).wrapping_add(off)
    }
    /// `OR_LLC`: relative to the link-layer payload, ignoring any MPLS shift.
    fn llc(&self, off: u32) -> u32 {
        self.off_linkpl + off
    }
    fn nosnap(&self, off: u32) -> u32 {
        self.off_linkpl + self.off_nl_nosnap + off
    }
    fn ipv4_hdr(&self) -> u32 {
        self.pl(0)
    }
    /// `OR_TRAN_IPV4`: a load relative to the end of the IPv4 header.
    fn tran4(&self, off: u32, size: u8) -> Load {
        Load {
            base: Base::IpHdrLen {
                at: self.ipv4_hdr(),
            },
            off: self.pl(off),
            size,
        }
    }
    fn tran6(&self, off: u32) -> u32 {
        self.pl(40 + off)
    }

    fn gen_snap(&self, orgcode: u32, ptype: u32) -> Pred {
        let block = [
            0xaa,
            0xaa,
            0x03,
            (orgcode >> 16) as u8,
            (orgcode >> 8) as u8,
            orgcode as u8,
            (ptype >> 8) as u8,
            ptype as u8,
        ];
        bcmp(self.llc(0), &block)
    }

    fn gen_linktype(&self, ll_proto: u32, span: &Span) -> R<Pred> {
        if self.label_stack_depth > 0 {
            let version = match ll_proto {
                ETHERTYPE_IP => 0x40,
                ETHERTYPE_IPV6 => 0x60,
                _ => return err("unsupported protocol over mpls", span),
            };
            let bos = mcmp(self.pl(0).wrapping_sub(2), 1, 0x01, 0x01);
            return Ok(and(bos, mcmp(self.pl(0), 1, version, 0xf0)));
        }
        let lt = |off: u32, size: u8, k: u32| cmp(self.linktype_off(off), size, k);
        Ok(match self.link {
            1 => self.ether_linktype(ll_proto),
            113 | 276 => match ll_proto {
                LLCSAP_ISONS | LLCSAP_IP | LLCSAP_NETBEUI => and(
                    lt(0, 2, LINUX_SLL_P_802_2),
                    cmp(self.llc(0), 2, (ll_proto << 8) | ll_proto),
                ),
                LLCSAP_IPX => {
                    let b1 = or(cmp(self.llc(0), 1, LLCSAP_IPX), Pred::False);
                    let b1 = or(self.gen_snap(0, ETHERTYPE_IPX), b1);
                    let b1 = and(lt(0, 2, LINUX_SLL_P_802_2), b1);
                    let b1 = or(lt(0, 2, LINUX_SLL_P_802_3), b1);
                    or(lt(0, 2, ETHERTYPE_IPX), b1)
                }
                ETHERTYPE_ATALK | ETHERTYPE_AARP => {
                    let snap = if ll_proto == ETHERTYPE_ATALK {
                        self.gen_snap(0x080007, ETHERTYPE_ATALK)
                    } else {
                        self.gen_snap(0, ETHERTYPE_AARP)
                    };
                    or(lt(0, 2, ll_proto), and(lt(0, 2, LINUX_SLL_P_802_2), snap))
                }
                p if p <= ETHERMTU => and(lt(0, 2, LINUX_SLL_P_802_2), cmp(self.llc(0), 1, p)),
                p => lt(0, 2, p),
            },
            101 => match ll_proto {
                ETHERTYPE_IP => mcmp(0, 1, 0x40, 0xf0),
                ETHERTYPE_IPV6 => mcmp(0, 1, 0x60, 0xf0),
                _ => gencode_const(false),
            },
            228 => gencode_const(ll_proto == ETHERTYPE_IP),
            229 => gencode_const(ll_proto == ETHERTYPE_IPV6),
            0 | 108 => {
                // The address family, host order for NULL (assumed little-endian captures,
                // as on the machines that write them), network order for LOOP.
                let fams: &[u32] = match ll_proto {
                    ETHERTYPE_IP => &[2],
                    ETHERTYPE_IPV6 => &[24, 28, 30],
                    _ => return Ok(gencode_const(false)),
                };
                let conv = |af: u32| if self.link == 0 { af.swap_bytes() } else { af };
                let mut p = cmp(self.off_linkhdr, 4, conv(fams[0]));
                for af in &fams[1..] {
                    p = or(p, cmp(self.off_linkhdr, 4, conv(*af)));
                }
                p
            }
            DLT_PPP => lt(0, 2, ethertype_to_ppptype(ll_proto)),
            _ => Pred::False,
        })
    }

    fn ether_linktype(&self, ll_proto: u32) -> Pred {
        let lt = |size: u8, k: u32| cmp(self.linktype_off(0), size, k);
        let le_mtu = || atom(abs(self.linktype_off(0), 2), u32::MAX, Rel::Le, ETHERMTU);
        match ll_proto {
            LLCSAP_ISONS | LLCSAP_IP | LLCSAP_NETBEUI => {
                and(le_mtu(), cmp(self.llc(0), 2, (ll_proto << 8) | ll_proto))
            }
            LLCSAP_IPX => {
                let b1 = or(cmp(self.llc(0), 1, LLCSAP_IPX), cmp(self.llc(0), 2, 0xffff));
                let b1 = or(self.gen_snap(0, ETHERTYPE_IPX), b1);
                let b1 = and(le_mtu(), b1);
                or(lt(2, ETHERTYPE_IPX), b1)
            }
            ETHERTYPE_ATALK | ETHERTYPE_AARP => {
                let snap = if ll_proto == ETHERTYPE_ATALK {
                    self.gen_snap(0x080007, ETHERTYPE_ATALK)
                } else {
                    self.gen_snap(0, ETHERTYPE_AARP)
                };
                or(lt(2, ll_proto), and(le_mtu(), snap))
            }
            p if p <= ETHERMTU => and(le_mtu(), cmp(self.linktype_off(2), 1, p)),
            p => lt(2, p),
        }
    }

    /// `gen_proto(v, proto, dir)`.
    fn gen_proto(&self, v: u32, proto: Slot<Proto>, dir: Slot<Dir>, span: &Span) -> R<Pred> {
        if !matches!(dir, Slot::Default) {
            return err("direction applied to 'proto'", span);
        }
        match proto {
            Slot::Default => {
                let b0 = self.gen_proto(v, Slot::Is(Proto::Ip), dir, span)?;
                let b1 = self.gen_proto(v, Slot::Is(Proto::Ip6), dir, span)?;
                Ok(or(b0, b1))
            }
            Slot::Undef => err("syntax error in filter expression", span),
            Slot::Is(p) => match p {
                Proto::Link => self.gen_linktype(v, span),
                Proto::Ip => Ok(and(
                    self.gen_linktype(ETHERTYPE_IP, span)?,
                    cmp(self.pl(9), 1, v),
                )),
                Proto::Ip6 => {
                    let b0 = self.gen_linktype(ETHERTYPE_IPV6, span)?;
                    let frag = and(cmp(self.pl(6), 1, 44), cmp(self.pl(40), 1, v));
                    Ok(and(b0, or(cmp(self.pl(6), 1, v), frag)))
                }
                Proto::Iso => {
                    if !matches!(
                        self.link,
                        1 | 113 | 276 | 101 | 228 | 229 | 0 | 108 | DLT_PPP
                    ) {
                        return err("iso not supported on this link type", span);
                    }
                    Ok(and(
                        self.gen_linktype(LLCSAP_ISONS, span)?,
                        cmp(self.nosnap(0), 1, v),
                    ))
                }
                Proto::Isis => Ok(and(
                    self.gen_proto(ISO10589_ISIS, Slot::Is(Proto::Iso), Slot::Default, span)?,
                    cmp(self.nosnap(4), 1, v),
                )),
                other => err(
                    format!("'{}' does not encapsulate another protocol", other.name()),
                    span,
                ),
            },
        }
    }

    fn proto_abbrev(&self, p: Proto, span: &Span) -> R<Pred> {
        use Proto::*;
        let d = Slot::Default;
        let dd: Slot<Dir> = Slot::Default;
        let ip = Slot::Is(Ip);
        Ok(match p {
            Sctp => self.gen_proto(IPPROTO_SCTP, d, dd, span)?,
            Tcp => self.gen_proto(IPPROTO_TCP, d, dd, span)?,
            Udp => self.gen_proto(IPPROTO_UDP, d, dd, span)?,
            Icmp => self.gen_proto(1, ip, dd, span)?,
            Igmp => self.gen_proto(2, ip, dd, span)?,
            Igrp => self.gen_proto(9, ip, dd, span)?,
            Pim => self.gen_proto(103, d, dd, span)?,
            Vrrp | Carp => self.gen_proto(112, ip, dd, span)?,
            Ip => self.gen_linktype(ETHERTYPE_IP, span)?,
            Arp => self.gen_linktype(ETHERTYPE_ARP, span)?,
            Rarp => self.gen_linktype(ETHERTYPE_REVARP, span)?,
            Link => return err("link layer applied in wrong context", span),
            Atalk => self.gen_linktype(ETHERTYPE_ATALK, span)?,
            Aarp => self.gen_linktype(ETHERTYPE_AARP, span)?,
            Decnet => self.gen_linktype(ETHERTYPE_DN, span)?,
            Sca => self.gen_linktype(ETHERTYPE_SCA, span)?,
            Lat => self.gen_linktype(ETHERTYPE_LAT, span)?,
            Mopdl => self.gen_linktype(ETHERTYPE_MOPDL, span)?,
            Moprc => self.gen_linktype(ETHERTYPE_MOPRC, span)?,
            Ip6 => self.gen_linktype(ETHERTYPE_IPV6, span)?,
            Icmp6 => self.gen_proto(58, Slot::Is(Ip6), dd, span)?,
            Ah => self.gen_proto(51, d, dd, span)?,
            Esp => self.gen_proto(50, d, dd, span)?,
            Iso => self.gen_linktype(LLCSAP_ISONS, span)?,
            Esis => self.gen_proto(ISO9542_ESIS, Slot::Is(Iso), dd, span)?,
            Isis => self.gen_proto(ISO10589_ISIS, Slot::Is(Iso), dd, span)?,
            IsisL1 | IsisL2 | IsisIih | IsisLsp | IsisSnp | IsisPsnp | IsisCsnp => {
                let list: &[u32] = match p {
                    IsisL1 => &[15, 17, 18, 24, 26],
                    IsisL2 => &[16, 17, 20, 25, 27],
                    IsisIih => &[15, 16, 17],
                    IsisLsp => &[18, 20],
                    IsisSnp => &[24, 25, 26, 27],
                    IsisCsnp => &[24, 25],
                    _ => &[26, 27],
                };
                let isis = Slot::Is(Isis);
                let mut b = self.gen_proto(list[0], isis, dd, span)?;
                for v in &list[1..] {
                    // libpcap ors each new test in front of the previous ones.
                    b = or(self.gen_proto(*v, isis, dd, span)?, b);
                }
                b
            }
            Clnp => self.gen_proto(ISO8473_CLNP, Slot::Is(Iso), dd, span)?,
            Stp => self.gen_linktype(LLCSAP_8021D, span)?,
            Ipx => self.gen_linktype(LLCSAP_IPX, span)?,
            Netbeui => self.gen_linktype(LLCSAP_NETBEUI, span)?,
            Radio => return err("'radio' is not a valid protocol type", span),
        })
    }

    fn gen_ipfrag(&self) -> Pred {
        // (ip[6:2] & 0x1fff) == 0, libpcap's "jset 0x1fff" negated.
        mcmp(self.pl(6), 2, 0, 0x1fff)
    }

    fn dir_combine(
        &self,
        dir: Slot<Dir>,
        what: &str,
        span: &Span,
        mut f: impl FnMut(bool) -> R<Pred>,
    ) -> R<Pred> {
        match dir {
            Slot::Is(Dir::Src) => f(true),
            Slot::Is(Dir::Dst) => f(false),
            Slot::Is(Dir::SrcAndDst) => Ok(and(f(true)?, f(false)?)),
            Slot::Default | Slot::Is(Dir::SrcOrDst) => Ok(or(f(true)?, f(false)?)),
            Slot::Undef => err("syntax error in filter expression", span),
            Slot::Is(d) => {
                let n = match d {
                    Dir::Addr1 => "'addr1' and 'address1'",
                    Dir::Addr2 => "'addr2' and 'address2'",
                    Dir::Addr3 => "'addr3' and 'address3'",
                    Dir::Addr4 => "'addr4' and 'address4'",
                    Dir::Ra => "'ra'",
                    _ => "'ta'",
                };
                err(format!("{n} are not valid qualifiers for {what}"), span)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn gen_hostop(
        &self,
        addr: u32,
        mask: u32,
        dir: Slot<Dir>,
        ll: u32,
        src_off: u32,
        dst_off: u32,
        span: &Span,
    ) -> R<Pred> {
        self.dir_combine(dir, "addresses", span, |src| {
            let off = if src { src_off } else { dst_off };
            Ok(and(
                self.gen_linktype(ll, span)?,
                mcmp(self.pl(off), 4, addr & mask, mask),
            ))
        })
    }

    fn gen_host(
        &self,
        addr: u32,
        mask: u32,
        proto: Slot<Proto>,
        dir: Slot<Dir>,
        typestr: &str,
        span: &Span,
    ) -> R<Pred> {
        match proto {
            Slot::Default => {
                let b0 = self.gen_host(addr, mask, Slot::Is(Proto::Ip), dir, typestr, span)?;
                if self.label_stack_depth == 0 {
                    let b1 = self.gen_host(addr, mask, Slot::Is(Proto::Arp), dir, typestr, span)?;
                    let b01 = or(b0, b1);
                    let b2 =
                        self.gen_host(addr, mask, Slot::Is(Proto::Rarp), dir, typestr, span)?;
                    Ok(or(b01, b2))
                } else {
                    Ok(b0)
                }
            }
            Slot::Undef => err("syntax error in filter expression", span),
            Slot::Is(Proto::Ip) => self.gen_hostop(addr, mask, dir, ETHERTYPE_IP, 12, 16, span),
            Slot::Is(Proto::Arp) => self.gen_hostop(addr, mask, dir, ETHERTYPE_ARP, 14, 24, span),
            Slot::Is(Proto::Rarp) => {
                self.gen_hostop(addr, mask, dir, ETHERTYPE_REVARP, 14, 24, span)
            }
            Slot::Is(Proto::Link) => err(format!("link-layer modifier applied to {typestr}"), span),
            Slot::Is(Proto::Decnet) => self.gen_dnhostop(addr, dir, span),
            Slot::Is(p) => err(
                format!("'{}' modifier applied to {typestr}", p.name()),
                span,
            ),
        }
    }

    /// DECnet: four header layouts (padding or not, long or short header) per direction.
    fn gen_dnhostop(&self, addr: u32, dir: Slot<Dir>, span: &Span) -> R<Pred> {
        let a = (addr as u16).swap_bytes() as u32;
        self.dir_combine(dir, "DECnet addresses", span, |src| {
            let (sh, lh) = if src { (3, 15) } else { (1, 7) };
            let p = |off: u32| self.pl(off);
            let pad1_long = and(mcmp(p(2), 2, 0x8106, 0xff07), cmp(p(2 + 1 + lh), 2, a));
            let pad0_long = and(mcmp(p(2), 1, 0x06, 0x07), cmp(p(2 + lh), 2, a));
            let b1 = or(pad0_long, pad1_long);
            let pad1_short = and(mcmp(p(2), 2, 0x8102, 0xff07), cmp(p(2 + 1 + sh), 2, a));
            let b1 = or(pad1_short, b1);
            let pad0_short = and(mcmp(p(2), 1, 0x02, 0x07), cmp(p(2 + sh), 2, a));
            let b1 = or(pad0_short, b1);
            Ok(and(self.gen_linktype(ETHERTYPE_DN, span)?, b1))
        })
    }

    fn gen_host6(
        &self,
        addr: [u8; 16],
        mask: [u8; 16],
        proto: Slot<Proto>,
        dir: Slot<Dir>,
        typestr: &str,
        span: &Span,
    ) -> R<Pred> {
        match proto {
            Slot::Default | Slot::Is(Proto::Ip6) => {
                self.dir_combine(dir, "addresses", span, |src| {
                    let off = if src { 8 } else { 24 };
                    let w = |b: &[u8; 16], i: usize| {
                        u32::from_be_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
                    };
                    let mut p = self.gen_linktype(ETHERTYPE_IPV6, span)?;
                    for i in 0..4 {
                        let m = w(&mask, i);
                        p = and(p, mcmp(self.pl(off + 4 * i as u32), 4, w(&addr, i) & m, m));
                    }
                    Ok(p)
                })
            }
            Slot::Undef => err("syntax error in filter expression", span),
            Slot::Is(Proto::Link) => err(
                format!("link-layer modifier applied to ip6 {typestr}"),
                span,
            ),
            Slot::Is(p) => err(
                format!("'{}' modifier applied to ip6 {typestr}", p.name()),
                span,
            ),
        }
    }

    fn gen_port_any(
        &self,
        proto: PortProto,
        span: &Span,
        dir: Slot<Dir>,
        v6: bool,
        atom_of: &dyn Fn(&Self, u32, bool) -> Pred,
    ) -> R<Pred> {
        let op = |pr: u32| -> R<Pred> {
            let hdr = if v6 {
                cmp(self.pl(6), 1, pr)
            } else {
                and(cmp(self.pl(9), 1, pr), self.gen_ipfrag())
            };
            let ports = self.dir_combine(dir, "ports", span, |src| {
                Ok(atom_of(self, if src { 0 } else { 2 }, v6))
            })?;
            Ok(and(hdr, ports))
        };
        let b0 = self.gen_linktype(if v6 { ETHERTYPE_IPV6 } else { ETHERTYPE_IP }, span)?;
        let b1 = match proto {
            PortProto::Any => {
                let tu = or(op(IPPROTO_TCP)?, op(IPPROTO_UDP)?);
                or(op(IPPROTO_SCTP)?, tu)
            }
            p => op(p.number())?,
        };
        Ok(and(b0, b1))
    }

    fn gen_port(&self, port: u32, proto: PortProto, dir: Slot<Dir>, span: &Span) -> R<Pred> {
        let atom_of = move |s: &Self, off: u32, v6: bool| -> Pred {
            if v6 {
                cmp(s.tran6(off), 2, port)
            } else {
                atom(s.tran4(off, 2), u32::MAX, Rel::Eq, port)
            }
        };
        let b6 = self.gen_port_any(proto, span, dir, true, &atom_of)?;
        let b4 = self.gen_port_any(proto, span, dir, false, &atom_of)?;
        Ok(or(b6, b4))
    }

    fn gen_portrange(
        &self,
        p1: u32,
        p2: u32,
        proto: PortProto,
        dir: Slot<Dir>,
        span: &Span,
    ) -> R<Pred> {
        let (lo, hi) = if p1 > p2 { (p2, p1) } else { (p1, p2) };
        let atom_of = move |s: &Self, off: u32, v6: bool| -> Pred {
            let load = if v6 {
                abs(s.tran6(off), 2)
            } else {
                s.tran4(off, 2)
            };
            and(
                atom(load, u32::MAX, Rel::Ge, lo),
                atom(load, u32::MAX, Rel::Le, hi),
            )
        };
        let b6 = self.gen_port_any(proto, span, dir, true, &atom_of)?;
        let b4 = self.gen_port_any(proto, span, dir, false, &atom_of)?;
        Ok(or(b6, b4))
    }

    fn port_proto(proto: Slot<Proto>, what: &str, span: &Span) -> R<PortProto> {
        Ok(match proto {
            Slot::Default => PortProto::Any,
            Slot::Is(Proto::Tcp) => PortProto::Tcp,
            Slot::Is(Proto::Udp) => PortProto::Udp,
            Slot::Is(Proto::Sctp) => PortProto::Sctp,
            Slot::Undef => return err("syntax error in filter expression", span),
            _ => return err(format!("illegal qualifier of '{what}'"), span),
        })
    }

    /// Reconciles a port name's own protocol with the `tcp`/`udp`/`sctp` qualifier.
    fn reconcile(q: PortProto, real: PortProto, what: &str, span: &Span) -> R<PortProto> {
        if q == PortProto::Any {
            return Ok(real);
        }
        if real != PortProto::Any && real != q {
            let n = match real {
                PortProto::Tcp => "tcp",
                PortProto::Udp => "udp",
                _ => "sctp",
            };
            return err(format!("{what} is {n}"), span);
        }
        Ok(q)
    }

    fn lower_qualified(&mut self, q: &Qual, id: &Id, span: &Span) -> R<Pred> {
        if q.addr == Slot::Undef || q.proto == Slot::Undef || q.dir == Slot::Undef {
            return err(
                "syntax error: an address or number here needs a qualifier such as `host` or `port` before it",
                span,
            );
        }
        let addr = q.addr;
        match id {
            Id::Num(v) => self.lower_num(q, *v, span),
            Id::V4(s) => {
                if let Slot::Is(
                    a @ (Addr::Port | Addr::Portrange | Addr::Proto | Addr::Protochain),
                ) = addr
                {
                    return err(
                        format!("'{}' modifier applied to IP address", addr_name(a)),
                        span,
                    );
                }
                if q.proto == Slot::Is(Proto::Decnet) {
                    let Some(v) = atodn(s) else {
                        return err(format!("malformed decnet address '{s}'"), span);
                    };
                    return match addr {
                        Slot::Default | Slot::Is(Addr::Host) | Slot::Is(Addr::Net) => {
                            self.gen_host(v, 0, q.proto, q.dir, "host", span)
                        }
                        _ => err("syntax error in filter expression", span),
                    };
                }
                let Some((v, vlen)) = atoin(s) else {
                    return err(format!("invalid IPv4 address '{s}'"), span);
                };
                match addr {
                    Slot::Default | Slot::Is(Addr::Host) | Slot::Is(Addr::Net) => {
                        if q.proto == Slot::Is(Proto::Link) {
                            return err("illegal link layer address", span);
                        }
                        let v = shl(v, 32 - vlen);
                        let mask = shl(u32::MAX, 32 - vlen);
                        let typestr = if addr == Slot::Is(Addr::Net) {
                            "net"
                        } else {
                            "host"
                        };
                        self.gen_host(v, mask, q.proto, q.dir, typestr, span)
                    }
                    Slot::Is(Addr::Gateway) => err(
                        "'gateway' requires a host name, and name lookups are not supported",
                        span,
                    ),
                    _ => err("syntax error in filter expression", span),
                }
            }
            Id::V4Len(s, _) | Id::V4Mask(s, _) => {
                let what = if matches!(id, Id::V4Len(..)) {
                    "IP address and prefix length"
                } else {
                    "IP address and netmask"
                };
                if let Slot::Is(
                    a @ (Addr::Port | Addr::Portrange | Addr::Proto | Addr::Protochain),
                ) = addr
                {
                    return err(
                        format!("'{}' modifier applied to {what}", addr_name(a)),
                        span,
                    );
                }
                let Some((n, nlen)) = atoin(s) else {
                    return err(format!("invalid IPv4 address '{s}'"), span);
                };
                let n = shl(n, 32 - nlen);
                let m = match id {
                    Id::V4Mask(_, ms) => {
                        let Some((m, mlen)) = atoin(ms) else {
                            return err(format!("invalid IPv4 address '{ms}'"), span);
                        };
                        let m = shl(m, 32 - mlen);
                        if n & !m != 0 {
                            return err(format!("non-network bits set in \"{s} mask {ms}\""), span);
                        }
                        m
                    }
                    Id::V4Len(_, len) => {
                        if *len > 32 {
                            return err("mask length must be <= 32", span);
                        }
                        let m = if *len == 0 { 0 } else { u32::MAX << (32 - len) };
                        if n & !m != 0 {
                            return err(format!("non-network bits set in \"{s}/{len}\""), span);
                        }
                        m
                    }
                    _ => return err("syntax error in filter expression", span),
                };
                if addr != Slot::Is(Addr::Net) {
                    return err("Mask syntax for networks only", span);
                }
                self.gen_host(n, m, q.proto, q.dir, "net", span)
            }
            Id::V6(s) | Id::V6Len(s, _) => {
                let masklen = match id {
                    Id::V6Len(_, l) => *l,
                    _ => 128,
                };
                if let Slot::Is(
                    a @ (Addr::Port | Addr::Portrange | Addr::Proto | Addr::Protochain),
                ) = addr
                {
                    return err(
                        format!("'{}' modifier applied to IP address", addr_name(a)),
                        span,
                    );
                }
                let Some(a) = parse_v6(s) else {
                    return err(format!("invalid ip6 address {s}"), span);
                };
                if masklen > 128 {
                    return err("mask length must be <= 128", span);
                }
                let mut mask = [0u8; 16];
                for (i, m) in mask.iter_mut().enumerate() {
                    let bits = (masklen as i64 - 8 * i as i64).clamp(0, 8);
                    *m = if bits == 0 { 0 } else { 0xffu8 << (8 - bits) };
                }
                if a.iter().zip(mask.iter()).any(|(x, m)| x & !m != 0) {
                    return err(format!("non-network bits set in \"{s}/{masklen}\""), span);
                }
                match addr {
                    Slot::Default | Slot::Is(Addr::Host) => {
                        if masklen != 128 {
                            return err("Mask syntax for networks only", span);
                        }
                        self.gen_host6(a, mask, q.proto, q.dir, "host", span)
                    }
                    Slot::Is(Addr::Net) => self.gen_host6(a, mask, q.proto, q.dir, "net", span),
                    _ => err("invalid qualifier against IPv6 address", span),
                }
            }
            Id::Mac(s) => {
                if matches!(addr, Slot::Default | Slot::Is(Addr::Host))
                    && q.proto == Slot::Is(Proto::Link)
                {
                    if !is_ethernet_like(self.link) {
                        return err(
                            "ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel",
                            span,
                        );
                    }
                    let e = ether_aton(s);
                    let base = self.off_linkhdr;
                    return self.dir_combine(q.dir, "ethernet addresses", span, |src| {
                        Ok(bcmp(base + if src { 6 } else { 0 }, &e))
                    });
                }
                err("ethernet address used in non-ether expression", span)
            }
            Id::Arcnet(_) => err("ARCnet addresses are supported only on ARCnet links", span),
            Id::Name(name) => self.lower_name(q, name, span),
        }
    }

    fn lower_num(&mut self, q: &Qual, v: u32, span: &Span) -> R<Pred> {
        match q.addr {
            Slot::Default | Slot::Is(Addr::Host) | Slot::Is(Addr::Net) => {
                if q.proto == Slot::Is(Proto::Decnet) {
                    return self.gen_host(v, 0, q.proto, q.dir, "host", span);
                }
                if q.proto == Slot::Is(Proto::Link) {
                    return err("illegal link layer address", span);
                }
                let (mut v, mut mask) = (v, u32::MAX);
                if q.addr == Slot::Is(Addr::Net) {
                    while v != 0 && (v & 0xff00_0000) == 0 {
                        v <<= 8;
                        mask <<= 8;
                    }
                }
                let typestr = if q.addr == Slot::Is(Addr::Net) {
                    "net"
                } else {
                    "host"
                };
                self.gen_host(v, mask, q.proto, q.dir, typestr, span)
            }
            Slot::Is(Addr::Port) => {
                let pp = Self::port_proto(q.proto, "port", span)?;
                if v > 65535 {
                    return err(format!("illegal port number {v} > 65535"), span);
                }
                self.gen_port(v, pp, q.dir, span)
            }
            Slot::Is(Addr::Portrange) => {
                let pp = Self::port_proto(q.proto, "portrange", span)?;
                if v > 65535 {
                    return err(format!("illegal port number {v} > 65535"), span);
                }
                self.gen_portrange(v, v, pp, q.dir, span)
            }
            Slot::Is(Addr::Gateway) => err("'gateway' requires a name", span),
            Slot::Is(Addr::Proto) => self.gen_proto(v, q.proto, q.dir, span),
            Slot::Is(Addr::Protochain) => self.gen_protochain(v, q.proto, span),
            Slot::Undef => err("syntax error in filter expression", span),
        }
    }

    fn gen_protochain(&mut self, v: u32, proto: Slot<Proto>, span: &Span) -> R<Pred> {
        match proto {
            Slot::Default => {
                let b0 = self.gen_protochain(v, Slot::Is(Proto::Ip), span)?;
                let b1 = self.gen_protochain(v, Slot::Is(Proto::Ip6), span)?;
                Ok(or(b0, b1))
            }
            Slot::Is(p @ (Proto::Ip | Proto::Ip6)) => {
                self.no_optimize = true;
                let v6 = p == Proto::Ip6;
                let b0 = self.gen_linktype(if v6 { ETHERTYPE_IPV6 } else { ETHERTYPE_IP }, span)?;
                let chain = Val::ProtoChain {
                    v6,
                    nl: self.pl(0),
                    proto: v,
                };
                Ok(and(b0, Pred::Cmp(chain, Rel::Eq, Val::K(v))))
            }
            _ => err("bad protocol applied for 'protochain'", span),
        }
    }

    fn lower_name(&mut self, q: &Qual, name: &str, span: &Span) -> R<Pred> {
        match q.addr {
            Slot::Is(Addr::Port) => {
                let pp = Self::port_proto(q.proto, "port", span)?;
                let Some((port, real)) = nametoport(name) else {
                    return err(format!("unknown port '{name}'"), span);
                };
                let pp = Self::reconcile(pp, real, &format!("port '{name}'"), span)?;
                self.gen_port(port, pp, q.dir, span)
            }
            Slot::Is(Addr::Portrange) => {
                let pp = Self::port_proto(q.proto, "portrange", span)?;
                let Some((p1, p2, real)) = nametoportrange(name) else {
                    return err(format!("unknown port in range '{name}'"), span);
                };
                let pp = Self::reconcile(pp, real, &format!("port in range '{name}'"), span)?;
                for p in [p1, p2] {
                    if p > 65535 {
                        return err(format!("illegal port number {p} > 65535"), span);
                    }
                    if p < 0 {
                        return err(format!("illegal port number {p} < 0"), span);
                    }
                }
                self.gen_portrange(p1 as u32, p2 as u32, pp, q.dir, span)
            }
            Slot::Is(Addr::Proto) => {
                let v = match q.proto {
                    Slot::Default | Slot::Is(Proto::Ip) | Slot::Is(Proto::Ip6) => {
                        match names::protocol(name) {
                            Some(v) => v,
                            None => return err(format!("unknown ip proto '{name}'"), span),
                        }
                    }
                    Slot::Is(Proto::Link) => match nametoeproto(name) {
                        Some(v) => v,
                        None => return err(format!("unknown ether proto '{name}'"), span),
                    },
                    Slot::Is(Proto::Iso) => match name {
                        "esis" => ISO9542_ESIS,
                        "isis" => ISO10589_ISIS,
                        "clnp" => ISO8473_CLNP,
                        _ => return err(format!("unknown osi proto '{name}'"), span),
                    },
                    Slot::Is(p) => {
                        return err(
                            format!("'{}' does not encapsulate another protocol", p.name()),
                            span,
                        )
                    }
                    Slot::Undef => return err("syntax error in filter expression", span),
                };
                self.gen_proto(v, q.proto, q.dir, span)
            }
            Slot::Is(Addr::Protochain) => {
                let v = match q.proto {
                    Slot::Default | Slot::Is(Proto::Ip) | Slot::Is(Proto::Ip6) => {
                        match names::protocol(name) {
                            Some(v) => v,
                            None => return err(format!("unknown ip proto '{name}'"), span),
                        }
                    }
                    _ => return err("bad protocol applied for 'protochain'", span),
                };
                self.gen_protochain(v, q.proto, span)
            }
            Slot::Is(Addr::Gateway) => err(
                format!("'gateway {name}' needs a host name lookup, which is not supported"),
                span,
            ),
            Slot::Is(Addr::Net) => err(
                format!("unknown network '{name}' (network names are not looked up)"),
                span,
            ),
            _ => {
                if q.proto == Slot::Is(Proto::Link) {
                    err(
                        format!("unknown ether host '{name}' (/etc/ethers is not consulted)"),
                        span,
                    )
                } else {
                    err(
                        format!("unknown host '{name}' (host names are not looked up)"),
                        span,
                    )
                }
            }
        }
    }

    /// The protocol checks that guard `proto[...]`, and the base of its offsets.
    fn load_base(&self, proto: Proto, span: &Span) -> R<(Pred, LoadBase)> {
        use Proto::*;
        Ok(match proto {
            Link => (Pred::True, LoadBase::Abs(self.off_linkhdr)),
            Ip | Arp | Rarp | Atalk | Decnet | Sca | Lat | Moprc | Mopdl | Ip6 => {
                (self.proto_abbrev(proto, span)?, LoadBase::Abs(self.pl(0)))
            }
            Sctp | Tcp | Udp | Icmp | Igmp | Igrp | Pim | Vrrp | Carp => {
                // ip, then (index conditions), then the protocol, then not-a-later-fragment.
                let conds = and(self.proto_abbrev(proto, span)?, self.gen_ipfrag());
                (conds, LoadBase::Tran4)
            }
            Icmp6 => {
                let conds = and(self.proto_abbrev(Ip6, span)?, cmp(self.pl(6), 1, 58));
                (conds, LoadBase::Abs(self.pl(40)))
            }
            Radio => return err("'radio' is supported only on 802.11 radio captures", span),
            _ => return err("unsupported index operation", span),
        })
    }

    /// Lowers an arithmetic value; returns its guard conditions and its value.
    fn lower_arith(&mut self, a: &Arith) -> R<(Pred, Val)> {
        Ok(match a {
            Arith::Num(n) => (Pred::True, Val::K(*n)),
            Arith::Len => (Pred::True, Val::Len),
            Arith::Neg(x) => {
                let (c, v) = self.lower_arith(x)?;
                (c, fold(Val::Neg(Box::new(v))))
            }
            Arith::Bin(op, x, y, span) => {
                let (cx, vx) = self.lower_arith(x)?;
                // libpcap's gen_arth keeps only the left operand's protocol checks: the right
                // operand's loads run unguarded (they still reject when out of bounds).
                let (_, vy) = self.lower_arith(y)?;
                // gen_arth's check looks at the first instruction of the right operand's code:
                // a literal, or the constant index that starts a packet access (`ip[0]`).
                if let Some(k) = first_immediate(y) {
                    match op {
                        ArithOp::Div if k == 0 => return err("division by zero", span),
                        ArithOp::Mod if k == 0 => return err("modulus by zero", span),
                        ArithOp::Shl | ArithOp::Shr if k > 31 => {
                            return err("shift by more than 31 bits", span)
                        }
                        _ => {}
                    }
                }
                // What libpcap's optimiser refuses (a divisor it proves zero, a shift by a known
                // amount over 31) is refused by our model of it, and only where the comparison
                // survives to its last pass (`optimize::optimiser_error`).
                (cx, fold(Val::Bin(*op, Box::new(vx), Box::new(vy))))
            }
            Arith::Load {
                proto,
                index,
                size,
                span,
            } => {
                let sz: u8 = match size {
                    1 => 1,
                    2 => 2,
                    4 => 4,
                    _ => return err("data size must be 1, 2, or 4", span),
                };
                let (ci, vi) = self.lower_arith(index)?;
                let (pc, base) = self.load_base(*proto, span)?;
                let val = match (&base, &vi) {
                    (LoadBase::Abs(b), Val::K(k)) if b.checked_add(*k).is_some() => {
                        Val::Load(abs(b + k, sz))
                    }
                    (LoadBase::Abs(b), _) => {
                        let (index, off) = offset_constants(vi, *b);
                        Val::LoadInd {
                            index: Box::new(index),
                            off,
                            size: sz,
                        }
                    }
                    // `ld #k; ldxms [hdr]; add x; tax; ld [x + off]`: the peephole moves k into the
                    // offset (wrapping), as for `ip[1 + x]`.
                    (LoadBase::Tran4, Val::K(k)) => Val::Load(self.tran4(*k, sz)),
                    (LoadBase::Tran4, _) => {
                        let hdr = self.ipv4_hdr();
                        let iphl = Val::Bin(
                            ArithOp::Shl,
                            Box::new(Val::Bin(
                                ArithOp::And,
                                Box::new(Val::Load(abs(hdr, 1))),
                                Box::new(Val::K(0x0f)),
                            )),
                            Box::new(Val::K(2)),
                        );
                        Val::LoadInd {
                            index: Box::new(Val::Bin(ArithOp::Add, Box::new(iphl), Box::new(vi))),
                            off: self.pl(0),
                            size: sz,
                        }
                    }
                };
                let conds = match proto {
                    Proto::Sctp
                    | Proto::Tcp
                    | Proto::Udp
                    | Proto::Icmp
                    | Proto::Igmp
                    | Proto::Igrp
                    | Proto::Pim
                    | Proto::Vrrp
                    | Proto::Carp => {
                        let ip = self.proto_abbrev(Proto::Ip, span)?;
                        and(ip, and(ci, pc))
                    }
                    Proto::Icmp6 => {
                        // index conditions, then ip6, then next header 58.
                        let ip6 = self.proto_abbrev(Proto::Ip6, span)?;
                        and(and(ci, ip6), cmp(self.pl(6), 1, 58))
                    }
                    _ => and(ci, pc),
                };
                (conds, val)
            }
        })
    }

    fn lower_rel(&mut self, a: &Arith, op: RelOp, b: &Arith) -> R<Pred> {
        let (ca, va) = self.lower_arith(a)?;
        let (cb, vb) = self.lower_arith(b)?;
        let rel = match op {
            RelOp::Gt => Rel::Gt,
            RelOp::Ge => Rel::Ge,
            RelOp::Eq => Rel::Eq,
            RelOp::Le => Rel::Le,
            RelOp::Lt => Rel::Lt,
            RelOp::Ne => Rel::Ne,
        };
        // Two literals are compared while the optimiser's first pass runs, so the test vanishes
        // like any decided test. Anything else stays a block of its own: libpcap computes it
        // through the X register, so it never shares a value number with the tests gencode
        // emits for primitives, and folding that makes it constant happens only in the last
        // pass, where the block (without its loads) and its guards remain.
        if let (Arith::Num(x), Arith::Num(y)) = (a, b) {
            return Ok(and(
                and(ca, cb),
                if rel.holds(*x, *y) {
                    Pred::True
                } else {
                    Pred::False
                },
            ));
        }
        Ok(and(and(ca, cb), Pred::Cmp(va, rel, vb)))
    }

    fn lower_other(&mut self, o: &Other, span: &Span) -> R<Pred> {
        Ok(match o {
            Other::Less(n) => Pred::Cmp(Val::Len, Rel::Le, Val::K(*n)),
            Other::Greater(n) => Pred::Cmp(Val::Len, Rel::Ge, Val::K(*n)),
            Other::Byte(idx, op, val) => {
                let l = abs(self.off_linkhdr.wrapping_add(*idx), 1);
                match op {
                    ByteOp::Eq => atom(l, u32::MAX, Rel::Eq, *val),
                    ByteOp::Lt => atom(l, u32::MAX, Rel::Lt, *val),
                    ByteOp::Gt => atom(l, u32::MAX, Rel::Gt, *val),
                    // libpcap emits these without loading the byte: the ALU works on whatever
                    // the accumulator holds, 0 at the start of a filter. We reproduce that
                    // starting value.
                    ByteOp::And => Pred::False,
                    ByteOp::Or => {
                        if *val != 0 {
                            Pred::True
                        } else {
                            Pred::False
                        }
                    }
                }
            }
            Other::Broadcast(p) => match p {
                Slot::Default | Slot::Is(Proto::Link) => {
                    if !is_ethernet_like(self.link) {
                        return err("not a broadcast link", span);
                    }
                    bcmp(self.off_linkhdr, &[0xff; 6])
                }
                Slot::Is(Proto::Ip) => {
                    let b0 = self.gen_linktype(ETHERTYPE_IP, span)?;
                    // tcpdump compiles with netmask 0 when reading files: broadcast is an
                    // all-zeros or all-ones destination.
                    let b1 = or(cmp(self.pl(16), 4, 0), cmp(self.pl(16), 4, u32::MAX));
                    and(b0, b1)
                }
                _ => return err("only link-layer/IP broadcast filters supported", span),
            },
            Other::Multicast(p) => match p {
                Slot::Default | Slot::Is(Proto::Link) => {
                    if !is_ethernet_like(self.link) {
                        return err(
                            "link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel",
                            span,
                        );
                    }
                    atom(abs(self.off_linkhdr, 1), 1, Rel::Ne, 0)
                }
                Slot::Is(Proto::Ip) => and(
                    self.gen_linktype(ETHERTYPE_IP, span)?,
                    atom(abs(self.pl(16), 1), u32::MAX, Rel::Ge, 224),
                ),
                Slot::Is(Proto::Ip6) => and(
                    self.gen_linktype(ETHERTYPE_IPV6, span)?,
                    cmp(self.pl(24), 1, 255),
                ),
                _ => {
                    return err(
                        "link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel",
                        span,
                    )
                }
            },
            Other::Vlan(num) => {
                if self.label_stack_depth > 0 {
                    return err("no VLAN match after MPLS", span);
                }
                if !is_ethernet_like(self.link) {
                    return err("no VLAN support for this link type", span);
                }
                let b0 = or(
                    or(
                        self.gen_linktype(ETHERTYPE_8021Q, span)?,
                        self.gen_linktype(ETHERTYPE_8021AD, span)?,
                    ),
                    self.gen_linktype(ETHERTYPE_8021QINQ, span)?,
                );
                let b = match num {
                    Some(n) => {
                        if *n > 0x0fff {
                            return err(
                                format!("VLAN tag {n} greater than maximum 4095"),
                                span,
                            );
                        }
                        and(b0, mcmp(self.pl(0), 2, *n, 0x0fff))
                    }
                    None => b0,
                };
                self.off_linkpl += 4;
                self.off_linktype = self.off_linktype.map(|o| o + 4);
                self.vlan_stack_depth += 1;
                b
            }
            Other::Mpls(num) => {
                let b0 = if self.label_stack_depth > 0 {
                    mcmp(self.pl(0).wrapping_sub(4).wrapping_add(2), 1, 0, 0x01)
                } else {
                    match self.link {
                        1 => self.gen_linktype(ETHERTYPE_MPLS, span)?,
                        DLT_PPP => self.gen_linktype(0x0281, span)?,
                        _ => return err("no MPLS support for this link type", span),
                    }
                };
                let b = match num {
                    Some(n) => {
                        if *n > 0xfffff {
                            return err(
                                format!("MPLS label {n} greater than maximum 1048575"),
                                span,
                            );
                        }
                        and(b0, mcmp(self.pl(0), 4, n << 12, 0xfffff000))
                    }
                    None => b0,
                };
                self.off_nl_nosnap += 4;
                self.off_nl += 4;
                self.label_stack_depth += 1;
                b
            }
            Other::Pppoed => self.gen_linktype(ETHERTYPE_PPPOED, span)?,
            Other::Pppoes(num) => {
                let b0 = self.gen_linktype(ETHERTYPE_PPPOES, span)?;
                let b = match num {
                    Some(n) => {
                        if *n > 0xffff {
                            return err(
                                format!("PPPoE session number {n} greater than maximum 65535"),
                                span,
                            );
                        }
                        and(b0, mcmp(self.pl(2), 4, *n, 0x0000ffff).with_size(2, self.pl(2)))
                    }
                    None => b0,
                };
                let hdr = self.pl(6);
                self.link = DLT_PPP;
                self.off_linkhdr = hdr;
                self.off_linktype = Some(hdr);
                self.off_linkpl = hdr + 2;
                self.off_nl = 0;
                self.off_nl_nosnap = 0;
                b
            }
            Other::Llc(sub) => {
                let base = match self.link {
                    1 => and(
                        atom(abs(self.linktype_off(0), 2), u32::MAX, Rel::Le, ETHERMTU),
                        atom(abs(self.llc(0), 2), u32::MAX, Rel::Ne, 0xffff),
                    ),
                    _ => return err("'llc' not supported for this link type", span),
                };
                let ctl = abs(self.llc(2), 1);
                let test = match sub.as_deref() {
                    None => return Ok(base),
                    Some(s) if s.eq_ignore_ascii_case("i") => atom(ctl, 0x01, Rel::Eq, 0),
                    Some(s) if s.eq_ignore_ascii_case("s") => atom(ctl, 0x03, Rel::Eq, 0x01),
                    Some(s) if s.eq_ignore_ascii_case("u") => atom(ctl, 0x03, Rel::Eq, 0x03),
                    Some(s) => {
                        let s_sub = match s {
                            "rr" => Some(0x01),
                            "rnr" => Some(0x05),
                            "rej" => Some(0x09),
                            _ => None,
                        };
                        let u_sub = match s {
                            "ui" => Some(0x03),
                            "ua" => Some(0x63),
                            "disc" => Some(0x43),
                            "dm" => Some(0x0f),
                            "sabme" => Some(0x6f),
                            "test" => Some(0xe3),
                            "xid" => Some(0xaf),
                            "frmr" => Some(0x87),
                            _ => None,
                        };
                        match (s_sub, u_sub) {
                            (Some(v), _) => atom(ctl, 0x0f, Rel::Eq, v),
                            (None, Some(v)) => atom(ctl, 0xef, Rel::Eq, v),
                            _ => return err(format!("unknown LLC type name \"{s}\""), span),
                        }
                    }
                };
                and(base, test)
            }
            Other::Geneve(_) => return err("'geneve' is not supported yet", span),
            Other::Inbound | Other::Outbound => {
                // The packet type field: 4 is PACKET_OUTGOING.
                let outgoing = match self.link {
                    113 => cmp(self.off_linkhdr, 2, 4),
                    276 => cmp(self.off_linkhdr + 10, 1, 4),
                    _ => {
                        return err("inbound/outbound not supported on this link type", span)
                    }
                };
                if matches!(o, Other::Inbound) {
                    not(outgoing)
                } else {
                    outgoing
                }
            }
            Other::Ifindex(n) => match self.link {
                276 => cmp(self.off_linkhdr + 4, 4, *n),
                _ => return err("ifindex not supported on this link type", span),
            },
            Other::Unsupported(what) => {
                return err(format!("{what} are not supported on this link type"), span)
            }
        })
    }

    /// The kind and the constant of a primitive that [`PrimTemplate`] may lower: an IPv4
    /// `host`/`net` (any direction; `ip`, `arp`, `rarp` or no protocol), or a numeric `port`.
    /// For those, the lowering reads the lowerer's state but does not change it, and the
    /// constant enters the predicate only as `u & mask` in the constants of some atoms.
    fn template_kind(&self, e: &Expr) -> Option<(PrimKind, u32)> {
        let Expr::Qualified { q, id, .. } = e else {
            return None;
        };
        if q.proto == Slot::Undef || q.dir == Slot::Undef {
            return None;
        }
        match id {
            Id::V4(s)
                if matches!(
                    q.addr,
                    Slot::Default | Slot::Is(Addr::Host) | Slot::Is(Addr::Net)
                ) && matches!(
                    q.proto,
                    Slot::Default
                        | Slot::Is(Proto::Ip)
                        | Slot::Is(Proto::Arp)
                        | Slot::Is(Proto::Rarp)
                ) =>
            {
                let (v, vlen) = atoin(s)?;
                Some((PrimKind::V4(*q, vlen), shl(v, 32 - vlen)))
            }
            Id::Num(v)
                if q.addr == Slot::Is(Addr::Port)
                    && *v <= 65535
                    && matches!(
                        q.proto,
                        Slot::Default
                            | Slot::Is(Proto::Tcp)
                            | Slot::Is(Proto::Udp)
                            | Slot::Is(Proto::Sctp)
                    ) =>
            {
                Some((PrimKind::Port(*q), *v))
            }
            _ => None,
        }
    }

    /// The lowering of `kind` with constant `u`, as `lower_qualified` computes it.
    fn lower_kind(&self, kind: &PrimKind, u: u32, span: &Span) -> R<Pred> {
        match kind {
            PrimKind::V4(q, vlen) => {
                let typestr = if q.addr == Slot::Is(Addr::Net) {
                    "net"
                } else {
                    "host"
                };
                self.gen_host(u, shl(u32::MAX, 32 - vlen), q.proto, q.dir, typestr, span)
            }
            PrimKind::Port(q) => {
                let pp = Self::port_proto(q.proto, "port", span)?;
                self.gen_port(u, pp, q.dir, span)
            }
        }
    }

    /// `e` lowered from the chain's current template when it has the template's kind;
    /// otherwise lowers `e` itself and records a new template (`Ok(None)`: `e` is not such a
    /// primitive, lower it the general way).
    fn lower_from_template(
        &mut self,
        e: &Expr,
        memo: &mut Option<PrimTemplate>,
    ) -> R<Option<Pred>> {
        let Some((kind, u)) = self.templates.then(|| self.template_kind(e)).flatten() else {
            return Ok(None);
        };
        if let Some(t) = memo.as_ref().filter(|t| t.kind == kind) {
            return Ok(Some(t.instantiate(u)));
        }
        let p = self.lower(e)?;
        // A second lowering with every bit of the constant flipped tells which atoms carry it;
        // anything else differing (it should not) means no template.
        let flipped = match kind {
            PrimKind::V4(_, vlen) => !u & shl(u32::MAX, 32 - vlen),
            PrimKind::Port(_) => !u & 0xffff,
        };
        let span = match e {
            Expr::Qualified { span, .. } => span.clone(),
            _ => 0..0,
        };
        *memo = match self.lower_kind(&kind, flipped, &span) {
            Ok(p2) => PrimTemplate::diff(kind, &p, u, &p2, flipped),
            Err(_) => None,
        };
        Ok(Some(p))
    }

    fn lower(&mut self, e: &Expr) -> R<Pred> {
        Ok(match e {
            Expr::Empty => Pred::True,
            Expr::And(operands) | Expr::Or(operands) => {
                // A run of one operator is a flat list (a 100,000-host rule is one `Or`): lower
                // the operands in source order (offsets change as we go) without recursing per
                // operand, and build the result right-deep, which every pass over the IR walks
                // in a loop.
                let is_and = matches!(e, Expr::And(..));
                let mut lowered = Vec::with_capacity(operands.len());
                // Runs of same-kind primitives (`host A or host B ...`) are lowered once and
                // then instantiated per constant (see `PrimTemplate`).
                let mut memo: Option<PrimTemplate> = None;
                for x in operands {
                    let p = match self.lower_from_template(x, &mut memo)? {
                        Some(p) => p,
                        None => {
                            memo = None;
                            self.lower(x)?
                        }
                    };
                    lowered.push(p);
                }
                let mut acc = lowered.pop().unwrap_or(Pred::True);
                while let Some(x) = lowered.pop() {
                    acc = if is_and { and(x, acc) } else { or(x, acc) };
                }
                acc
            }
            Expr::Not(a) => not(self.lower(a)?),
            Expr::Qualified { q, id, span } => self.lower_qualified(q, id, span)?,
            Expr::Proto(p, span) => self.proto_abbrev(*p, span)?,
            Expr::Rel(a, op, b, _) => self.lower_rel(a, *op, b)?,
            Expr::Other(o, span) => self.lower_other(o, span)?,
        })
    }
}

/// What decides a primitive's lowering apart from its constant: the qualifiers, and for IPv4
/// addresses the number of bits written (`10.1` is a /16 network).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PrimKind {
    V4(Qual, u32),
    Port(Qual),
}

/// One primitive's lowering with the atoms that carry its constant marked, so that the next
/// primitive of the same kind in a chain is a copy with new constants. A 10,000-host rule is
/// then lowered once, not 10,000 times; the result is the same predicate.
struct PrimTemplate {
    kind: PrimKind,
    pred: Pred,
    /// Preorder numbers (among atoms) of the atoms whose constant is `u & mask`, ascending.
    slots: Vec<usize>,
}

impl PrimTemplate {
    /// Compares the lowerings `a` (constant `u`) and `b` (constant `v`, differing from `u` in
    /// every bit that can matter): they must have one structure, and atoms that differ must
    /// differ only in a constant that is `u & mask` in `a` and `v & mask` in `b`.
    fn diff(kind: PrimKind, a: &Pred, u: u32, b: &Pred, v: u32) -> Option<PrimTemplate> {
        fn walk(a: &Pred, b: &Pred, u: u32, v: u32, n: &mut usize, slots: &mut Vec<usize>) -> bool {
            match (a, b) {
                (Pred::Atom(x), Pred::Atom(y)) => {
                    let i = *n;
                    *n += 1;
                    if x == y {
                        return true;
                    }
                    let same_but_k = Atom { k: y.k, ..*x } == *y;
                    if same_but_k && x.k == u & x.mask && y.k == v & y.mask {
                        slots.push(i);
                        true
                    } else {
                        false
                    }
                }
                (Pred::And(a1, a2), Pred::And(b1, b2)) | (Pred::Or(a1, a2), Pred::Or(b1, b2)) => {
                    walk(a1, b1, u, v, n, slots) && walk(a2, b2, u, v, n, slots)
                }
                (Pred::Not(x), Pred::Not(y)) => walk(x, y, u, v, n, slots),
                (x, y) => x == y && !matches!(x, Pred::Atom(_)),
            }
        }
        let mut slots = Vec::new();
        walk(a, b, u, v, &mut 0, &mut slots).then(|| PrimTemplate {
            kind,
            pred: a.clone(),
            slots,
        })
    }

    /// The lowering for constant `u`.
    fn instantiate(&self, u: u32) -> Pred {
        fn copy(p: &Pred, u: u32, n: &mut usize, slots: &mut &[usize]) -> Pred {
            match p {
                Pred::Atom(a) => {
                    let i = *n;
                    *n += 1;
                    if slots.first() == Some(&i) {
                        *slots = &slots[1..];
                        Pred::Atom(Atom {
                            k: u & a.mask,
                            ..*a
                        })
                    } else {
                        Pred::Atom(*a)
                    }
                }
                Pred::And(a, b) => {
                    let a = copy(a, u, n, slots);
                    Pred::and(a, copy(b, u, n, slots))
                }
                Pred::Or(a, b) => {
                    let a = copy(a, u, n, slots);
                    Pred::or(a, copy(b, u, n, slots))
                }
                Pred::Not(a) => Pred::not(copy(a, u, n, slots)),
                other => other.clone(),
            }
        }
        copy(&self.pred, u, &mut 0, &mut &self.slots[..])
    }
}

/// The immediate that the first instruction of libpcap's code for `a` loads, if any.
fn first_immediate(a: &Arith) -> Option<u32> {
    match a {
        Arith::Num(n) => Some(*n),
        Arith::Len => None,
        Arith::Load { index, .. } => first_immediate(index),
        Arith::Bin(_, x, _, _) => first_immediate(x),
        Arith::Neg(x) => first_immediate(x),
    }
}

enum LoadBase {
    Abs(u32),
    Tran4,
}

fn addr_name(a: Addr) -> &'static str {
    match a {
        Addr::Host => "host",
        Addr::Net => "net",
        Addr::Port => "port",
        Addr::Portrange => "portrange",
        Addr::Proto => "proto",
        Addr::Protochain => "protochain",
        Addr::Gateway => "gateway",
    }
}

trait WithSize {
    fn with_size(self, size: u8, off: u32) -> Pred;
}

impl WithSize for Pred {
    /// Narrows a 4-byte masked compare to the load size libpcap really emits.
    fn with_size(self, size: u8, off: u32) -> Pred {
        match self {
            Pred::Atom(mut a) => {
                a.load = abs(off, size);
                Pred::Atom(a)
            }
            p => p,
        }
    }
}

/// libpcap's peephole for `ld #k; add x; tax; ld [x + off]`: a constant added on the left of an
/// index moves into the load's offset (`ip[1 + x]` reads `[x + 15]` on Ethernet), so an index
/// whose sum would wrap past 2^32 is out of bounds instead (`ip[1 + ether[30:4]]` rejects a
/// broadcast to 255.255.255.255; `ip[ether[30:4] + 1]` reads `ip[0]`). Repeats for nested sums.
fn offset_constants(mut index: Val, mut off: u32) -> (Val, u32) {
    while let Val::Bin(ArithOp::Add, a, b) = &index {
        let Val::K(k) = **a else { break };
        off = off.wrapping_add(k);
        index = (**b).clone();
    }
    (index, off)
}

/// Constant folding of arithmetic, as libpcap's optimiser does.
///
/// Besides folding constant operands, libpcap's optimiser treats a zero operand specially, and
/// the loads of an operand it discards disappear with it: `x & 0` and `x * 0` are 0; `x + 0`,
/// `x | 0`, `x ^ 0`, `x << 0`, `x >> 0` are x; with a zero on the left, `+ | ^` give the right
/// operand and every other operator gives 0 (even `0 / x`).
fn fold(v: Val) -> Val {
    use ArithOp::*;
    match v {
        Val::Bin(op, a, b) => match (&*a, &*b) {
            (Val::K(x), Val::K(y)) => match op.apply(*x, *y) {
                Some(r) => Val::K(r),
                None => Val::Bin(op, a, b),
            },
            (_, Val::K(0)) => match op {
                Add | Shl | Shr | Or | Xor => *a,
                Mul | And => Val::K(0),
                _ => Val::Bin(op, a, b),
            },
            (Val::K(0), _) => match op {
                Add | Or | Xor => *b,
                Mul | Div | Mod | And | Shl | Shr => Val::K(0),
                Sub => Val::Bin(op, a, b),
            },
            _ => Val::Bin(op, a, b),
        },
        Val::Neg(a) => match *a {
            Val::K(x) => Val::K(x.wrapping_neg()),
            a => Val::Neg(Box::new(a)),
        },
        v => v,
    }
}

/// Lowers a parsed expression for captures of link type `link`.
pub fn lower(e: &Expr, link: LinkType) -> Result<Pred, FilterError> {
    let (p, optimise) = lower_unoptimised(e, link)?;
    apply_optimiser(p, optimise)
}

/// The first half of [`lower`]: the predicate as generated, before the libpcap-optimiser
/// model, and whether that model applies to it (`protochain` turns it off, as in libpcap).
pub(crate) fn lower_unoptimised(e: &Expr, link: LinkType) -> Result<(Pred, bool), FilterError> {
    let mut l = Lowerer::new(link, &(0..0))?;
    let p = l.lower(e)?;
    Ok((p, !l.no_optimize))
}

/// The second half of [`lower`].
pub(crate) fn apply_optimiser(p: Pred, optimise: bool) -> Result<Pred, FilterError> {
    if !optimise {
        return Ok(p);
    }
    match crate::optimize::optimize(p) {
        crate::optimize::Optimized::Pred(p) => Ok(p),
        crate::optimize::Optimized::Error(msg) => Err(FilterError::new(msg, 0..usize::MAX)),
        crate::optimize::Optimized::RejectsAll => {
            Err(FilterError::new(crate::lang::REJECTS_ALL, 0..usize::MAX))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower_both(src: &str, link: LinkType) -> (R<Pred>, R<Pred>) {
        let ast = crate::lang::parse(src).expect("test expressions parse");
        let run = |templates: bool| {
            let mut l = Lowerer::new(link, &(0..0))?;
            l.templates = templates;
            l.lower(&ast)
        };
        (run(true), run(false))
    }

    #[test]
    fn templated_runs_lower_to_the_same_predicate() {
        let hosts = |prefix: &str, n: u32| {
            (0..n)
                .map(|i| format!("{prefix} 10.{}.{}.{}", i % 3, i / 7, 255 - i))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let cases = [
            hosts("host", 20),
            hosts("src host", 9),
            hosts("dst net", 9),
            hosts("ip host", 9),
            hosts("arp host", 9),
            hosts("rarp src or dst host", 9),
            hosts("ip src and dst host", 9),
            "host 1.2.3.4 or 5.6.7.8 or 9.10.11.12 or host 0.0.0.0 or 255.255.255.255".into(),
            "net 10.1 or net 10.2 or net 192.168 or net 172.16.1 or 10.9".into(),
            "host 1.2.3.4 or src host 1.2.3.5 or dst host 1.2.3.6 or host 1.2.3.7".into(),
            "port 80 or port 443 or port 0 or port 65535 or tcp port 22 or udp port 53 or 54"
                .into(),
            "src port 1 or dst port 2 or port 3 or sctp port 4 or 5 or 6".into(),
            "host 1.2.3.4 or vlan or host 1.2.3.5 or host 1.2.3.6 or vlan 3 or host 1.2.3.7".into(),
            "host 1.2.3.4 or mpls or host 1.2.3.5 or host 1.2.3.6".into(),
            "tcp and host 1.2.3.4 and host 1.2.3.5 and not host 1.2.3.6 and host 7.8.9.10".into(),
            "(host 1.2.3.4 or host 1.2.3.5) and (port 1 or port 2 or port 3)".into(),
            "decnet host 10.20 or decnet host 10.21 or decnet host 10.22".into(),
            "ip6 and (host 1.2.3.4 or host 1.2.3.5 or host ::1 or host 1.2.3.6)".into(),
        ];
        for link in [LinkType::ETHERNET, LinkType(113), LinkType(101)] {
            for src in &cases {
                let (t, g) = lower_both(src, link);
                assert_eq!(t, g, "{src} on link {}", link.0);
            }
        }
    }

    #[test]
    fn errors_in_a_templated_run_are_the_general_ones() {
        for src in [
            "host 1.2.3.4 or host 1.2.3.5 or host 1.2.3.300",
            "port 1 or port 2 or port 70000",
            "ether host 1.2.3.4 or ether host 1.2.3.5",
            "host 1.2.3.4 or host 1.2.3.5 or port 1.2.3.6",
        ] {
            let (t, g) = lower_both(src, LinkType::ETHERNET);
            assert!(g.is_err(), "{src}");
            assert_eq!(t, g, "{src}");
        }
    }

    /// After `pppoes` the link type is PPP, where libpcap's `ethertype_to_ppptype` maps the
    /// `ipx` keyword (SAP 0xe0) to PPP_IPX (0x2b), and leaves the IPX ethertype alone.
    #[test]
    fn ipx_over_pppoe_is_ppp_ipx() {
        let mut pkt = vec![0u8; 40];
        pkt[12..14].copy_from_slice(&0x8864u16.to_be_bytes());
        pkt[20..22].copy_from_slice(&0x002bu16.to_be_bytes());
        let pk = crate::ir::Packet::new(&pkt, 40);
        let ipx = crate::compile("pppoes and ipx", LinkType::ETHERNET).unwrap();
        assert!(ipx.matches(&pk), "{ipx}");
        let eth = crate::compile("pppoes and ether proto 0x8137", LinkType::ETHERNET).unwrap();
        assert!(!eth.matches(&pk), "{eth}");
    }
}
