//! The project's own small traces in `pcaps/`, built here deterministically (a seeded
//! generator of a small office network's traffic), and the demo rule file that
//! `scripts/demo` replays them through.
//!
//! `cargo test -p dpf --test cli_pcaps` checks that the committed files are exactly what this
//! generator writes; `DPF_WRITE_PCAPS=1 cargo test -p dpf --test cli_pcaps` rewrites them.

mod e2e_common;
use e2e_common::dpf;

use std::path::{Path, PathBuf};

fn pcaps_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../pcaps")).to_path_buf()
}

/// A tiny deterministic generator (xorshift64*), so the traces never change by accident.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn checksum(b: &[u8]) -> u16 {
    let mut s: u32 = b
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]) as u32)
        .sum();
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

const GW_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x0a, 0x00, 0x01];

fn host_mac(h: u8) -> [u8; 6] {
    [0x02, 0x00, 0x5e, 0x10, 0x00, h]
}

fn lan(h: u8) -> [u8; 4] {
    [192, 168, 1, h]
}

/// Ethernet header, with an 802.1Q tag when `vlan` is set.
fn ether(dst: [u8; 6], src: [u8; 6], vlan: Option<u16>, ethertype: u16) -> Vec<u8> {
    let mut f = Vec::with_capacity(128);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    if let Some(id) = vlan {
        f.extend_from_slice(&0x8100u16.to_be_bytes());
        f.extend_from_slice(&id.to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    f
}

/// IPv4 header (with its checksum) followed by `payload`.
fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, id: u16, frag: u16, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
    h.extend_from_slice(&id.to_be_bytes());
    h.extend_from_slice(&frag.to_be_bytes());
    h.extend_from_slice(&[64, proto, 0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let c = checksum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

fn udp(sport: u16, dport: u16, data: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(data);
    u
}

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
const PSH: u8 = 0x08;
const FIN: u8 = 0x01;
const RST: u8 = 0x04;

fn tcp(sport: u16, dport: u16, seq: u32, ack: u32, flags: u8, data: &[u8]) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&sport.to_be_bytes());
    t.extend_from_slice(&dport.to_be_bytes());
    t.extend_from_slice(&seq.to_be_bytes());
    t.extend_from_slice(&ack.to_be_bytes());
    t.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    t.extend_from_slice(data);
    t
}

fn icmp_echo(kind: u8, id: u16, seq: u16) -> Vec<u8> {
    let mut m = vec![kind, 0, 0, 0];
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(&[0x61; 32]);
    let c = checksum(&m);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

fn arp(op: u16, smac: [u8; 6], sip: [u8; 4], tip: [u8; 4]) -> Vec<u8> {
    let mut a = vec![0, 1, 8, 0, 6, 4];
    a.extend_from_slice(&op.to_be_bytes());
    a.extend_from_slice(&smac);
    a.extend_from_slice(&sip);
    a.extend_from_slice(&[0; 6]);
    a.extend_from_slice(&tip);
    a
}

fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut q = Vec::new();
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    q
}

/// A minimal IPv6 + ICMPv6 echo request (checksum left zero: filters do not look at it).
fn ipv6_ping(src_host: u8, seq: u16) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0, 0, 16, 58, 64];
    p.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, src_host]);
    p.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    p.extend_from_slice(&[128, 0, 0, 0, 0, 7]);
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&[0x62; 8]);
    p
}

struct Trace {
    packets: Vec<(u64, Vec<u8>)>,
    clock_us: u64,
    rng: Rng,
}

impl Trace {
    fn new(seed: u64) -> Self {
        Trace {
            packets: Vec::new(),
            clock_us: 1_767_225_600_000_000, // 2026-01-01T00:00:00Z
            rng: Rng(seed),
        }
    }

    fn push(&mut self, frame: Vec<u8>) {
        self.clock_us += 50 + self.rng.below(4_000);
        self.packets.push((self.clock_us, frame));
    }

    /// A host on VLAN `vlan` (or untagged) talking to the outside through the gateway.
    fn out(&mut self, h: u8, vlan: Option<u16>, dst: [u8; 4], proto: u8, l4: Vec<u8>) {
        let id = self.rng.below(65_536) as u16;
        let f = [
            ether(GW_MAC, host_mac(h), vlan, 0x0800),
            ipv4(lan(h), dst, proto, id, 0x4000, &l4),
        ]
        .concat();
        self.push(f);
    }

