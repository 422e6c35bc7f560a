//! Runtime limits: garbage does not accumulate (terms are reference counted and freed as soon
//! as they die), deep recursion and huge numbers end in exceptions, never in a crash.

mod support;
use support::run;

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
    let after = rss_kib();
    let grown = after.saturating_sub(before);
    println!("RSS before {before} KiB, after {after} KiB (grew {grown} KiB)");
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

#[test]
fn sending_a_megabyte_binary_copies_no_bytes() {
    let mut vm = vm::Vm::new();
    vm.register_native(
        "host",
        "copied",
        0,
        Box::new(|_, _| Ok(vm::term::Term::Int(vm::term::bytes_copied() as i64))),
    );
    vm.load_source(
        "send1m.erl",
        "-module(send1m).\n-export([main/0]).\n\
         main() -> B = binary:copy(<<7>>, 1048576), Self = self(),\n\
         P = spawn(fun() -> receive {Bin, From} -> From ! {got, byte_size(Bin), binary:last(Bin), binary:referenced_byte_size(Bin)} end end),\n\
         C0 = host:copied(), P ! {B, Self}, R = receive {got, N, L, Ref} -> {N, L, Ref} end,\n\
         {R, host:copied() - C0}.\n",
    )
    .unwrap();
    let out = vm.run("send1m", "main", true);
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    // The receiver saw all 1 MiB (the same off-heap bytes), and the counter did not move.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{{1048576,7,1048576},0}\n"
    );
}

/// A literal nested 100,000 levels deep (a list literal is a chain of conses) compiles and runs
/// on the test harness's small thread stack: the compiler's recursive passes grow their stack.
#[test]
fn a_hundred_thousand_element_list_literal_compiles_and_runs() {
    let n: u64 = 100_000;
    let items: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    let out = run(
        "biglit",
        &format!("main() -> lists:sum([{}]).", items.join(",")),
    );
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        (n * (n + 1) / 2).to_string()
    );
}

/// The same with a variable in every element, so the list is built at run time.
#[test]
fn a_hundred_thousand_element_list_built_at_run_time() {
    let n = 100_000;
    let items = vec!["X"; n];
    let out = run(
        "bigvar",
        &format!("main() -> X = 2, length([{}]).", items.join(",")),
    );
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), n.to_string());
}
