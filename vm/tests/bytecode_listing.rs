//! The bytecode listing (`vm::bytecode_listing`, `exo compile --emit bytecode`) shows the
//! register bytecode a known function lowers to: clause selection as tests with fail labels
//! and a switch, calls through register windows, tail calls as jumps.

use std::path::Path;

const SRC: &str = "-module(m).\n-export([fib/1, kind/1, len/2, sum/2]).\n\
fib(0) -> 0; fib(1) -> 1; fib(N) -> fib(N - 1) + fib(N - 2).\n\
kind(a) -> 1; kind(b) -> 2; kind({t, X}) -> X; kind([]) -> nil; kind(_) -> other.\n\
len([], N) -> N; len([_ | T], N) -> len(T, N + 1).\n\
sum([], A) -> A; sum([H | T], A) -> sum(T, A + H).\n";

fn listing(f: &str) -> String {
    vm::bytecode_listing(Path::new("m.erl"), SRC, Some(f)).expect("compiles")
}

#[test]
fn fib_lowers_to_tests_calls_and_return() {
    let text = listing("fib/1");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("fib/1 ("), "{text}");
    // Clause 1: test the argument against 0, fail to clause 2.
    assert!(lines[1].contains("is_int r0, 0 else"), "{text}");
    // A constant body returns in one instruction.
    assert!(lines[2].contains("return_lit 0"), "{text}");
    assert!(lines[3].contains("is_int r0, 1 else"), "{text}");
    // Clause 3: two non-tail calls whose arguments sit at the top of the frame.
    let calls = lines.iter().filter(|l| l.contains(": call #")).count();
    assert_eq!(calls, 2, "{text}");
    // `N` is read in the argument register, and the sum is returned as it is computed.
    assert!(text.contains("op Sub r0, 1 ->"), "{text}");
    assert!(text.contains("return_op Add "), "{text}");
    assert!(text.contains("function_clause"), "{text}");
    // The tree evaluator is not needed for any of it.
    assert!(!text.contains("esc"), "{text}");
}

#[test]
fn many_clauses_get_a_switch_and_tail_calls_stay_in_the_loop() {
    let text = listing("kind");
    assert!(text.contains("switch r0 ["), "{text}");
    // Keys read as Erlang: atoms by name, a tagged tuple as {Arity,Tag}, nil as [].
    for key in ["a->", "b->", "{2,t}->", "[]->"] {
        assert!(text.contains(key), "{key} in {text}");
    }
    assert!(text.contains("is_tuple r0/2 else"), "{text}");
    let text = listing("len/2");
    // The head is ignored: only the tail is read.
    assert!(text.contains("get_tl r0 ->"), "{text}");
    assert!(text.contains("tail_call #"), "{text}");
    assert!(!text.contains(": call #"), "{text}");
    let text = listing("sum/2");
    assert!(text.contains("get_list r0 ->"), "{text}");
}

#[test]
fn an_unknown_function_is_an_error_naming_it() {
    let e = vm::bytecode_listing(Path::new("m.erl"), SRC, Some("nope/3")).unwrap_err();
    assert!(e.contains("nope/3"), "{e}");
}