    fn back(&mut self, h: u8, vlan: Option<u16>, src: [u8; 4], proto: u8, l4: Vec<u8>) {
        let id = self.rng.below(65_536) as u16;
        let f = [
            ether(host_mac(h), GW_MAC, vlan, 0x0800),
            ipv4(src, lan(h), proto, id, 0x4000, &l4),
        ]
        .concat();
        self.push(f);
    }

    fn web_session(&mut self, h: u8, vlan: Option<u16>, server: [u8; 4], port: u16) {
        let sport = 40_000 + self.rng.below(20_000) as u16;
        let (c, s) = (self.rng.next() as u32, self.rng.next() as u32);
        self.out(h, vlan, server, 6, tcp(sport, port, c, 0, SYN, &[]));
        self.back(
            h,
            vlan,
            server,
            6,
            tcp(port, sport, s, c + 1, SYN | ACK, &[]),
        );
        self.out(h, vlan, server, 6, tcp(sport, port, c + 1, s + 1, ACK, &[]));
        let req = b"GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n";
        self.out(
            h,
            vlan,
            server,
            6,
            tcp(sport, port, c + 1, s + 1, PSH | ACK, req),
        );
        let body = vec![b'x'; 200 + self.rng.below(1_200) as usize];
        self.back(
            h,
            vlan,
            server,
            6,
            tcp(
                port,
                sport,
                s + 1,
                c + 1 + req.len() as u32,
                PSH | ACK,
                &body,
            ),
        );
        self.out(
            h,
            vlan,
            server,
            6,
            tcp(
                sport,
                port,
                c + 1 + req.len() as u32,
                s + 1 + body.len() as u32,
                FIN | ACK,
                &[],
            ),
        );
    }

    fn dns(&mut self, h: u8, vlan: Option<u16>) {
        let names = [
            "example.org",
            "mail.example.com",
            "ntp.pool.org",
            "updates.vendor.net",
        ];
        let name = names[self.rng.below(names.len() as u64) as usize];
        let id = self.rng.below(65_536) as u16;
        let sport = 30_000 + self.rng.below(30_000) as u16;
        let q = dns_query(id, name);
        self.out(h, vlan, [9, 9, 9, 9], 17, udp(sport, 53, &q));
        let mut r = q.clone();
        r[2] = 0x81;
        r[3] = 0x80;
        r.extend_from_slice(&[
            0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 93, 184, 216, 34,
        ]);
        self.back(h, vlan, [9, 9, 9, 9], 17, udp(53, sport, &r));
    }

    fn bytes(&self) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        b.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        b.extend_from_slice(&65_535u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        for (t, f) in &self.packets {
            b.extend_from_slice(&((t / 1_000_000) as u32).to_le_bytes());
            b.extend_from_slice(&((t % 1_000_000) as u32).to_le_bytes());
            b.extend_from_slice(&(f.len() as u32).to_le_bytes());
            b.extend_from_slice(&(f.len() as u32).to_le_bytes());
            b.extend_from_slice(f);
        }
        b
    }
}

