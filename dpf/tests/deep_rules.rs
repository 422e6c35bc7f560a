//! The library on an ordinary thread: every entry point (parse, lower, optimise, merge, JIT,
//! queries, rule files) handles the largest rules the parser accepts on a 2 MiB stack, the
//! default for threads a library user spawns. A 100,000-host `or`, a 100,000-operand `and` of
//! mixed primitives, nesting at the parser's limit and a file of 10,000 rules compile, merge,
//! run through the JIT and the graph interpreter with the IR interpreter's verdicts (libpcap's
//! where it compiles the rule in reasonable time), answer overlap queries and drop, all on such
//! a thread; one level or operator more than the limits is a clear error, not a crash.
//!
//! A stack overflow aborts the whole test process, so each case runs on its own small thread.

use dpf::gen::{self, Rng};
use dpf::ir::{Packet, Pred};
use dpf::lang::parser::{MAX_NESTING, MAX_OPERATORS};
use dpf::query::{contains, may_overlap};
use dpf::rulecache::RuleCompiler;
use dpf::{Demux, JitGraph, LinkType};
use std::hash::BuildHasher;

/// The stack of a thread spawned with default settings (`std::thread` and most runtimes).
const SMALL_STACK: usize = 2 << 20;

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

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

fn host(i: usize) -> [u8; 4] {
    [10, (i >> 16) as u8, (i >> 8) as u8, i as u8]
}

fn dotted(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// Compiles `text`, merges it alone into a graph and a JIT, and checks that the JIT, the graph
/// interpreter and the IR interpreter give the same verdict on every packet; returns those
/// verdicts. Also asks the overlap and containment queries of the rule with itself.
fn verdicts(text: &str, packets: &[Vec<u8>]) -> Vec<bool> {
    let p = dpf::compile(text, LinkType::ETHERNET).expect("the rule compiles");
    let jit = JitGraph::new(std::slice::from_ref(&p)).expect("the JIT compiles the rule");
    let out: Vec<bool> = packets
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let pk = Packet::new(d, d.len() as u32);
            let want = p.matches(&pk);
            assert_eq!(jit.first_match(&pk) == Some(0), want, "JIT, packet {i}");
            assert_eq!(
                jit.graph().first_match(&pk) == Some(0),
                want,
                "graph, packet {i}"
            );
            want
        })
        .collect();
    assert!(may_overlap(&p, &p), "a satisfiable rule overlaps itself");
    // The other answers of the queries are conservative on rules this large; they must return.
    let _ = contains(&p, &p);
    let copy = p.clone();
    assert!(copy == p);
    assert_eq!(format!("{copy}").len(), format!("{p}").len());
    drop((p, copy, jit));
    out
}

#[test]
fn a_100000_host_or_compiles_merges_and_matches_on_a_2_mib_thread() {
    let n = 100_000;
    let text = (0..n)
        .map(|i| format!("host {}", dotted(host(i))))
        .collect::<Vec<_>>()
        .join(" or ");
    let mut rng = Rng::new(7);
    let mut packets = Vec::new();
    let mut expect = Vec::new();
    for k in 0..200 {
        let i = rng.range(0, n as u64) as usize;
        let inside = k % 2 == 0;
        let a = if inside {
            host(i)
        } else {
            [10, 2, 0, (i % 250) as u8]
        };
        let (src, dst) = if k % 4 < 2 {
            (a, gen::SERVER)
        } else {
            (gen::SERVER, a)
        };
        packets.push(ip4(src, dst, 6, 1000, 80));
        // 10.2.x.y lies past the set's last host (10.1.134.159): only in-set frames match.
        expect.push(inside);
    }
    let got = on_small_stack(move || verdicts(&text, &packets));
    assert_eq!(got, expect);
}

#[test]
fn a_100000_operand_and_of_mixed_primitives_compiles_merges_and_matches_on_a_2_mib_thread() {
    let prims = [
        "tcp",
        "not port 7",
        "len > 20",
        "ip[2:2] > 10",
        "not host 192.0.2.77",
        "ether[0] & 1 = 0",
        "not udp",
        "ip",
        "dst port 80",
        "src net 198.51.100.0/24",
    ];
    let text = (0..100_000)
        .map(|i| prims[i % prims.len()])
        .collect::<Vec<_>>()
        .join(" and ");
    let c = [198, 51, 100, 9];
    let packets = vec![
        ip4(c, gen::SERVER, 6, 1234, 80),                 // all hold
        ip4(c, gen::SERVER, 6, 1234, 81),                 // wrong port
        ip4(c, gen::SERVER, 17, 1234, 80),                // udp
        ip4([198, 51, 101, 9], gen::SERVER, 6, 1234, 80), // outside the net
        ip4(c, [192, 0, 2, 77], 6, 1234, 80),             // excluded host
        ip4(c, gen::SERVER, 6, 7, 80),                    // excluded port
        ip4(c, gen::SERVER, 6, 1234, 80)[..30].to_vec(),  // cut short
    ];
    let got = on_small_stack(move || verdicts(&text, &packets));
    assert_eq!(got, [true, false, false, false, false, false, false]);
}

