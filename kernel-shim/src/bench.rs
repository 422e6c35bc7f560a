//! Benchmarks the lead wires into `exo bench shim` ([`run_all`]) and criterion runs
//! (`benches/shim.rs`): the seed report's select() experiment and demultiplexing throughput.

use crate::bridge::Backend;
use crate::caps::Grant;
use crate::nic::sim::{Clock, SimWire, WireConfig};
use crate::nic::Nic;
use crate::wake::{Operand, WPred};
use crate::{EnvId, Frame, Limits, Shim};
use dpf::ir::Rel;
use std::fmt::Write;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// How an environment waits for its peer's message in the select() experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitMode {
    /// (a) no predicates: the scheduler runs every environment, which polls its ring.
    Polling,
    /// (b) each wait builds a new predicate with the value baked in, verifies and compiles it.
    CompileEachWait,
    /// (c) one predicate per shape, compiled once; each wait re-arms it with a new parameter.
    RearmCached,
}

/// CPU time this thread has used. Benchmarks divide by it rather than by wall time: the machine
/// is shared, and "per core" is what the targets are stated in.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills `ts`; this clock always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Two environments ping-pong one small message through their rings `rounds` times, beside
/// `idle` environments that wait for traffic that never comes; returns the mean CPU time per
/// round trip. A polling scheduler runs every environment on every pass; with predicates only
/// the environments whose words changed are looked at.
pub fn select_round_trip(mode: WaitMode, rounds: u64, idle: usize) -> Duration {
    let mut shim = Shim::new(Limits {
        pool_frames: 64,
        max_envs: 4 + idle,
        ..Limits::default()
    })
    .expect("epoll");
    let a = shim.create_env("ping", vec![]).expect("env");
    let b = shim.create_env("pong", vec![]).expect("env");
    let idlers: Vec<EnvId> = (0..idle)
        .map(|_| shim.create_env("idle", vec![]).expect("env"))
        .collect();
    let msg = shim.pool().alloc_copy(&[0u8; 64], 0).expect("frame");
    let cached = shim
        .prepare(a, &WPred::ring_advanced(0))
        .expect("predicate");
    let mut seen = [0u64; 2];
    let envs = [a, b];
    let arm = |shim: &mut Shim, i: usize, seen: u64| match mode {
        WaitMode::Polling => {}
        WaitMode::RearmCached => shim.arm(envs[i], &cached, [seen, 0, 0, 0]).expect("arm"),
        WaitMode::CompileEachWait => {
            let p = WPred::cmp(Operand::Word(0), Rel::Ne, Operand::Const(seen));
            let c = shim.prepare_uncached(envs[i], &p).expect("predicate");
            shim.arm(envs[i], &c, [0; 4]).expect("arm");
        }
    };
    arm(&mut shim, 0, 0);
    arm(&mut shim, 1, 0);
    let mut all = vec![a, b];
    all.extend_from_slice(&idlers);
    if mode != WaitMode::Polling {
        for &e in &idlers {
            shim.arm(e, &cached, [0; 4]).expect("arm");
        }
    }
    let mut ready: Vec<EnvId> = Vec::with_capacity(2);
    let t = thread_cpu();
    for _ in 0..rounds {
        shim.post(b, msg.clone()).expect("post");
        let mut done = false;
        while !done {
            ready.clear();
            match mode {
                WaitMode::Polling => ready.extend_from_slice(&all),
                _ => shim.collect_ready(&mut ready),
            }
            for &e in &ready {
                if e != a && e != b {
                    let _ = shim.recv(e);
                    continue;
                }
                let i = usize::from(e == b);
                let Some(f) = shim.recv(e) else { continue };
                seen[i] += 1;
                if e == b {
                    shim.post(a, f).expect("post");
                } else {
                    done = true;
                }
                arm(&mut shim, i, seen[i]);
            }
        }
    }
    (thread_cpu() - t) / rounds.max(1) as u32
}

/// The port environment `i` owns in the throughput benchmark.
fn bench_port(i: usize) -> u16 {
    10_000 + i as u16
}

const BENCH_HOST: [u8; 4] = [192, 0, 2, 1];

/// A UDP frame to environment `i`'s port.
fn bench_frame(i: usize) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    f[14] = 0x45;
    f[23] = 17;
    f[26..30].copy_from_slice(&[198, 51, 100, 7]);
    f[30..34].copy_from_slice(&BENCH_HOST);
    f[34..36].copy_from_slice(&40000u16.to_be_bytes());
    f[36..38].copy_from_slice(&bench_port(i).to_be_bytes());
    f
}

/// Result of [`wire_to_rings`].
#[derive(Clone, Copy, Debug)]
pub struct Throughput {
    pub frames: u64,
    pub elapsed: Duration,
    /// CPU time of the measuring thread over the same interval.
    pub cpu: Duration,
    pub setup: Duration,
}