/// An office LAN's uplink: web and TLS sessions, DNS, NTP, SSH, pings, ARP, IPv6 neighbours,
/// a port scan from one host and a few IPv4 fragments.
fn office() -> Trace {
    let mut t = Trace::new(0x0ff1ce);
    for round in 0..120u16 {
        let h = 10 + t.rng.below(30) as u8;
        match t.rng.below(10) {
            0..=2 => t.web_session(h, None, [93, 184, 216, 34], 80),
            3..=4 => t.web_session(h, None, [151, 101, 1, 69], 443),
            5..=6 => t.dns(h, None),
            7 => {
                let n = udp(123, 123, &[0x23; 48]);
                t.out(h, None, [162, 159, 200, 1], 17, n);
            }
            8 => {
                t.out(h, None, [8, 8, 8, 8], 1, icmp_echo(8, h as u16, round));
                t.back(h, None, [8, 8, 8, 8], 1, icmp_echo(0, h as u16, round));
            }
            _ => {
                let sport = 50_000 + round;
                let ssh = tcp(
                    sport,
                    22,
                    round as u32,
                    0,
                    PSH | ACK,
                    b"SSH-2.0-OpenSSH_9.6\r\n",
                );
                t.out(h, None, [203, 0, 113, 7], 6, ssh);
            }
        }
        if round % 15 == 0 {
            let a = arp(1, host_mac(h), lan(h), lan(1));
            t.push([ether([0xff; 6], host_mac(h), None, 0x0806), a].concat());
            let r = arp(2, GW_MAC, lan(1), lan(h));
            t.push([ether(host_mac(h), GW_MAC, None, 0x0806), r].concat());
        }
        if round % 20 == 0 {
            let v6 = ipv6_ping(h, round);
            t.push(
                [
                    ether([0x33, 0x33, 0, 0, 0, 1], host_mac(h), None, 0x86dd),
                    v6,
                ]
                .concat(),
            );
        }
    }
    // One host scans a server's low ports; most answer with a reset.
    for port in 1..=200u16 {
        t.out(
            66,
            None,
            [198, 51, 100, 20],
            6,
            tcp(61_000, port, 7, 0, SYN, &[]),
        );
        let reply = if [22, 25, 80, 443].contains(&port) {
            SYN | ACK
        } else {
            RST | ACK
        };
        t.back(
            66,
            None,
            [198, 51, 100, 20],
            6,
            tcp(port, 61_000, 9, 8, reply, &[]),
        );
    }
    // A datagram in fragments: only the first carries the UDP header.
    let big = udp(5_000, 5_001, &[0x5a; 2_000]);
    for (i, chunk) in big.chunks(1_480).enumerate() {
        let more = if i == 0 { 0x2000 } else { 0 };
        let f = [
            ether(GW_MAC, host_mac(12), None, 0x0800),
            ipv4(
                lan(12),
                [198, 51, 100, 9],
                17,
                0x4242,
                more | (i * 185) as u16,
                chunk,
            ),
        ]
        .concat();
        t.push(f);
    }
    t
}

/// A trunk port: the same kinds of traffic on VLANs 10 (staff), 20 (guests) and 30 (voice).
fn trunk() -> Trace {
    let mut t = Trace::new(0x7a9);
    for round in 0..150u16 {
        let vlan = [10, 20, 30][t.rng.below(3) as usize];
        let h = 10 + t.rng.below(40) as u8;
        match (vlan, t.rng.below(4)) {
            (30, _) => {
                let rtp = udp(16_384 + round, 16_384, &[0x80; 172]);
                t.out(h, Some(vlan), [10, 30, 0, 5], 17, rtp);
            }
            (_, 0) => t.dns(h, Some(vlan)),
            (_, 1) => {
                t.out(h, Some(vlan), [1, 1, 1, 1], 1, icmp_echo(8, 1, round));
            }
            _ => t.web_session(h, Some(vlan), [93, 184, 216, 34], 443),
        }
    }
    t
}

fn traces() -> Vec<(&'static str, Trace)> {
    vec![("office.pcap", office()), ("vlan-trunk.pcap", trunk())]
}

#[test]
fn bundled_traces_are_what_the_generator_writes() {
    let write = std::env::var_os("DPF_WRITE_PCAPS").is_some();
    for (name, t) in traces() {
        let path = pcaps_dir().join(name);
        let bytes = t.bytes();
        assert!(bytes.len() < 200 * 1024, "{name} is {} bytes", bytes.len());
        if write {
            std::fs::write(&path, &bytes).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == bytes,
            "{} differs from the generator's output (rerun with DPF_WRITE_PCAPS=1)",
            path.display()
        );
    }
}

#[test]
fn every_demo_rule_matches_in_some_bundled_trace() {
    let rules = pcaps_dir().join("demo.rules");
    let mut hits: std::collections::HashMap<String, u64> = Default::default();
    for (name, _) in traces() {
        let trace = pcaps_dir().join(name);
        let out = dpf(&[
            "replay",
            "-r",
            trace.to_str().unwrap(),
            "--rules",
            rules.to_str().unwrap(),
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for r in v["rules"].as_array().unwrap() {
            *hits
                .entry(r["name"].as_str().unwrap().to_string())
                .or_default() += r["packets"].as_u64().unwrap();
        }
    }
    let dead: Vec<_> = hits
        .iter()
        .filter(|(_, &n)| n == 0)
        .map(|(k, _)| k)
        .collect();
    assert!(dead.is_empty(), "demo rules that match nothing: {dead:?}");
}
