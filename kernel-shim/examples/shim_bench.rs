//! Prints the shim benchmark report (`cargo run --release -p kernel-shim --example shim_bench`);
//! an argument (`select`, `churn`, `throughput`) runs that part only. `mode a|b|c` runs one
//! select() mode alone for 2 M round trips, `wire N` the JIT throughput case with N
//! environments for 3 s (both for profiling).
fn main() {
    use kernel_shim::bench::{self, WaitMode};
    let mut args = std::env::args().skip(1);
    let report = match args.next().as_deref() {
        Some("select") => bench::run_select(),
        Some("churn") => bench::run_churn(),
        Some("throughput") => bench::run_throughput(),
        Some("mode") => {
            let m = match args.next().as_deref() {
                Some("a") => WaitMode::Polling,
                Some("b") => WaitMode::CompileEachWait,
                _ => WaitMode::RearmCached,
            };
            let t = bench::select_round_trip(m, 2_000_000, 0);
            format!("{m:?}: {} ns per round trip\n", t.as_nanos())
        }
        Some("wire") => {
            let envs = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
            let t = bench::wire_to_rings(
                kernel_shim::bridge::Backend::Jit,
                envs,
                std::time::Duration::from_secs(3),
            );
            format!(
                "JIT, {envs} environments: {:.2} M frames/s per core\n",
                t.per_cpu_second() / 1e6
            )
        }
        _ => bench::run_all(),
    };
    print!("{report}");
}
