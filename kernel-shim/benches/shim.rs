//! Criterion runs of the shim's benchmarks (`cargo bench -p kernel-shim`); the same functions
//! back `kernel_shim::bench::run_all`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kernel_shim::bench::{select_round_trip, wire_to_rings, WaitMode};
use kernel_shim::bridge::Backend;
use std::time::Duration;

fn select(c: &mut Criterion) {
    let mut g = c.benchmark_group("select_round_trip");
    for (name, m) in [
        ("a_polling", WaitMode::Polling),
        ("b_compile_each_wait", WaitMode::CompileEachWait),
        ("c_rearm_cached", WaitMode::RearmCached),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| select_round_trip(m, iters, 0) * iters as u32)
        });
    }
    g.finish();
}

fn demux(c: &mut Criterion) {
    let mut g = c.benchmark_group("wire_to_rings");
    g.sample_size(10);
    for envs in [10usize, 1000] {
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::from_parameter(envs), &envs, |b, &envs| {
            b.iter_custom(|iters| {
                let t = wire_to_rings(Backend::Jit, envs, Duration::from_millis(200));
                t.elapsed.mul_f64(iters as f64 / t.frames as f64)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, select, demux);
criterion_main!(benches);