/// `depth` levels of each kind of nesting the parser counts, around a primitive.
fn nested(kind: &str, depth: usize) -> String {
    match kind {
        "parens" => format!("{}tcp port 80{}", "(".repeat(depth), ")".repeat(depth)),
        "not" => format!("{}tcp port 80", "not ".repeat(depth)),
        "parens-or" => {
            let mut s = String::new();
            for i in 0..depth {
                s.push_str(&format!("(port {i} or "));
            }
            s.push_str("udp");
            s.push_str(&")".repeat(depth));
            s
        }
        // A chain that switches operator `depth` times: each switch groups what came before.
        "switches" => {
            let mut s = String::from("tcp");
            for i in 0..=depth {
                s.push_str(if i % 2 == 0 {
                    " and port "
                } else {
                    " or port "
                });
                s.push_str(&(i % 60_000).to_string());
            }
            s
        }
        "arith" => format!("{}ip[0]{} = 69", "(".repeat(depth), " + 0)".repeat(depth)),
        "brackets" => format!("{}0{} = 69", "ip[".repeat(depth), "]".repeat(depth)),
        _ => unreachable!("{kind}"),
    }
}

#[test]
fn nesting_at_the_limit_works_and_one_level_more_is_an_error_on_a_2_mib_thread() {
    let kinds = [
        "parens",
        "not",
        "parens-or",
        "switches",
        "arith",
        "brackets",
    ];
    on_small_stack(move || {
        let packets = vec![
            ip4([198, 51, 100, 9], gen::SERVER, 6, 1234, 80),
            ip4([198, 51, 100, 9], gen::SERVER, 17, 5, 6),
            ip4([198, 51, 100, 9], gen::SERVER, 6, 999, 998),
        ];
        for kind in kinds {
            // Each kind's deepest accepted form, found from the limit down: the counting
            // differs a little by kind (a parenthesis around arithmetic also counts its `+`).
            let ok = (MAX_NESTING - 10..=MAX_NESTING)
                .rev()
                .find(|&d| dpf::lang::parse(&nested(kind, d)).is_ok())
                .unwrap_or_else(|| panic!("{kind}: nothing near the limit parses"));
            let text = nested(kind, ok);
            match dpf::compile(&text, LinkType::ETHERNET) {
                Ok(_) => {
                    let v = verdicts(&text, &packets);
                    assert_eq!(v.len(), packets.len());
                }
                // Constant-folded arithmetic may reject everything; that is an answer too.
                Err(e) => assert!(e.rejects_all_packets(), "{kind}: {e}"),
            }
            let deeper = nested(kind, ok + 3);
            let e = dpf::compile(&deeper, LinkType::ETHERNET).expect_err("deeper than the limit");
            assert!(e.to_string().contains("nested more than"), "{kind}: {e}");
        }
        // Far beyond the limits: refused before anything recurses.
        for kind in kinds {
            assert!(dpf::compile(&nested(kind, 200_000), LinkType::ETHERNET).is_err());
        }
        let ops = format!("tcp{}", " or udp".repeat(MAX_OPERATORS + 1));
        let e = dpf::compile(&ops, LinkType::ETHERNET).expect_err("too many operators");
        assert!(e.to_string().contains("operators"), "{e}");
    });
}

