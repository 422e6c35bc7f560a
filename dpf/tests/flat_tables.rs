//! The JIT's flat tables (`dpf::jit::flat`): rules whose switch nodes are hashed (more keys
//! than the code compares inline) give the same answers from the JIT, in both
//! specialisations, as from the graph interpreter and libpcap's own interpreter, on the
//! synthetic trace, on its truncations (packets too short for the key) and on packets whose
//! packed key is all zeros (what an empty slot holds), with a key shared by two rules (a list);
//! also after same-shape inserts and removals, and with enough keys that buckets overflow into
//! their neighbours.

#[path = "support/agree.rs"]
mod agree;
use agree::{agree, compile};
use dpf::gen::{self, Rng};
use dpf::ir::{Packet, Pred};
use dpf::jit::Specialize;
use dpf::{Demux, JitGraph};

/// The synthetic trace, every 7th packet also cut short at a varying length, plus frames
/// whose flow key is all zeros (source 0.0.0.0, both ports 0) and one that differs from such
/// a key only in its destination.
fn packets(flows: &[gen::Flow], n: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let mut pk = gen::packets(flows, n, &mut rng);
    let cut: Vec<Vec<u8>> = pk
        .iter()
        .step_by(7)
        .enumerate()
        .map(|(i, p)| p[..(i * 5) % (p.len() + 1)].to_vec())
        .collect();
    pk.extend(cut);
    let zero = gen::Flow {
        client: [0, 0, 0, 0],
        sport: 0,
        dport: 0,
    };
    let mut z = gen::packets(&[zero], 40, &mut rng);
    for p in z.iter_mut().skip(20) {
        p[33] ^= 1; // another destination: must miss a table keyed on it
    }
    pk.extend(z);
    pk
}

fn flow_texts(flows: &[gen::Flow]) -> Vec<String> {
    gen::rules_text(flows)
        .lines()
        .map(|l| l.split_once(": ").unwrap().1.to_string())
        .collect()
}

#[test]
fn flow_tables_agree_with_libpcap_including_zero_keys_and_short_packets() {
    let mut rng = Rng::new(31);
    let mut flows = gen::flows(300, &mut rng);
    // A flow whose packed key is all zeros, filed among the others.
    flows.insert(
        17,
        gen::Flow {
            client: [0, 0, 0, 0],
            sport: 0,
            dport: 0,
        },
    );
    let mut texts = flow_texts(&flows);
    // Two rules under one key make a list that Rust resolves (the code's result says so).
    texts.push(texts[5].clone());
    let pk = packets(&flows, 3000, 32);
    let m = agree(&texts, &pk, true);
    assert!(m > 2000, "most packets are on the flows, got {m}");
    // The rule set is one hashed switch node.
    let jit = JitGraph::new(&texts.iter().map(|t| compile(t)).collect::<Vec<_>>()).unwrap();
    assert_eq!(jit.graph().shapes().len(), 1);
    assert!(jit.clif_text().contains("imul"), "the table is probed");
}

#[test]
fn host_sets_port_sets_and_mixed_shapes_agree_with_libpcap() {
    let mut rng = Rng::new(41);
    let flows = gen::flows(60, &mut rng);
    let hosts: Vec<String> = flows
        .iter()
        .take(40)
        .map(|f| {
            let c = f.client;
            format!("host {}.{}.{}.{}", c[0], c[1], c[2], c[3])
        })
        .collect();
    let mut texts = vec![hosts.join(" or ")];
    // Many single-port rules: one hashed node on a load after the IPv4 header.
    texts.extend(
        flows
            .iter()
            .take(12)
            .map(|f| format!("tcp dst port {}", f.dport)),
    );
    texts.extend(
        flows
            .iter()
            .take(12)
            .map(|f| format!("src port {}", f.sport)),
    );
    texts.extend(flow_texts(&flows[20..]));
    texts.push("udp and dst port 53".into());
    texts.push("arp".into());
    let pk = packets(&flows, 2500, 42);
    let m = agree(&texts, &pk, true);
    assert!(m > 1500, "got {m}");
}

