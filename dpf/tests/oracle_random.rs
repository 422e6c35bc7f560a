//! Random expressions against libpcap: a generator of pcap-filter text over every primitive
//! family, random qualifier combinations and arithmetic; each expression is compiled by both, and
//! where both accept it the verdicts must agree on every Ethernet packet of the shared captures
//! and on mutated copies of them (bytes flipped, captures cut short).

mod support;

use dpf::ir::Packet;
use dpf::LinkType;
use proptest::prelude::*;
use std::sync::OnceLock;
use support::{load_groups, LibpcapFilter};

struct World {
    compiler: pcap::Capture<pcap::Offline>,
    packets: Vec<(Vec<u8>, u32)>,
    /// The other supported link types, each with its own compiler and captures.
    others: Vec<support::Group>,
}

fn world() -> &'static std::sync::Mutex<World> {
    static W: OnceLock<std::sync::Mutex<World>> = OnceLock::new();
    W.get_or_init(|| {
        let mut groups = load_groups(|l| dpf::compile("", l).is_ok());
        let eth = groups
            .iter()
            .position(|g| g.link == LinkType::ETHERNET)
            .expect("Ethernet captures");
        let g = groups.remove(eth);
        let mut packets: Vec<(Vec<u8>, u32)> = g
            .traces
            .iter()
            .flat_map(|t| t.packets.iter().cloned())
            .collect();
        // Mutations: truncations at every interesting length and flipped header bytes.
        let base: Vec<_> = packets.iter().step_by(7).cloned().collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for (p, wl) in base {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let cut = (seed as usize) % (p.len() + 1);
            packets.push((p[..cut].to_vec(), wl));
            let mut q = p.clone();
            if !q.is_empty() {
                let i = (seed >> 20) as usize % q.len().min(80);
                q[i] ^= (seed >> 40) as u8 | 1;
            }
            packets.push((q, wl));
        }
        std::sync::Mutex::new(World {
            compiler: g.compiler,
            packets,
            others: groups,
        })
    })
}

fn v4() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u8..=255, 0u8..=255, 0u8..=255, 0u8..=255)
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        Just("10.0.0.1".to_string()),
        Just("192.168.1.1".to_string()),
        Just("127.0.0.1".to_string()),
        (0u8..=255, 0u8..=255).prop_map(|(a, b)| format!("{a}.{b}")),
    ]
}

fn net() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u8..=255, 0u32..=32).prop_map(|(a, l)| {
            let v = if l == 0 {
                0
            } else {
                ((a as u32) << 24) & (u32::MAX << (32 - l))
            };
            format!(
                "{}.{}.{}.{}/{l}",
                v >> 24,
                (v >> 16) & 255,
                (v >> 8) & 255,
                v & 255
            )
        }),
        Just("10.0.0.0/8".to_string()),
        Just("192.168.0.0/16".to_string()),
        (0u8..=255).prop_map(|a| format!("{a}")),
    ]
}

fn v6() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("::1".to_string()),
        Just("fe80::1".to_string()),
        Just("ff02::1".to_string()),
        Just("2001:db8::1".to_string()),
        (0u16..=0xffff, 0u16..=0xffff).prop_map(|(a, b)| format!("fe80::{a:x}:{b:x}")),
    ]
}

fn dir() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just(""),
        Just("src "),
        Just("dst "),
        Just("src or dst "),
        Just("src and dst ")
    ]
}

fn port() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..=65535).prop_map(|p| p.to_string()),
        Just("80".to_string()),
        Just("53".to_string()),
        Just("443".to_string()),
        Just("http".to_string()),
        Just("domain".to_string()),
        Just("ssh".to_string()),
        Just("ntp".to_string()),
    ]
}

