//! One corpus, every backend: the linear reference, the merged graph and the JIT must give the
//! same answers (first match and all matches) on every packet, rule by rule.

use dpf::gen::{self, Rng};
use dpf::ir::{ArithOp, Atom, Base, Load, Packet, Pred, Rel, Val};
use dpf::{Demux, Graph, JitGraph, Linear};
use proptest::prelude::*;

/// Checks all three backends agree on `packets`; returns how many packets matched some rule.
fn agree(rules: &[Pred], packets: &[(Vec<u8>, u32)]) -> usize {
    let lin = Linear::new(rules.to_vec());
    let graph = Graph::new(rules);
    let jit = JitGraph::new(rules).expect("JIT compiles");
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    let mut matched = 0;
    for (i, (data, wire)) in packets.iter().enumerate() {
        let p = Packet::new(data, *wire);
        let want = lin.first_match(&p);
        assert_eq!(
            graph.first_match(&p),
            want,
            "graph first_match, packet {i} {data:02x?}\n{}",
            graph.dump()
        );
        assert_eq!(
            jit.first_match(&p),
            want,
            "jit first_match, packet {i} {data:02x?}\n{}",
            graph.dump()
        );
        lin.all_matches(&p, &mut a);
        graph.all_matches(&p, &mut b);
        jit.all_matches(&p, &mut c);
        assert_eq!(
            b,
            a,
            "graph all_matches, packet {i} {data:02x?}\n{}",
            graph.dump()
        );
        assert_eq!(
            c,
            a,
            "jit all_matches, packet {i} {data:02x?}\n{}",
            graph.dump()
        );
        matched += usize::from(want.is_some());
    }
    matched
}

fn trace(nflows: usize, npackets: usize, seed: u64) -> (Vec<gen::Flow>, Vec<(Vec<u8>, u32)>) {
    let mut rng = Rng::new(seed);
    let flows = gen::flows(nflows, &mut rng);
    let mut pk: Vec<(Vec<u8>, u32)> = gen::packets(&flows, npackets, &mut rng)
        .into_iter()
        .map(|p| {
            let l = p.len() as u32;
            (p, l)
        })
        .collect();
    // Truncated copies exercise every out-of-bounds path.
    let cut: Vec<(Vec<u8>, u32)> = pk
        .iter()
        .take(300)
        .enumerate()
        .map(|(i, (p, l))| (p[..(i * 7) % (p.len() + 1)].to_vec(), *l))
        .collect();
    pk.extend(cut);
    (flows, pk)
}

#[test]
fn four_tuple_rules_agree_and_match_the_flows() {
    let (flows, pk) = trace(200, 3000, 11);
    let rules: Vec<Pred> = flows.iter().map(gen::flow_pred).collect();
    let m = agree(&rules, &pk);
    assert!(m > 2000, "80% of 3,000 packets are on the flows, got {m}");
    // The whole rule set is one switch node with one probe per packet.
    let g = Graph::new(&rules);
    assert_eq!(g.shapes().len(), 1, "{}", g.dump());
}

#[test]
fn host_sets_ports_and_overlapping_rules_agree() {
    let (flows, pk) = trace(50, 2000, 5);
    let mut rules = vec![
        gen::port_pred(53, false),
        gen::hosts_pred(&[[198, 51, 100, 7], [198, 51, 100, 9], gen::SERVER]),
        gen::tcp_pred(),
        Pred::and(gen::tcp_pred(), gen::port_pred(80, false)),
        Pred::atom(12, 2, u32::MAX, Rel::Eq, 0x86dd),
        Pred::not(gen::tcp_pred()),
        // `net 198.51.100.0/25`-style prefix.
        Pred::and(
            Pred::atom(12, 2, u32::MAX, Rel::Eq, 0x0800),
            Pred::atom(26, 4, 0xffff_ff80, Rel::Eq, 0xc633_6400),
        ),
        // `ip[2:2] - 20 > 100`: a general comparison.
        Pred::and(
            Pred::atom(12, 2, u32::MAX, Rel::Eq, 0x0800),
            Pred::Cmp(
                Val::Bin(
                    ArithOp::Sub,
                    Box::new(Val::Load(Load {
                        base: Base::Abs,
                        off: 16,
                        size: 2,
                    })),
                    Box::new(Val::K(20)),
                ),
                Rel::Gt,
                Val::K(100),
            ),
        ),
        Pred::True,
    ];
    rules.extend(flows.iter().take(10).map(gen::flow_pred));
    let m = agree(&rules, &pk);
    assert_eq!(m, pk.len(), "the `true` rule matches everything");
}

