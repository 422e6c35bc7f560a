//! Clause selection on sub-terms (`select`, `dispatch::plan`): the listing shows which
//! sub-terms a clause list is keyed on, and the bodies that are a constant or an operator
//! return it in one instruction. Behaviour (first matching clause wins, guards, no clause:
//! `function_clause`) is checked against OTP by `tests/conformance/clause_select_*.erl`.

use std::path::Path;

const LISTS: &str = include_str!("conformance/clause_select_lists.erl");
const TUPLES: &str = include_str!("conformance/clause_select_tuples.erl");

fn listing(src: &str, f: &str) -> String {
    vm::bytecode_listing(Path::new("m.erl"), src, Some(f)).expect("compiles")
}

#[test]
fn list_clauses_are_keyed_on_the_heads_they_test() {
    // pat5: `pat5(0, _)` first, then `[0, K | _]` clauses: the first column and the second
    // list element are probed together, in place.
    let text = listing(LISTS, "pat5/2");
    let first = text.lines().nth(1).expect("an instruction");
    assert!(first.contains("select "), "{text}");
    assert!(first.contains("r0 [0]"), "{text}");
    assert!(first.contains("r1.tl.hd [20 19 18 16 15 1]"), "{text}");
    // pat1 reads the fourth element.
    let text = listing(LISTS, "pat1/2");
    assert!(text.contains("r1.tl.tl.tl.hd [0 1 2 3]"), "{text}");
}

#[test]
fn tuple_elements_and_several_columns_are_probed() {
    let text = listing(TUPLES, "msg/2");
    assert!(text.contains("select "), "{text}");
    assert!(text.contains("{3,ping}"), "{text}");
    let text = listing(TUPLES, "grid/3");
    for probe in ["r0 [a b c]", "r1 [1 2 3]"] {
        assert!(text.contains(probe), "{probe} in {text}");
    }
    // In a receive, the message register is probed for each message tried.
    let text = listing(TUPLES, "rcv/2");
    assert!(text.contains("select r"), "{text}");
    assert!(text.contains("loop_rec"), "{text}");
}

#[test]
fn constant_and_operator_bodies_return_in_one_instruction() {
    let src = "-module(m).\n-export([fib/1]).\n\
               fib(0) -> 0; fib(1) -> 1; fib(N) -> fib(N - 1) + fib(N - 2).\n";
    let text = listing(src, "fib/1");
    assert!(text.contains("return_lit 0"), "{text}");
    assert!(text.contains("return_lit 1"), "{text}");
    assert!(text.contains("return_op Add "), "{text}");
    // `N` is read from the argument register: no copy into a variable slot.
    assert!(!text.contains("move r0"), "{text}");
    assert!(text.contains("op Sub r0, 1 ->"), "{text}");
    // The code ends in its one `function_clause`: no sentinel is needed after it.
    assert_eq!(text.matches("function_clause").count(), 1, "{text}");
    assert!(text.trim_end().ends_with("function_clause"), "{text}");
    // `_ = Expr` cannot fail: no `badmatch` is emitted for it.
    let src = "-module(m).\n-export([f/1]).\nf(X) -> _ = X + 1, X.\n";
    let text = listing(src, "f/1");
    assert!(!text.contains("badmatch"), "{text}");
}
