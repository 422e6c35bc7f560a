//! Big same-shape disjunctions (`host A or host B or ...` over hundreds of constants, the shape
//! whose compile time issue 3 bounds) give the same answers from the JIT (both
//! specialisations), the graph interpreter and libpcap, rule by rule: alone, under `tcp and`,
//! negated, with `src or dst`, IPv4 and IPv6 hosts mixed, `net` and `port` sets, on TCP, UDP,
//! ARP and IPv6 frames whose addresses are in and out of the sets, and on those frames cut
//! short at every length class.
//!
//! libpcap compiles these rules unoptimised (`pcap_compile(.., optimize = 0)`): its optimiser
//! takes minutes on a 1,000-atom disjunction, and the unoptimised program is the reference
//! semantics the optimiser preserves.

use dpf::gen::{self, Rng};
#[path = "support/agree.rs"]
mod agree;
use agree::{agree, compile};
use dpf::JitGraph;

fn eth(et: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    f.extend_from_slice(&et.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn ip4(src: [u8; 4], dst: [u8; 4], proto: u8, sport: u16, dport: u16) -> Vec<u8> {
    let mut h = vec![0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, proto, 0, 0];
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h.extend_from_slice(&sport.to_be_bytes());
    h.extend_from_slice(&dport.to_be_bytes());
    h.extend_from_slice(&[0; 16]);
    eth(0x0800, &h)
}

fn arp(sender: [u8; 4], target: [u8; 4]) -> Vec<u8> {
    let mut a = vec![0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 2];
    a.extend_from_slice(&sender);
    a.extend_from_slice(&[0; 6]);
    a.extend_from_slice(&target);
    eth(0x0806, &a)
}

fn ip6(src: [u8; 16], dst: [u8; 16], sport: u16, dport: u16) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0, 0, 8, 17, 64];
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h.extend_from_slice(&sport.to_be_bytes());
    h.extend_from_slice(&dport.to_be_bytes());
    h.extend_from_slice(&[0, 8, 0, 0]);
    eth(0x86dd, &h)
}

fn v6(i: u32) -> [u8; 16] {
    let mut a = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    a[12..].copy_from_slice(&i.to_be_bytes());
    a
}

fn v6_text(i: u32) -> String {
    format!("2001:db8::{:x}:{:x}", i >> 16, i & 0xffff)
}