impl Throughput {
    /// Frames per wall-clock second.
    pub fn per_second(&self) -> f64 {
        self.frames as f64 / self.elapsed.as_secs_f64()
    }
    /// Frames per second of CPU time: the rate one core sustains.
    pub fn per_cpu_second(&self) -> f64 {
        self.frames as f64 / self.cpu.as_secs_f64()
    }
}

/// Frames from a simulated wire through the shim's demux into `envs` environments' rings,
/// for at least `min_time` (every frame is checked to land in its owner's ring, which drains).
pub fn wire_to_rings(backend: Backend, envs: usize, min_time: Duration) -> Throughput {
    let setup_t = Instant::now();
    let mut shim = Shim::new(Limits {
        // Rings drain every 4096 frames: room for each one's share, twice over.
        ring_capacity: 64.max(2 * 4096 / envs.max(1) + 16),
        pool_frames: 8192,
        burst: 64,
        demux: backend,
        ..Limits::default()
    })
    .expect("epoll");
    let host = Ipv4Addr::from(BENCH_HOST);
    let ids: Vec<EnvId> = (0..envs)
        .map(|i| {
            let g = Grant::ports(17, host, bench_port(i), bench_port(i));
            let e = shim
                .create_env(&format!("e{i}"), vec![g.clone()])
                .expect("env");
            shim.install(e, "port", g.to_pred()).expect("install");
            e
        })
        .collect();
    let (mut tx, rx) = SimWire::pair(WireConfig::default(), Clock::manual());
    shim.add_nic(Box::new(rx)).expect("nic");
    let frames: Vec<Frame> = (0..envs)
        .map(|i| shim.pool().alloc_copy(&bench_frame(i), 0).expect("frame"))
        .collect();
    // Interleave owners so consecutive frames go to different rings.
    let order: Vec<Frame> = (0..4096)
        .map(|k| frames[(k * 7919) % envs].clone())
        .collect();
    // Warm up (and build the demux) outside the timed part.
    tx.send_burst(&order[..64]).expect("send");
    shim.pump().expect("pump");
    let setup = setup_t.elapsed();
    let mut sent = 0u64;
    let t = Instant::now();
    let cpu0 = thread_cpu();
    let mut bursts = 0usize;
    while t.elapsed() < min_time {
        for chunk in order.chunks(64) {
            tx.send_burst(chunk).expect("send");
            sent += shim.pump().expect("pump") as u64;
            bursts += 1;
        }
        // Drain every ring once per 4096 frames (~4 frames per ring with 1,000 owners).
        for &e in &ids {
            while shim.recv(e).is_some() {}
        }
    }
    let elapsed = t.elapsed();
    let cpu = thread_cpu() - cpu0;
    let delivered: u64 = ids
        .iter()
        .map(|&e| shim.counters(e).map(|c| c.received).unwrap_or(0))
        .sum();
    assert_eq!(
        delivered,
        sent + 64,
        "every frame reached its ring ({bursts} bursts)"
    );
    Throughput {
        frames: sent,
        elapsed,
        cpu,
        setup,
    }
}

/// Result of [`install_churn`].
#[derive(Clone, Copy, Debug)]
pub struct Churn {
    pub cycles: u64,
    /// Thread CPU time per install + remove of one connection filter.
    pub per_cycle: Duration,
    /// Demux code generations during the timed cycles (same shape: expected 0).
    pub compiles: u64,
    /// Filters moved to make room during the timed cycles.
    pub moves: u64,
}

/// Install/remove churn beside `envs` single-port owners: a listener environment installs a
/// connection filter (nested in its listener, so it must outrank it) and removes its oldest
/// once 200 are live, `cycles` times. Every install is checked against the other owners.
pub fn install_churn(envs: usize, cycles: u64) -> Churn {
    let mut shim = Shim::new(Limits {
        filters_per_env: 256,
        max_envs: envs + 2,
        ..Limits::default()
    })
    .expect("epoll");
    let host = Ipv4Addr::from(BENCH_HOST);
    for i in 0..envs {
        let g = Grant::ports(17, host, bench_port(i), bench_port(i));
        let e = shim
            .create_env(&format!("e{i}"), vec![g.clone()])
            .expect("env");
        shim.install(e, "port", g.to_pred()).expect("install");
    }
    let g = Grant::ports(17, host, 80, 80);
    let web = shim.create_env("web", vec![g.clone()]).expect("env");
    shim.install(web, "listen", g.to_pred()).expect("install");
    let conn = |sport: u64| {
        dpf::ir::Pred::and(
            g.to_pred(),
            dpf::ir::Pred::Atom(dpf::ir::Atom {
                load: dpf::ir::Load {
                    base: dpf::ir::Base::IpHdrLen { at: 14 },
                    off: 14,
                    size: 2,
                },
                mask: u32::MAX,
                rel: Rel::Eq,
                k: (sport % 60_000) as u32 + 1024,
            }),
        )
    };
    // The first connection brings its shape (one compilation), outside the timed part.
    let mut live = std::collections::VecDeque::new();
    live.push_back(shim.install(web, "conn", conn(0)).expect("install"));
    let before = shim.stats();
    let t = thread_cpu();
    for k in 1..=cycles {
        live.push_back(shim.install(web, "conn", conn(k)).expect("install"));
        if live.len() > 200 {
            let id = live.pop_front().expect("live");
            shim.remove(web, id).expect("remove");
        }
    }
    let cpu = thread_cpu() - t;
    let after = shim.stats();
    Churn {
        cycles,
        per_cycle: cpu / cycles.max(1) as u32,
        compiles: after.demux_compiles - before.demux_compiles,
        moves: after.demux_moves - before.demux_moves,
    }
}

