//! Synthetic traces for benchmarks and tests, in the spirit of `gen_flows.py` (the anchor the
//! issue measures libpcap with): `flows` known TCP connections from clients in 198.51.100.0/24
//! to 192.0.2.1 on ports 80/443/8080/22 carry 80% of the packets; the rest is TCP SYNs from
//! 203.0.113.0/24 to random ports, UDP DNS-like queries, ARP requests, ICMP echo requests and
//! IPv6 UDP (mDNS-like). One rule per flow, written as the anchor writes it:
//! `connN: tcp and src host A and src port P and dst host 192.0.2.1 and dst port Q`.
//!
//! The generator is deterministic for a given seed (a SplitMix64 stream), so a trace and its
//! rules can be regenerated instead of stored.

use std::collections::HashSet;
use std::io::Write;
use std::time::Duration;

use crate::ir::{Base, Load, Pred, Rel};

/// The server every known flow talks to.
pub const SERVER: [u8; 4] = [192, 0, 2, 1];

/// A TCP flow: client address and port, server port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Flow {
    pub client: [u8; 4],
    pub sport: u16,
    pub dport: u16,
}

/// SplitMix64: small, fast, and good enough to shuffle synthetic traffic.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo)
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` distinct flows. Client addresses cycle through 198.51.100.1-254; ports make them unique.
pub fn flows(n: usize, rng: &mut Rng) -> Vec<Flow> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let f = Flow {
            client: [198, 51, 100, rng.range(1, 255) as u8],
            sport: rng.range(1024, 65535) as u16,
            dport: [80, 443, 8080, 22][rng.range(0, 4) as usize],
        };
        if seen.insert(f) {
            out.push(f);
        }
    }
    out
}

fn dotted(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// The rule file for `flows`, one line per flow.
pub fn rules_text(flows: &[Flow]) -> String {
    let mut s = String::new();
    for (i, f) in flows.iter().enumerate() {
        s.push_str(&format!(
            "conn{i}: tcp and src host {} and src port {} and dst host {} and dst port {}\n",
            dotted(f.client),
            f.sport,
            dotted(SERVER),
            f.dport
        ));
    }
    s
}

fn csum(b: &[u8]) -> u16 {
    let mut s: u32 = 0;
    for c in b.chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

const SMAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const CMAC: [u8; 6] = [2, 0, 0, 0, 0, 2];

fn eth(dst: [u8; 6], src: [u8; 6], et: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(14 + payload.len());
    p.extend_from_slice(&dst);
    p.extend_from_slice(&src);
    p.extend_from_slice(&et.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn ip4(src: [u8; 4], dst: [u8; 4], proto: u8, payload: &[u8], id: u16) -> Vec<u8> {
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&(20 + payload.len() as u16).to_be_bytes());
    h.extend_from_slice(&id.to_be_bytes());
    h.extend_from_slice(&[0x40, 0, 64, proto, 0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let c = csum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

#[allow(clippy::too_many_arguments)]
fn tcp(
    src: [u8; 4],
    dst: [u8; 4],
    sp: u16,
    dp: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    data: &[u8],
) -> Vec<u8> {
    let mut h = Vec::with_capacity(20 + data.len());
    h.extend_from_slice(&sp.to_be_bytes());
    h.extend_from_slice(&dp.to_be_bytes());
    h.extend_from_slice(&seq.to_be_bytes());
    h.extend_from_slice(&ack.to_be_bytes());
    h.extend_from_slice(&[5 << 4, flags, 0xff, 0xff, 0, 0, 0, 0]);
    h.extend_from_slice(data);
    let mut ph = Vec::with_capacity(12 + h.len());
    ph.extend_from_slice(&src);
    ph.extend_from_slice(&dst);
    ph.extend_from_slice(&[0, 6]);
    ph.extend_from_slice(&(h.len() as u16).to_be_bytes());
    ph.extend_from_slice(&h);
    let c = csum(&ph);
    h[16..18].copy_from_slice(&c.to_be_bytes());
    h
}

/// A trace held as a capture file holds it: every frame behind a 16-byte record header in one
/// buffer (what `dpf replay` walks in a mapped file, and what a capture ring looks like), rather
/// than one heap allocation per frame, whose scattered addresses the hardware prefetchers do
/// not follow.
pub struct Contiguous {
    buf: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl Contiguous {
    pub fn new(packets: &[Vec<u8>]) -> Contiguous {
        let mut buf = Vec::with_capacity(packets.iter().map(|p| p.len() + 16).sum());
        let mut spans = Vec::with_capacity(packets.len());
        for p in packets {
            buf.extend_from_slice(&[0u8; 16]);
            spans.push((buf.len(), p.len()));
            buf.extend_from_slice(p);
        }
        Contiguous { buf, spans }
    }

    /// The frames, in order, as slices of the one buffer.
    pub fn packets(&self) -> Vec<&[u8]> {
        self.spans
            .iter()
            .map(|&(at, len)| &self.buf[at..at + len])
            .collect()
    }
}

/// `npackets` Ethernet frames: 80% on `flows`, the rest noise (see the module documentation).
pub fn packets(flows: &[Flow], npackets: usize, rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(npackets);
    for k in 0..npackets {
        let r = rng.unit();
        let id = rng.range(0, 65536) as u16;
        let p = if r < 0.80 && !flows.is_empty() {
            let f = flows[rng.range(0, flows.len() as u64) as usize];
            let len = [0, 0, 64, 512, 1400][rng.range(0, 5) as usize];
            let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            let (seq, ack) = (rng.next_u64() as u32, rng.next_u64() as u32);
            let t = tcp(f.client, SERVER, f.sport, f.dport, seq, ack, 0x18, &data);
            eth(SMAC, CMAC, 0x0800, &ip4(f.client, SERVER, 6, &t, id))
        } else if r < 0.88 {
            let c = [203, 0, 113, rng.range(1, 255) as u8];
            let (sp, dp) = (rng.range(1024, 65535) as u16, rng.range(1, 65535) as u16);
            eth(
                SMAC,
                CMAC,
                0x0800,
                &ip4(c, SERVER, 6, &tcp(c, SERVER, sp, dp, 1, 0, 0x02, &[]), id),
            )
        } else if r < 0.94 {
            let c = [198, 51, 100, rng.range(1, 255) as u8];
            let mut u = Vec::new();
            u.extend_from_slice(&(rng.range(1024, 65535) as u16).to_be_bytes());
            u.extend_from_slice(&53u16.to_be_bytes());
            u.extend_from_slice(&40u16.to_be_bytes());
            u.extend_from_slice(&[0, 0]);
            u.extend_from_slice(&[0; 32]);
            eth(SMAC, CMAC, 0x0800, &ip4(c, SERVER, 17, &u, id))
        } else if r < 0.97 {
            let mut a = vec![0, 1, 8, 0, 6, 4, 0, 1];
            a.extend_from_slice(&CMAC);
            a.extend_from_slice(&[198, 51, 100, 7]);
            a.extend_from_slice(&[0; 6]);
            a.extend_from_slice(&SERVER);
            eth([0xff; 6], CMAC, 0x0806, &a)
        } else if r < 0.985 {
            let mut ic = vec![8, 0, 0, 0, 0, 1];
            ic.extend_from_slice(&(k as u16).to_be_bytes());
            ic.extend_from_slice(&[0; 56]);
            let c = csum(&ic);
            ic[2..4].copy_from_slice(&c.to_be_bytes());
            eth(
                SMAC,
                CMAC,
                0x0800,
                &ip4([198, 51, 100, 9], SERVER, 1, &ic, id),
            )
        } else {
            let mut v6 = vec![0x60, 0, 0, 0, 0, 24, 17, 64];
            v6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
            v6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
            v6.extend_from_slice(&[0x14, 0xe9, 0x14, 0xe9, 0, 24, 0, 0]);
            v6.extend_from_slice(&[0; 16]);
            eth(SMAC, CMAC, 0x86dd, &v6)
        };
        out.push(p);
    }
    out
}

/// Writes `packets` as an Ethernet pcap (microsecond timestamps, 10 us apart).
pub fn write_pcap<W: Write>(w: W, packets: &[Vec<u8>]) -> Result<(), pcap_file::PcapError> {
    let mut pw = pcap_file::pcap::PcapWriter::new(w)?;
    let t0 = Duration::from_secs(1_700_000_000);
    for (i, p) in packets.iter().enumerate() {
        let ts = t0 + Duration::from_micros(10 * (i as u64 + 1));
        pw.write_packet(&pcap_file::pcap::PcapPacket::new(ts, p.len() as u32, p))?;
    }
    Ok(())
}

// ---- Predicates built directly, shaped like libpcap's code for the same expressions. ----
// They let benchmarks and tests run before (and independently of) the parser.

fn eq(off: u32, size: u8, k: u32) -> Pred {
    Pred::atom(off, size, u32::MAX, Rel::Eq, k)
}
fn ip4_l4(off: u32, size: u8, k: u32) -> Pred {
    Pred::Atom(crate::ir::Atom {
        load: Load {
            base: Base::IpHdrLen { at: 14 },
            off: 14 + off,
            size,
        },
        mask: u32::MAX,
        rel: Rel::Eq,
        k,
    })
}

/// `tcp`: IPv4 protocol 6, or IPv6 next header 6 (directly or after a fragment header), as
/// libpcap's code for `tcp` tests it.
pub fn tcp_pred() -> Pred {
    Pred::or(
        Pred::and(eq(12, 2, 0x0800), eq(23, 1, 6)),
        Pred::and(
            eq(12, 2, 0x86dd),
            Pred::or(eq(20, 1, 6), Pred::and(eq(20, 1, 44), eq(54, 1, 6))),
        ),
    )
}

/// `src host A` / `dst host A` (IPv4, ARP and RARP, as libpcap expands a bare `host`).
pub fn host_pred(a: [u8; 4], src: bool) -> Pred {
    let a = u32::from_be_bytes(a);
    let (ip_off, arp_off) = if src { (26, 28) } else { (30, 38) };
    Pred::or(
        Pred::or(
            Pred::and(eq(12, 2, 0x0800), eq(ip_off, 4, a)),
            Pred::and(eq(12, 2, 0x0806), eq(arp_off, 4, a)),
        ),
        Pred::and(eq(12, 2, 0x8035), eq(arp_off, 4, a)),
    )
}

/// `host A`: either direction.
pub fn any_host_pred(a: [u8; 4]) -> Pred {
    Pred::or(host_pred(a, true), host_pred(a, false))
}

/// `src port P` / `dst port P`: TCP, UDP or SCTP, over IPv6 or non-fragmented IPv4.
pub fn port_pred(p: u16, src: bool) -> Pred {
    let o = if src { 0 } else { 2 };
    let l4 = |ip6: bool| {
        let (off, size) = if ip6 { (20, 1) } else { (23, 1) };
        Pred::or(
            Pred::or(eq(off, size, 132), eq(off, size, 17)),
            eq(off, size, 6),
        )
    };
    let v6 = Pred::and(
        Pred::and(eq(12, 2, 0x86dd), l4(true)),
        eq(54 + o, 2, u32::from(p)),
    );
    let v4 = Pred::and(
        Pred::and(
            Pred::and(eq(12, 2, 0x0800), l4(false)),
            Pred::not(Pred::atom(20, 2, 0x1fff, Rel::Ne, 0)),
        ),
        ip4_l4(o, 2, u32::from(p)),
    );
    Pred::or(v6, v4)
}

/// The rule `rules_text` writes for `f`, as a predicate.
pub fn flow_pred(f: &Flow) -> Pred {
    let mut p = tcp_pred();
    p = Pred::and(p, host_pred(f.client, true));
    p = Pred::and(p, port_pred(f.sport, true));
    p = Pred::and(p, host_pred(SERVER, false));
    Pred::and(p, port_pred(f.dport, false))
}

/// `host A or host B or ...` over `hosts`, in the order libpcap's optimiser leaves it (which
/// decides what a truncated packet rejects): every IPv4 source, then every IPv4 destination;
/// for ARP and RARP every sender, then every target address.
pub fn hosts_pred(hosts: &[[u8; 4]]) -> Pred {
    if hosts.is_empty() {
        return Pred::False;
    }
    let any_of = |off: u32| {
        let mut it = hosts.iter().map(|h| eq(off, 4, u32::from_be_bytes(*h)));
        let first = it.next().expect("non-empty");
        it.fold(first, Pred::or)
    };
    Pred::or(
        Pred::and(eq(12, 2, 0x0800), Pred::or(any_of(26), any_of(30))),
        Pred::and(
            Pred::or(eq(12, 2, 0x0806), eq(12, 2, 0x8035)),
            Pred::or(any_of(28), any_of(38)),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Packet;

    #[test]
    fn flow_rules_match_their_flows_only() {
        let mut rng = Rng::new(7);
        let fl = flows(20, &mut rng);
        let pk = packets(&fl, 2000, &mut rng);
        let preds: Vec<Pred> = fl.iter().map(flow_pred).collect();
        let mut on_flow = 0;
        for p in &pk {
            let pkt = Packet::new(p, p.len() as u32);
            let hits: Vec<usize> = (0..preds.len())
                .filter(|&i| preds[i].matches(&pkt))
                .collect();
            assert!(hits.len() <= 1, "flows are distinct");
            on_flow += hits.len();
        }
        // 80% of the packets are on known flows (binomial: 1,600 +- a few dozen).
        assert!((1500..1700).contains(&on_flow), "{on_flow}");
    }

    #[test]
    fn rules_text_names_every_flow() {
        let mut rng = Rng::new(1);
        let fl = flows(3, &mut rng);
        let t = rules_text(&fl);
        assert_eq!(t.lines().count(), 3);
        assert!(t.starts_with("conn0: tcp and src host 198.51.100."));
        assert!(t.contains("dst host 192.0.2.1 and dst port"));
    }
}
