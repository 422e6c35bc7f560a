//! Unbounded non-tail recursion ends in a catchable `system_limit`, not a crash or an
//! out-of-memory kill: Erlang calls run on the bytecode loop's own call stack, which stops at
//! 2^26 registers (~1.6 GB resident at the peak). Its own test binary, so that peak does not
//! disturb the resident-memory checks in `runtime_limits.rs`.

#[test]
fn infinite_non_tail_recursion_raises_system_limit() {
    let dir = std::env::temp_dir().join(format!("vm_reclimit_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("inf.erl");
    std::fs::write(
        &f,
        "-module(inf).\n-export([main/0]).\nf(N) -> 1 + f(N + 1).\n\
         main() -> try f(0) catch error:R -> {caught, R} end.\n",
    )
    .unwrap();
    let out = vm::run_files(&[f], "inf", "main", true);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{caught,system_limit}\n"
    );
}
