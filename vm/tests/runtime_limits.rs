//! Runtime limits: garbage does not accumulate (terms are reference counted and freed as soon
//! as they die), deep recursion and huge numbers end in exceptions, never in a crash.

use std::path::PathBuf;

fn run(name: &str, body: &str) -> vm::RunOutput {
    let dir = std::env::temp_dir().join(format!("vm_limits_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f: PathBuf = dir.join(format!("{name}.erl"));
    std::fs::write(
        &f,
        format!("-module({name}).\n-export([main/0]).\n{body}\n"),
    )
    .unwrap();
    vm::run_files(&[f], name, "main", true)
}

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn ten_million_short_lived_terms_run_in_bounded_memory() {
    let before = rss_kib();
    let out = run(
        "garbage",
        "loop(0, Acc) -> Acc; loop(N, Acc) -> T = {N, [N, N + 1], <<N:32>>}, loop(N - 1, Acc + element(1, T) rem 2).\nmain() -> loop(10000000 div 3, 0).",
    );
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    let grown = rss_kib().saturating_sub(before);
    // Each iteration allocates a tuple, two cons cells and a binary (~3.3M iterations, 10M+
    // terms); if any were kept the process would grow by hundreds of MiB.
    assert!(grown < 64 * 1024, "resident memory grew by {grown} KiB");
}

#[test]
fn deep_recursion_and_huge_numbers_are_exceptions() {
    let out = run(
        "deep",
        "f(0) -> 0; f(N) -> 1 + f(N - 1).\nmain() -> f(1000000).",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1000000\n");
    let out = run(
        "huge",
        "main() -> try 1 bsl (1 bsl 40) catch error:R -> R end.",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "system_limit\n");
    let out = run(
        "crash",
        "main() -> spawn(fun() -> 1 / zero end), receive after 20 -> survived end.",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "survived\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("badarith"));
    let out = run("uncaught", "main() -> 1 + a.");
    assert_eq!(out.exit_code, 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("exception error: badarith"));
}