#[test]
fn a_file_of_10000_rules_merges_and_agrees_with_libpcap_on_a_2_mib_thread() {
    let mut rng = Rng::new(11);
    let flows = gen::flows(9_000, &mut rng);
    let mut text = gen::rules_text(&flows);
    // A thousand rules of other shapes: host sets, port ranges, nested and negated forms.
    for i in 0..1_000usize {
        let a = flows[i].client;
        let line = match i % 4 {
            0 => format!("set{i}: tcp and (host {} or host {} or host 203.0.113.{})", dotted(a), dotted(flows[i + 1].client), i % 250),
            1 => format!("range{i}: udp and dst portrange {}-{}", 1000 + i, 1100 + i),
            2 => format!("neg{i}: not (tcp and src host {}) and ip and len > {}", dotted(a), 40 + i % 30),
            _ => format!("deep{i}: ((((ip and ((tcp[13] & 2 != 0) or port {}))))) and not src net 10.{}.0.0/16", i, i % 200),
        };
        text.push_str(&line);
        text.push('\n');
    }
    let mut packets = gen::packets(&flows, 3_000, &mut rng);
    packets.extend((0..500).map(|i| ip4(flows[i].client, gen::SERVER, 17, 9, 1000 + i as u16 * 3)));
    let sources = dpf::rules::parse_rule_file(&text).expect("the generated rule file is valid");
    assert_eq!(sources.len(), 10_000);
    let exprs: Vec<String> = sources.iter().map(|r| r.expr.clone()).collect();
    let (jit_all, want_all) = on_small_stack({
        let packets = packets.clone();
        move || {
            let mut rc = RuleCompiler::new(LinkType::ETHERNET);
            let preds: Vec<Pred> = exprs
                .iter()
                .map(|e| rc.compile(e).unwrap_or_else(|err| panic!("{e}: {err}")))
                .collect();
            let jit = JitGraph::new(&preds).expect("the JIT compiles the rule file");
            let mut all = Vec::new();
            let mut jit_all = Vec::new();
            let mut want_all = Vec::new();
            for (i, d) in packets.iter().enumerate() {
                let pk = Packet::new(d, d.len() as u32);
                let want: Vec<usize> = (0..preds.len())
                    .filter(|&k| preds[k].matches(&pk))
                    .collect();
                assert_eq!(jit.first_match(&pk), want.first().copied(), "packet {i}");
                jit.all_matches(&pk, &mut all);
                assert_eq!(all, want, "JIT, packet {i}");
                jit.graph().all_matches(&pk, &mut all);
                assert_eq!(all, want, "graph, packet {i}");
                jit_all.push(jit.first_match(&pk));
                want_all.push(want);
            }
            assert!(!may_overlap(&preds[0], &preds[1]), "two different flows");
            assert!(
                may_overlap(&preds[9_000], &preds[0]),
                "a host set and one of its flows"
            );
            (jit_all, want_all)
        }
    });
    assert!(jit_all.iter().filter(|m| m.is_some()).count() > 2_000);
    // libpcap, rule by rule, on every 25th rule (compiling all 10,000 takes minutes).
    let dead = pcap::Capture::dead(pcap::Linktype(1)).expect("libpcap");
    for (k, r) in sources.iter().enumerate().step_by(25) {
        let prog = dead
            .compile(&r.expr, true)
            .expect("libpcap compiles the rule");
        for (i, d) in packets.iter().enumerate() {
            assert_eq!(
                want_all[i].contains(&k),
                prog.filter(d),
                "rule {k} `{}`, packet {i}",
                r.expr
            );
        }
    }
}

#[test]
fn a_hand_built_left_leaning_chain_clones_and_drops_on_a_2_mib_thread() {
    // The parser's chains lean right; a library user folding predicates by hand
    // (`reduce(Pred::or)`) builds them leaning left, and a `not` chain has one side only.
    on_small_stack(|| {
        let atoms: Vec<Pred> = (1..=3)
            .map(|i| dpf::compile(&format!("port {i}"), LinkType::ETHERNET).unwrap())
            .collect();
        let left = (0..100_000usize)
            .map(|i| atoms[i % 3].clone())
            .reduce(Pred::or)
            .unwrap();
        let nots = (0..100_000).fold(atoms[0].clone(), |p, _| Pred::Not(Box::new(p)));
        for p in [&left, &nots] {
            let copy = p.clone();
            // Compared node by node with a work list (the operators themselves must not be
            // what is under test here).
            let mut todo = vec![(p, &copy)];
            let mut nodes = 0usize;
            while let Some((x, y)) = todo.pop() {
                nodes += 1;
                match (x, y) {
                    (Pred::Or(a1, b1), Pred::Or(a2, b2))
                    | (Pred::And(a1, b1), Pred::And(a2, b2)) => {
                        todo.push((a1, a2));
                        todo.push((b1, b2));
                    }
                    (Pred::Not(a), Pred::Not(b)) => todo.push((a, b)),
                    (Pred::Or(..) | Pred::And(..) | Pred::Not(..), _)
                    | (_, Pred::Or(..) | Pred::And(..) | Pred::Not(..)) => {
                        panic!("the copy differs in shape")
                    }
                    _ => {}
                }
            }
            assert!(nodes > 100_000, "{nodes}");
            // And the operators themselves: equality, hashing and Debug walk it as well.
            assert!(*p == copy);
            let h = std::hash::RandomState::new();
            assert_eq!(h.hash_one(p), h.hash_one(&copy));
            let text = format!("{p:?}");
            assert_eq!(text, format!("{copy:?}"));
            let head = if std::ptr::eq(p, &left) {
                "Or("
            } else {
                "Not("
            };
            assert!(
                text.len() > 400_000 && text.starts_with(head),
                "{}",
                &text[..40]
            );
        }
        assert!(left != nots);
    });
}
