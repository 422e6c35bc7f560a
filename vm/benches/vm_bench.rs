//! Micro-benchmarks of the VM against OTP (`erl`), side by side in one run:
//! naive fib(30) and a 1M-message ping-pong. `cargo bench -p vm --bench vm_bench`.

use std::process::Command;
use std::time::Instant;

const FIB: &str = "-module(bfib).\n-export([main/0, fib/1]).\nfib(0) -> 0; fib(1) -> 1; fib(N) -> fib(N - 1) + fib(N - 2).\nmain() -> fib(30).\n";
const PING: &str = "-module(bping).\n-export([main/0]).\npong() -> receive {ping, P} -> P ! pong, pong(); stop -> ok end.\nping(_, 0) -> ok; ping(P, N) -> P ! {ping, self()}, receive pong -> ping(P, N - 1) end.\nmain() -> P = spawn(fun pong/0), ping(P, 1000000), P ! stop, ok.\n";

fn ours(src: &str, name: &str) -> f64 {
    let dir = std::env::temp_dir().join("vm_bench");
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join(format!("{name}.erl"));
    std::fs::write(&f, src).unwrap();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let out = vm::run_files(std::slice::from_ref(&f), name, "main", false);
        assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    best
}

fn otp(src: &str, name: &str) -> Option<f64> {
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
        "T = lists:min([element(1, timer:tc({name}, main, [])) || _ <- [1,2,3]]), io:format(\"~p~n\", [T]), halt()."
    );
    let out = Command::new("erl")
        .arg("-noshell")
        .arg("-pa")
        .arg(&dir)
        .arg("-eval")
        .arg(&eval)
        .output()
        .ok()?;
    let us: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    Some(us / 1000.0)
}

fn main() {
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    for (name, src) in [("bfib", FIB), ("bping", PING)] {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let o = ours(src, name);
        match otp(src, name) {
            Some(e) => println!("{name}: ours {o:.1} ms, OTP {e:.1} ms, ratio {:.2}x", o / e),
            None => println!("{name}: ours {o:.1} ms (erl not available)"),
        }
    }
}
