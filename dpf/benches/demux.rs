//! Criterion view of `dpf bench`: ns/packet over the same synthetic trace for the JIT, the graph
//! interpreter, the hand-written 4-tuple demux and libpcap with the N programs in order, plus
//! the same-shape insert+remove on a 10,000-rule graph. (`dpf bench` prints the ratios and the
//! compile/memory figures; this gives criterion's statistics for the per-packet loops.) Every
//! loop asks for the packet 8 places ahead, as `dpf bench` does by default.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dpf::cli::bench::HandDemux;
use dpf::demux::for_each_prefetched;
use dpf::gen::{self, Rng};
use dpf::ir::{Packet, Pred};
use dpf::{Demux, JitGraph};

/// How far ahead every loop prefetches (`dpf bench --prefetch`'s default).
const AHEAD: usize = 8;

/// How many packets `f` matches, each loop prefetching alike.
fn count(pk: &[&[u8]], mut f: impl FnMut(&[u8]) -> Option<usize>) -> usize {
    let mut n = 0;
    for_each_prefetched(pk, AHEAD, |p| n += usize::from(f(black_box(p)).is_some()));
    n
}

fn per_packet(c: &mut Criterion) {
    let mut g = c.benchmark_group("first_match_20k_packets");
    g.sample_size(10);
    for n in [1usize, 10, 100, 1000, 10_000] {
        let mut rng = Rng::new(1);
        let flows = gen::flows(n, &mut rng);
        let owned = gen::packets(&flows, 20_000, &mut rng);
        let packets: Vec<&[u8]> = owned.iter().map(|p| &p[..]).collect();
        let rules: Vec<Pred> = flows.iter().map(gen::flow_pred).collect();
        let jit = JitGraph::new(&rules).unwrap();
        let hand = HandDemux::new(&flows);
        g.throughput(Throughput::Elements(packets.len() as u64));
        g.bench_with_input(BenchmarkId::new("jit", n), &packets, |b, pk| {
            b.iter(|| count(pk, |p| jit.first_match(&Packet::new(p, p.len() as u32))))
        });
        g.bench_with_input(BenchmarkId::new("graph", n), &packets, |b, pk| {
            b.iter(|| {
                count(pk, |p| {
                    jit.graph().first_match(&Packet::new(p, p.len() as u32))
                })
            })
        });
        g.bench_with_input(BenchmarkId::new("hand", n), &packets, |b, pk| {
            b.iter(|| count(pk, |p| hand.first_match(p)))
        });
        if n <= 100 {
            let dead = pcap::Capture::dead(pcap::Linktype(1)).unwrap();
            let progs: Vec<pcap::BpfProgram> = gen::rules_text(&flows)
                .lines()
                .map(|l| dead.compile(l.split_once(": ").unwrap().1, true).unwrap())
                .collect();
            g.bench_with_input(
                BenchmarkId::new("libpcap_in_order", n),
                &packets,
                |b, pk| b.iter(|| count(pk, |p| progs.iter().position(|g| g.filter(p)))),
            );
        }
    }
    g.finish();
}

fn insert_remove(c: &mut Criterion) {
    let mut rng = Rng::new(2);
    let flows = gen::flows(10_001, &mut rng);
    let rules: Vec<Pred> = flows[..10_000].iter().map(gen::flow_pred).collect();
    let extra = gen::flow_pred(&flows[10_000]);
    let mut jit = JitGraph::new(&rules).unwrap();
    c.bench_function("same_shape_insert_remove_10k", |b| {
        b.iter(|| {
            jit.insert(10_000, black_box(&extra)).unwrap();
            jit.remove(10_000)
        })
    });
    assert_eq!(jit.recompiles(), 0);
}

criterion_group!(benches, per_packet, insert_remove);
criterion_main!(benches);