/// Every shim benchmark, as a plain-text report.
pub fn run_all() -> String {
    let mut out = run_select();
    out.push_str(&run_churn());
    out.push_str(&run_throughput());
    out
}

/// The install/remove churn part of the report.
pub fn run_churn() -> String {
    let mut out = String::new();
    for envs in [10, 1000] {
        let c = install_churn(envs, 20_000);
        let _ = writeln!(
            out,
            "install + remove of a nested connection filter beside {envs:>4} owners: {:>7.2} us per pair (thread CPU), {} recompilations, {} moves in {} cycles",
            c.per_cycle.as_nanos() as f64 / 1000.0,
            c.compiles,
            c.moves,
            c.cycles
        );
    }
    out
}

/// The select() part of the report.
pub fn run_select() -> String {
    let mut out = String::new();
    // Many short interleaved runs, minimum of each mode: on a shared machine a burst of
    // someone else's work can cover several consecutive runs of one mode.
    let rounds = 100_000;
    let reps = 11;
    let _ = writeln!(out, "kernel-shim benchmarks");
    let _ = writeln!(
        out,
        "select() experiment: two environments ping-pong one message, {rounds} round trips \
         (thread CPU time, best of {reps} interleaved runs)"
    );
    for idle in [0, 14] {
        // Interleave repetitions so machine noise hits every mode alike; keep the best of each.
        let mut best = [Duration::MAX; 3];
        let modes = [
            WaitMode::Polling,
            WaitMode::CompileEachWait,
            WaitMode::RearmCached,
        ];
        for _ in 0..reps {
            for (i, m) in modes.iter().enumerate() {
                best[i] = best[i].min(select_round_trip(*m, rounds, idle));
            }
        }
        let ns = |d: Duration| d.as_nanos() as f64;
        let _ = writeln!(out, " with {idle} idle environments beside the pair:");
        let _ = writeln!(
            out,
            "  (a) polling            {:>8.1} ns/round trip",
            ns(best[0])
        );
        let _ = writeln!(
            out,
            "  (b) compile every wait {:>8.1} ns/round trip  (b)/(a) = {:.2}x  [XOK: >5x]",
            ns(best[1]),
            ns(best[1]) / ns(best[0])
        );
        let _ = writeln!(
            out,
            "  (c) re-arm cached      {:>8.1} ns/round trip  (c)/(a) = {:.2}x  [target <= 1.2x]",
            ns(best[2]),
            ns(best[2]) / ns(best[0])
        );
    }
    out
}

/// The frames-per-second part of the report.
pub fn run_throughput() -> String {
    let mut out = String::new();
    for (backend, envs) in [
        (Backend::Linear, 10),
        (Backend::Linear, 1000),
        (Backend::Graph, 1000),
        (Backend::Jit, 10),
        (Backend::Jit, 1000),
    ] {
        let t = wire_to_rings(backend, envs, Duration::from_secs(2));
        let _ = writeln!(
            out,
            "wire -> demux -> rings, {envs:>4} environments, {}: {:>6.2} M frames/s per core ({:.2} M/s wall; {} frames, {:.2} s CPU of {:.2} s; setup {:.2} s)",
            backend.name(),
            t.per_cpu_second() / 1e6,
            t.per_second() / 1e6,
            t.frames,
            t.cpu.as_secs_f64(),
            t.elapsed.as_secs_f64(),
            t.setup.as_secs_f64()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_modes_all_complete_their_round_trips() {
        for m in [
            WaitMode::Polling,
            WaitMode::CompileEachWait,
            WaitMode::RearmCached,
        ] {
            assert!(select_round_trip(m, 100, 0) > Duration::ZERO);
            assert!(select_round_trip(m, 100, 5) > Duration::ZERO);
        }
    }

    #[test]
    fn churn_of_one_shape_never_recompiles() {
        let c = install_churn(20, 300);
        assert_eq!(c.compiles, 0);
        assert!(c.per_cycle > Duration::ZERO);
    }

    #[test]
    fn throughput_bench_delivers_every_frame() {
        for b in [Backend::Linear, Backend::Graph, Backend::Jit] {
            let t = wire_to_rings(b, 20, Duration::from_millis(50));
            assert!(t.frames >= 4096);
        }
    }
}