#[test]
fn large_host_set_is_one_rule_that_agrees() {
    let hosts: Vec<[u8; 4]> = (0..2000u32)
        .map(|i| (0xc633_6400 + i).to_be_bytes())
        .collect();
    let rule = gen::hosts_pred(&hosts);
    let (_, pk) = trace(10, 1000, 3);
    agree(&[rule], &pk);
}

#[test]
fn same_shape_insert_and_remove_do_not_recompile() {
    let (flows, pk) = trace(100, 1500, 21);
    let rules: Vec<Pred> = flows.iter().map(gen::flow_pred).collect();
    let mut jit = JitGraph::new(&rules[..50]).unwrap();
    for r in &rules[50..] {
        jit.push(r).unwrap();
    }
    for id in (0..100).step_by(3) {
        jit.remove(id);
    }
    assert_eq!(jit.recompiles(), 0);
    let live: Vec<Option<Pred>> = (0..100).map(|i| jit.graph().rule(i).cloned()).collect();
    // Reference: the same live rules; removed ones never match.
    for (data, wire) in &pk {
        let p = Packet::new(data, *wire);
        let want = live
            .iter()
            .position(|r| r.as_ref().is_some_and(|r| r.matches(&p)));
        assert_eq!(jit.first_match(&p), want);
    }
    // A new shape does recompile, and the old code is freed (no leak visible here, but the
    // answers stay right).
    let dns = jit.push(&gen::port_pred(53, false)).unwrap();
    assert_eq!(jit.recompiles(), 1);
    // The regenerated code still probes the flow table (a hashed node) and answers for both.
    assert!(jit.clif_text().contains("imul"));
    for (data, wire) in &pk {
        let p = Packet::new(data, *wire);
        let want = live
            .iter()
            .position(|r| r.as_ref().is_some_and(|r| r.matches(&p)))
            .or_else(|| gen::port_pred(53, false).matches(&p).then_some(dns));
        assert_eq!(jit.first_match(&p), want);
    }
}

// ---- Random rule sets over random and mutated packets. ----

fn load_strategy() -> impl Strategy<Value = Load> {
    (
        prop_oneof![3 => Just(Base::Abs), 1 => (0u32..24).prop_map(|at| Base::IpHdrLen { at })],
        0u32..48,
        prop_oneof![Just(1u8), Just(2u8), Just(4u8)],
    )
        .prop_map(|(base, off, size)| Load { base, off, size })
}

fn rel_strategy() -> impl Strategy<Value = Rel> {
    prop_oneof![
        4 => Just(Rel::Eq),
        1 => Just(Rel::Ne),
        1 => Just(Rel::Lt),
        1 => Just(Rel::Le),
        1 => Just(Rel::Gt),
        1 => Just(Rel::Ge)
    ]
}

fn const_strategy() -> impl Strategy<Value = u32> {
    prop_oneof![4 => 0u32..4, 1 => any::<u32>(), 1 => Just(0x0101), 1 => Just(0x0101_0101)]
}

fn atom_strategy() -> impl Strategy<Value = Pred> {
    (
        load_strategy(),
        prop_oneof![3 => Just(u32::MAX), 1 => Just(0xff), 1 => Just(0x0f0f), 1 => any::<u32>()],
        rel_strategy(),
        const_strategy(),
    )
        .prop_map(|(load, mask, rel, k)| Pred::Atom(Atom { load, mask, rel, k }))
}