fn arith(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        (0u32..300).prop_map(|n| n.to_string()),
        Just("len".to_string()),
        (
            prop_oneof![
                Just("ether"),
                Just("ip"),
                Just("ip6"),
                Just("tcp"),
                Just("udp"),
                Just("icmp"),
                Just("arp"),
                Just("icmp6")
            ],
            0u32..70,
            prop_oneof![Just(""), Just(":2"), Just(":4")]
        )
            .prop_map(|(p, i, s)| format!("{p}[{i}{s}]")),
    ]
    .boxed();
    if depth == 0 {
        return leaf;
    }
    prop_oneof![
        3 => leaf,
        1 => (
            arith(depth - 1),
            prop_oneof![
                Just("+"), Just("-"), Just("*"), Just("/"), Just("%"), Just("&"), Just("|"),
                Just("^"), Just("<<"), Just(">>")
            ],
            arith(depth - 1)
        )
            .prop_map(|(a, o, b)| format!("({a} {o} {b})")),
        1 => (prop_oneof![Just("tcp"), Just("ip"), Just("udp")], arith(depth - 1))
            .prop_map(|(p, i)| format!("{p}[{i}]")),
    ]
    .boxed()
}

fn primitive() -> BoxedStrategy<String> {
    prop_oneof![
        prop_oneof![
            Just("ip"),
            Just("ip6"),
            Just("arp"),
            Just("rarp"),
            Just("tcp"),
            Just("udp"),
            Just("icmp"),
            Just("icmp6"),
            Just("sctp"),
            Just("igmp"),
            Just("pim"),
            Just("vrrp"),
            Just("ah"),
            Just("esp"),
            Just("stp"),
            Just("ipx"),
            Just("iso"),
            Just("atalk"),
            Just("decnet"),
            Just("netbeui"),
            Just("isis"),
            Just("clnp"),
            Just("llc"),
            Just("broadcast"),
            Just("multicast"),
            Just("ip multicast"),
            Just("ip6 multicast"),
            Just("ip broadcast"),
            Just("vlan"),
            Just("mpls"),
            Just("pppoes"),
            Just("pppoed")
        ]
        .prop_map(String::from),
        (
            prop_oneof![Just(""), Just("ip "), Just("arp "), Just("rarp ")],
            dir(),
            v4()
        )
            .prop_map(|(p, d, a)| format!("{p}{d}host {a}")),
        (prop_oneof![Just(""), Just("ip ")], dir(), net())
            .prop_map(|(p, d, a)| format!("{p}{d}net {a}")),
        (dir(), v6()).prop_map(|(d, a)| format!("ip6 {d}host {a}")),
        (dir(), 0u8..=255).prop_map(|(d, b)| format!("ether {d}host 00:11:22:33:44:{b:02x}")),
        (
            prop_oneof![Just(""), Just("tcp "), Just("udp "), Just("sctp ")],
            dir(),
            port()
        )
            .prop_map(|(p, d, n)| format!("{p}{d}port {n}")),
        (
            prop_oneof![Just(""), Just("tcp "), Just("udp ")],
            dir(),
            0u32..2000,
            0u32..2000
        )
            .prop_map(|(p, d, a, b)| format!("{p}{d}portrange {a}-{b}")),
        (prop_oneof![Just("ip"), Just("ip6"), Just("")], 0u32..=255)
            .prop_map(|(p, n)| format!("{p} proto {n}")),
        (0u32..0x10000).prop_map(|n| format!("ether proto {n}")),
        (0u32..4096).prop_map(|n| format!("vlan {n}")),
        (0u32..1_048_576).prop_map(|n| format!("mpls {n}")),
        (0u32..2000).prop_map(|n| format!("less {n}")),
        (0u32..2000).prop_map(|n| format!("greater {n}")),
        (
            arith(2),
            prop_oneof![
                Just("="),
                Just("!="),
                Just("<"),
                Just("<="),
                Just(">"),
                Just(">=")
            ],
            arith(1)
        )
            .prop_map(|(a, r, b)| format!("{a} {r} {b}")),
        // Mask 0 is left out: libpcap's optimiser then drops the X-register load that later
        // port tests rely on, and they read the IP header instead (a libpcap bug we do not
        // reproduce: docs/filter-language.md, "Known differences").
        (1u32..64).prop_map(|n| format!("tcp[tcpflags] & {n} != 0")),
        prop_oneof![
            Just("icmp[icmptype] = icmp-echo"),
            Just("icmp[icmptype] != icmp-echoreply"),
            Just("icmp6[icmp6type] = icmp6-neighborsolicit"),
            Just("tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn"),
            Just("llc"),
            Just("llc u"),
            Just("llc i"),
            Just("llc ui"),
            Just("decnet host 1.2"),
            Just("decnet src 10.20"),
            Just("ip6 net fe80::/10"),
            Just("ip6 dst net ff00::/8"),
            Just("net 10.0.0.0 mask 255.0.0.0"),
            Just("ether proto \\arp"),
            Just("ip proto \\udp"),
            Just("ether broadcast"),
            Just("ether multicast"),
            Just("pppoes 1 and ip"),
            Just("vlan 1 and vlan 2"),
            Just("mpls 0 and mpls 1"),
            Just("ip and ip[6] & 0x20 != 0"),
            Just("udp and udp[8:4] = 0"),
            Just("byte 12 = 8"),
            Just("ether src 0:0:0:0:0:0"),
            Just("src host 10.0.0.1 or 10.0.0.2 and not 10.0.0.3"),
            Just("tcp src port (80 or 443)"),
            Just("port 80 and 443 or 53"),
        ]
        .prop_map(String::from),
    ]
    .boxed()
}