fn dotted(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// Frames whose addresses come from `v4` (half of them, the others from outside the set) and
/// IPv6 ones numbered like `v6(i)`, plus every 3rd frame cut short at a varying length.
fn frames(v4: &[[u8; 4]], n6: u32, ports: &[u16], seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    let pick = |rng: &mut Rng| -> [u8; 4] {
        if rng.unit() < 0.5 {
            v4[rng.range(0, v4.len() as u64) as usize]
        } else {
            [203, 0, 113, rng.range(1, 255) as u8]
        }
    };
    for _ in 0..1500 {
        let (a, b) = (pick(&mut rng), pick(&mut rng));
        let port = ports[rng.range(0, ports.len() as u64) as usize];
        let other = rng.range(1, 65535) as u16;
        let f = match rng.range(0, 6) {
            0 => ip4(a, gen::SERVER, 6, other, port),
            1 => ip4(gen::SERVER, b, 6, port, other),
            2 => ip4(a, b, 17, other, other),
            3 => arp(a, b),
            4 => ip6(
                v6(rng.range(0, 2 * n6 as u64) as u32),
                v6(7_000_000),
                port,
                other,
            ),
            _ => ip6(
                v6(7_000_000),
                v6(rng.range(0, 2 * n6 as u64) as u32),
                other,
                port,
            ),
        };
        out.push(f);
    }
    let cut: Vec<Vec<u8>> = out
        .iter()
        .step_by(3)
        .enumerate()
        .map(|(i, p)| p[..(i * 7) % (p.len() + 1)].to_vec())
        .collect();
    out.extend(cut);
    out
}

#[test]
fn big_host_disjunctions_alone_under_tcp_negated_and_by_direction_agree_with_libpcap() {
    let mut rng = Rng::new(3);
    let flows = gen::flows(400, &mut rng);
    let v4: Vec<[u8; 4]> = flows.iter().map(|f| f.client).collect();
    let hosts = |kw: &str| -> String {
        v4.iter()
            .map(|a| format!("{kw} {}", dotted(*a)))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let texts = vec![
        hosts("host"),
        format!("tcp and ({})", hosts("host")),
        format!("not ({})", hosts("host")),
        hosts("src or dst host"),
        hosts("src host"),
        format!("({}) and udp", hosts("dst host")),
        format!("arp and ({})", hosts("host")),
    ];
    let pk = frames(&v4, 300, &[80, 443], 4);
    let m = agree(&texts, &pk, false);
    assert!(m > 1000, "most frames match some rule, got {m}");
    // The host set really is one big same-shape rule: a few switch nodes, not one per host.
    let jit = JitGraph::new(&[compile(&texts[0])]).unwrap();
    assert!(
        jit.graph().shapes().len() <= 8,
        "{}",
        jit.graph().shapes().len()
    );
}

#[test]
fn mixed_ipv4_ipv6_net_and_port_sets_agree_with_libpcap() {
    let mut rng = Rng::new(5);
    let flows = gen::flows(300, &mut rng);
    let v4: Vec<[u8; 4]> = flows.iter().map(|f| f.client).collect();
    let mixed: Vec<String> = (0..300u32)
        .map(|i| {
            if i % 2 == 0 {
                format!("host {}", dotted(v4[i as usize]))
            } else {
                format!("host {}", v6_text(i))
            }
        })
        .collect();
    let v6only: Vec<String> = (0..300u32)
        .map(|i| format!("src host {}", v6_text(i)))
        .collect();
    let nets: Vec<String> = v4
        .iter()
        .map(|a| format!("net {}.{}.{}.0/24", a[0], a[1], a[2]))
        .collect();
    let ports: Vec<u16> = (0..300u16).map(|i| 1000 + 3 * i).collect();
    let port_text: Vec<String> = ports.iter().map(|p| format!("port {p}")).collect();
    let texts = vec![
        mixed.join(" or "),
        v6only.join(" or "),
        format!("not ({})", mixed.join(" or ")),
        nets.join(" or "),
        format!("tcp and ({})", port_text.join(" or ")),
        format!("ip6 and ({})", port_text.join(" or ")),
    ];
    let pk = frames(&v4, 300, &ports, 6);
    let m = agree(&texts, &pk, false);
    assert!(m > 1000, "got {m}");
}

/// Every operand form the graph files operand by operand (`graph/union.rs`: `host`, `src` /
/// `dst` / `src or dst` / `src and dst host`, `ip` / `arp` / `rarp host`, `net` in both
/// spellings, `port` with and without a protocol, IPv6 hosts, MAC hosts, `proto and host`
/// conjunctions, and unions mixing all of these), and the rules it refuses (general
/// comparisons, `and` or `not` at the top): libpcap's answers on the JIT and the graph. Every
/// rule has over 1,500 tests, so `dpf` skips the optimiser model and unoptimised libpcap is
/// the reference.
#[test]
fn unions_of_every_operand_form_and_their_refusals_agree_with_libpcap() {
    let mut rng = Rng::new(9);
    let flows = gen::flows(600, &mut rng);
    let v4: Vec<[u8; 4]> = flows.iter().map(|f| f.client).collect();
    let ports: Vec<u16> = (0..200u16).map(|i| 2000 + 5 * i).collect();
    let join = |n: usize, f: &dyn Fn(usize) -> String| -> String {
        (0..n).map(f).collect::<Vec<_>>().join(" or ")
    };
    let texts = vec![
        join(600, &|i| format!("arp host {}", dotted(v4[i]))),
        join(400, &|i| format!("ip src and dst host {}", dotted(v4[i]))),
        join(600, &|i| format!("rarp or ip dst host {}", dotted(v4[i]))),
        join(300, &|i| format!("net {}.{}", v4[i][0], v4[i][1])),
        join(200, &|i| format!("port {}", ports[i])),
        join(250, &|i| format!("udp src port {}", ports[i % 200])),
        join(300, &|i| {
            format!(
                "(tcp and src host {}) or (udp and dst host {})",
                dotted(v4[i]),
                dotted(v4[(i + 1) % 300])
            )
        }),
        join(300, &|i| match i % 6 {
            0 => format!("host {}", dotted(v4[i])),
            1 => format!("tcp port {}", ports[i % 200]),
            2 => format!("src net {}.{}.{}.0/24", v4[i][0], v4[i][1], v4[i][2]),
            3 => format!("host {}", v6_text(i as u32)),
            4 => format!("ether src 2:0:0:0:0:{:x}", i % 4),
            _ => format!("dst host {} or {}", dotted(v4[i]), dotted(v4[i - 1])),
        }),
        // Refused by the per-operand path: a general comparison, `and`/`not` at the top.
        join(200, &|i| {
            format!("host {} or len > {}", dotted(v4[i]), 1400 + i)
        }),
        format!(
            "ip and ({})",
            join(200, &|i| format!("host {}", dotted(v4[i])))
        ),
        format!("not ({})", join(200, &|i| format!("port {}", ports[i]))),
    ];
    for t in &texts {
        assert!(compile(t).size() > 1500, "{}", &t[..60]);
    }
    let pk = frames(&v4, 300, &ports, 10);
    let m = agree(&texts, &pk, false);
    assert!(m > 1000, "got {m}");
}