fn val_strategy() -> impl Strategy<Value = Val> {
    let leaf = prop_oneof![
        const_strategy().prop_map(Val::K),
        Just(Val::Len),
        load_strategy().prop_map(Val::Load),
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            (
                prop_oneof![
                    Just(ArithOp::Add),
                    Just(ArithOp::Sub),
                    Just(ArithOp::Mul),
                    Just(ArithOp::Div),
                    Just(ArithOp::Mod),
                    Just(ArithOp::And),
                    Just(ArithOp::Or),
                    Just(ArithOp::Xor),
                    Just(ArithOp::Shl),
                    Just(ArithOp::Shr)
                ],
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, a, b)| Val::Bin(op, Box::new(a), Box::new(b))),
            inner.clone().prop_map(|a| Val::Neg(Box::new(a))),
            (inner, 0u32..8, prop_oneof![Just(1u8), Just(2u8), Just(4u8)]).prop_map(
                |(index, off, size)| Val::LoadInd {
                    index: Box::new(index),
                    off,
                    size
                }
            ),
        ]
    })
}

fn pred_strategy() -> impl Strategy<Value = Pred> {
    let leaf = prop_oneof![
        8 => atom_strategy(),
        2 => (val_strategy(), rel_strategy(), val_strategy()).prop_map(|(a, r, b)| Pred::Cmp(a, r, b)),
        1 => Just(Pred::True),
        1 => Just(Pred::False),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::and(a, b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::or(a, b)),
            inner.prop_map(Pred::not),
        ]
    })
}

fn packet_strategy() -> impl Strategy<Value = (Vec<u8>, u32)> {
    (
        prop::collection::vec(
            prop_oneof![4 => 0u8..4, 1 => any::<u8>(), 1 => Just(0x45u8)],
            0..72,
        ),
        0u32..200,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_rule_sets_agree(rules in prop::collection::vec(pred_strategy(), 1..8),
                              packets in prop::collection::vec(packet_strategy(), 1..24)) {
        agree(&rules, &packets);
    }

    /// Rule sets of one template with varied constants: the switch-table path.
    #[test]
    fn templated_rule_sets_agree(template in pred_strategy(),
                                 ks in prop::collection::vec(0u32..4, 1..12),
                                 packets in prop::collection::vec(packet_strategy(), 1..24)) {
        let rules: Vec<Pred> = ks.iter().map(|&k| recost(&template, k)).collect();
        agree(&rules, &packets);
    }

    /// Real frames with random bytes flipped and random truncation.
    #[test]
    fn mutated_frames_agree(seed in any::<u64>(), flips in prop::collection::vec((0usize..80, any::<u8>()), 0..6),
                            cut in 0usize..120) {
        let (flows, pk) = trace(8, 40, seed);
        let rules: Vec<Pred> = flows.iter().map(gen::flow_pred).chain([gen::port_pred(53, false), gen::tcp_pred()]).collect();
        let pk: Vec<(Vec<u8>, u32)> = pk.into_iter().map(|(mut d, w)| {
            for &(at, b) in &flips { if at < d.len() { d[at] ^= b; } }
            d.truncate(cut.max(10));
            (d, w)
        }).collect();
        agree(&rules, &pk);
    }
}

/// `p` with every equality constant replaced by `k`-derived values (same structure).
fn recost(p: &Pred, k: u32) -> Pred {
    match p {
        Pred::Atom(a) if a.rel == Rel::Eq => Pred::Atom(Atom {
            k: (a.k ^ k) & a.mask,
            ..*a
        }),
        Pred::And(a, b) => Pred::and(recost(a, k), recost(b, k)),
        Pred::Or(a, b) => Pred::or(recost(a, k), recost(b, k)),
        Pred::Not(a) => Pred::not(recost(a, k)),
        other => other.clone(),
    }
}
