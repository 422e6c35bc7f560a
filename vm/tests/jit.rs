//! Native code for hot functions (`vm::jit`): it is generated when a function gets hot, not
//! before and not when switched off, and a program prints the same with or without it. (What
//! native code computes is compared with OTP by the conformance corpus, which runs every
//! module a second time with every function compiled at its first call.)

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

const FIB: &str = "-module(jit_fib).
-export([main/0, few/0]).
main() -> io:format(\"~p~n\", [fib(24)]).
few() -> io:format(\"~p~n\", [fib(3)]).
fib(0) -> 0;
fib(1) -> 1;
fib(N) -> fib(N - 1) + fib(N - 2).
";

/// The module in a directory of its own for each run (the tests run side by side).
fn module() -> PathBuf {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("vm-jit-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("jit_fib.erl");
    std::fs::write(&path, FIB).expect("write module");
    path
}

/// Runs `function` on a fresh thread (the threshold and the count are per thread) and
/// returns its output and how many functions that thread compiled.
fn run(threshold: Option<u32>, function: &'static str) -> (String, usize) {
    let path = module();
    std::thread::spawn(move || {
        vm::jit::set_threshold(threshold);
        let out = vm::run_files(std::slice::from_ref(&path), "jit_fib", function, false);
        if let Some(dir) = path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            vm::jit::compiled(),
        )
    })
    .join()
    .expect("runner thread")
}

#[test]
fn a_hot_function_is_compiled_and_prints_the_same() {
    let (interp, none) = run(None, "main");
    let (native, some) = run(Some(200), "main");
    assert_eq!(interp, "46368\n");
    assert_eq!(native, interp);
    assert_eq!(none, 0, "compiled with native code switched off");
    assert!(some >= 1, "fib(24) made no function hot enough to compile");
}

#[test]
fn a_function_called_less_than_the_threshold_stays_interpreted() {
    // fib(3) makes 5 calls.
    let (out, n) = run(Some(200), "few");
    assert_eq!(out, "2\n");
    assert_eq!(n, 0);
    let (out, n) = run(Some(5), "few");
    assert_eq!(out, "2\n");
    assert!(n >= 1, "the fifth call did not compile fib/1");
}
