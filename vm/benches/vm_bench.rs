//! Micro-benchmarks of the VM against OTP (`erl`), side by side in one run:
//! naive fib(30) and a 1M-message ping-pong. `cargo bench -p vm --bench vm_bench`.

use std::process::Command;
use std::time::Instant;

// mimalloc, the allocator `exo` runs the VM with (through `dpf::alloc::MiAlloc`, which takes
// its plain entry points): the VM allocates a block per cons cell and boxed term, and
// mimalloc's thread-local free lists make that cheap. fib and ping-pong allocate little.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FIB: &str = "-module(bfib).\n-export([main/0, fib/1]).\nfib(0) -> 0; fib(1) -> 1; fib(N) -> fib(N - 1) + fib(N - 2).\nmain() -> fib(30).\n";
const PING: &str = "-module(bping).\n-export([main/0]).\npong() -> receive {ping, P} -> P ! pong, pong(); stop -> ok end.\nping(_, 0) -> ok; ping(P, N) -> P ! {ping, self()}, receive pong -> ping(P, N - 1) end.\nmain() -> P = spawn(fun pong/0), ping(P, 1000000), P ! stop, ok.\n";

/// CPU time of the calling thread (the VM runs every process on it), in ms.
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1e6
}

/// Best (wall ms, CPU ms) of 3 runs on our VM.
fn ours(src: &str, name: &str) -> (f64, f64) {
    let dir = std::env::temp_dir().join("vm_bench");
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join(format!("{name}.erl"));
    std::fs::write(&f, src).unwrap();
    let mut best = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let t = Instant::now();
        let c = thread_cpu_ms();
        let out = vm::run_files(std::slice::from_ref(&f), name, "main", false);
        assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
        best.0 = best.0.min(t.elapsed().as_secs_f64() * 1000.0);
        best.1 = best.1.min(thread_cpu_ms() - c);
    }
    best
}

/// Best (wall ms, CPU ms) of 3 runs on OTP. Schedulers do not busy-wait (`+sbwt none`), so
/// CPU time is work done; `erlang:statistics(runtime)` has millisecond resolution.
fn otp(src: &str, name: &str) -> Option<(f64, f64)> {
    let dir = std::env::temp_dir().join("vm_bench");
    let f = dir.join(format!("{name}.erl"));
    std::fs::write(&f, src).unwrap();
    Command::new("erlc")
        .arg("-o")
        .arg(&dir)
        .arg(&f)
        .output()
        .ok()?;
    let eval = format!(
        "R = [begin {{_, _}} = statistics(runtime), {{W, _}} = timer:tc({name}, main, []), {{_, C}} = statistics(runtime), {{W, C}} end || _ <- [1,2,3]], io:format(\"~p ~p~n\", [lists:min([W || {{W, _}} <- R]), lists:min([C || {{_, C}} <- R])]), halt()."
    );
    let out = Command::new("erl")
        .arg("+sbwt")
        .arg("none")
        .arg("-noshell")
        .arg("-pa")
        .arg(&dir)
        .arg("-eval")
        .arg(&eval)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut it = text.split_whitespace();
    let us: f64 = it.next()?.parse().ok()?;
    let cpu_ms: f64 = it.next()?.parse().ok()?;
    Some((us / 1000.0, cpu_ms))
}

fn main() {
    // `vm_bench once NAME [ARG]`: one run of ours only, with a smaller workload, for
    // instruction counting under valgrind (timings here are too noisy to compare small wins).
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("once") {
        let name = argv.get(2).map(String::as_str).unwrap_or("bfib");
        let n = argv.get(3).map(String::as_str).unwrap_or("22");
        let src = match name {
            "bfib" => FIB.replace("fib(30)", &format!("fib({n})")),
            _ => PING.replace("1000000", "20000"),
        };
        let dir = std::env::temp_dir().join("vm_bench_once");
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join(format!("{name}.erl"));
        std::fs::write(&f, src).unwrap();
        let out = vm::run_files(std::slice::from_ref(&f), name, "main", true);
        print!("{}", String::from_utf8_lossy(&out.stdout));
        return;
    }
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    for (name, src) in [("bfib", FIB), ("bping", PING)] {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let (ow, oc) = ours(src, name);
        match otp(src, name) {
            Some((ew, ec)) => println!(
                "{name}: wall ours {ow:.1} ms, OTP {ew:.1} ms, ratio {:.2}x; CPU ours {oc:.1} ms, OTP {ec:.0} ms, ratio {:.2}x",
                ow / ew,
                oc / ec.max(1.0)
            ),
            None => println!("{name}: ours {ow:.1} ms wall, {oc:.1} ms CPU (erl not available)"),
        }
    }
}