fn expr() -> impl Strategy<Value = String> {
    primitive().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.clone().prop_map(|a| format!("({a})")),
            (inner.clone(), v4()).prop_map(|(a, h)| format!("{a} or host {h} or {h}")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_expressions_agree_with_libpcap(e in expr()) {
        let w = world().lock().unwrap_or_else(|p| p.into_inner());
        let theirs = LibpcapFilter::compile(&w.compiler, &e);
        let ours = dpf::compile(&e, LinkType::ETHERNET);
        match (&theirs, &ours) {
            (Ok(t), Ok(o)) => {
                use dpf::Demux;
                // The merged graph and the JIT, with this rule between two others.
                let rules = vec![
                    dpf::compile("arp", LinkType::ETHERNET).expect("arp"),
                    o.clone(),
                    dpf::compile("tcp port 80", LinkType::ETHERNET).expect("port"),
                ];
                let graph = dpf::graph::Graph::new(&rules);
                let jit = dpf::jit::JitGraph::new(&rules).expect("JIT compiles");
                let (mut g_out, mut j_out) = (Vec::new(), Vec::new());
                for (i, (data, wl)) in w.packets.iter().enumerate() {
                    let pk = Packet::new(data, *wl);
                    let a = o.matches(&pk);
                    graph.all_matches(&pk, &mut g_out);
                    jit.all_matches(&pk, &mut j_out);
                    prop_assert_eq!(g_out.contains(&1), a, "{:?}: graph differs on packet {}", e, i);
                    prop_assert_eq!(j_out.contains(&1), a, "{:?}: JIT differs on packet {}", e, i);
                    let b = t.matches(data, *wl);
                    prop_assert_eq!(a, b, "{:?}: packet {} ({} bytes, wire {}, {}): ours {} libpcap {}", e, i, data.len(), wl, data.iter().map(|b| format!("{b:02x}")).collect::<String>(), a, b);
                }
            }
            (Err(_), Err(_)) => {}
            (Ok(_), Err(m)) => prop_assert!(false, "{:?}: libpcap accepts, we reject: {}", e, m.msg),
            (Err(m), Ok(_)) => prop_assert!(false, "{:?}: libpcap rejects ({}), we accept", e, m),
        }
        // Other link types: wherever we accept the expression, libpcap's verdicts.
        for g in &w.others {
            let Ok(o) = dpf::compile(&e, g.link) else { continue };
            let t = LibpcapFilter::compile(&g.compiler, &e);
            prop_assert!(t.is_ok(), "{:?} on link type {}: we accept, libpcap rejects", e, g.link.0);
            let t = t.unwrap();
            for tr in &g.traces {
                for (i, (data, wl)) in tr.packets.iter().enumerate() {
                    let a = o.matches(&Packet::new(data, *wl));
                    let b = t.matches(data, *wl);
                    prop_assert_eq!(a, b, "{:?} on {} packet {}: ours {} libpcap {}", e, tr.path.display(), i + 1, a, b);
                }
            }
        }
    }
}