#[test]
fn thousands_of_keys_overflow_buckets_and_still_agree() {
    // At a load of up to 1/2 with two slots per bucket, a few percent of the buckets
    // overflow: some of these keys are found one bucket further on, and misses walk past.
    let mut rng = Rng::new(51);
    let flows = gen::flows(3000, &mut rng);
    let texts = flow_texts(&flows);
    let pk = packets(&flows, 4000, 52);
    agree(&texts, &pk, true);
}

#[test]
fn inserts_and_removals_keep_the_flat_tables_in_step() {
    let mut rng = Rng::new(61);
    let flows = gen::flows(400, &mut rng);
    let preds: Vec<Pred> = flow_texts(&flows).iter().map(|t| compile(t)).collect();
    let pk = packets(&flows, 2000, 62);
    for spec in [Specialize::Constants, Specialize::Tables] {
        let graph = dpf::Graph::new(&preds[..200]);
        let mut jit = JitGraph::with_specialize(graph, spec).unwrap();
        for (i, p) in preds.iter().enumerate().skip(200) {
            jit.insert(i, p).unwrap();
        }
        for i in (0..400).step_by(3) {
            jit.remove(i).unwrap();
        }
        for i in (0..400).step_by(6) {
            jit.insert(i, &preds[i]).unwrap();
        }
        assert_eq!(jit.recompiles(), 0, "{spec:?}: same-shape changes only");
        let live: Vec<bool> = (0..400).map(|i| jit.graph().rule(i).is_some()).collect();
        for d in &pk {
            let p = Packet::new(d, d.len() as u32);
            let want = (0..400).find(|&i| live[i] && preds[i].matches(&p));
            assert_eq!(jit.first_match(&p), want, "{spec:?}");
            assert_eq!(jit.graph().first_match(&p), want, "{spec:?}");
        }
        // Emptied entirely and refilled: the tables hold nothing stale.
        for i in 0..400 {
            jit.remove(i);
        }
        assert!(pk
            .iter()
            .all(|d| jit.first_match(&Packet::new(d, d.len() as u32)).is_none()));
        for (i, p) in preds.iter().enumerate().take(100) {
            jit.insert(i, p).unwrap();
        }
        for d in &pk {
            let p = Packet::new(d, d.len() as u32);
            assert_eq!(
                jit.first_match(&p),
                (0..100).find(|&i| preds[i].matches(&p)),
                "{spec:?} refilled"
            );
        }
    }
}

/// A table grown by inserts from 100 keys to 9,000 (512 KiB of buckets) is reallocated at each
/// doubling: the code, which reads the table's address at every call, keeps agreeing with the
/// interpreter and never recompiles; so after removing half the keys.
#[test]
fn a_table_grown_by_inserts_to_thousands_of_keys_keeps_agreeing() {
    let mut rng = Rng::new(81);
    let flows = gen::flows(9000, &mut rng);
    let preds: Vec<Pred> = flow_texts(&flows).iter().map(|t| compile(t)).collect();
    let pk = packets(&flows, 3000, 82);
    let mut jit = JitGraph::for_updates(preds[..100].to_vec()).unwrap();
    for (i, p) in preds.iter().enumerate().skip(100) {
        jit.insert(i, p).unwrap();
    }
    assert_eq!(jit.recompiles(), 0);
    let mut hits = 0;
    for d in &pk {
        let p = Packet::new(d, d.len() as u32);
        let want = jit.graph().first_match(&p);
        assert_eq!(jit.first_match(&p), want);
        hits += usize::from(want.is_some());
    }
    assert!(hits > 2000, "got {hits}");
    // Half removed: the answers follow, still without recompiling.
    for i in (0..9000).step_by(2) {
        jit.remove(i).unwrap();
    }
    for d in &pk {
        let p = Packet::new(d, d.len() as u32);
        let want = jit.graph().first_match(&p);
        assert_eq!(jit.first_match(&p), want);
        assert!(want.is_none_or(|r| r % 2 == 1));
    }
    assert_eq!(jit.recompiles(), 0);
}
