//! The compiler's two OTP-style optimisations, seen in the bytecode they produce
//! (`vm::bytecode_listing`): a term rebuilt from the parts a clause matched is the matched
//! term itself (no `cons`/`tuple` instruction), and a BIF call whose value is unused and
//! which cannot fail or have an effect is not made at all. What the programs compute is
//! compared with OTP in `tests/conformance/reuse_matched_terms.erl` and
//! `tests/conformance/pure_drop_raise.erl`.

use std::path::Path;

fn listing(src: &str, f: &str) -> String {
    vm::bytecode_listing(Path::new("m.erl"), src, Some(f)).expect("compiles")
}

/// The instructions of a listing whose mnemonic is `op` (`"cons"`, `"bif"`...). A `take`
/// is a `move` and a `cons_take` a `cons` here (the same register or cell, moved from a
/// register no path reads again: `take_dead_moves` in `lower.rs`).
fn count(text: &str, op: &str) -> usize {
    fn plain(m: &str) -> &str {
        match m {
            "take" => "move",
            "cons_take" => "cons",
            m => m,
        }
    }
    text.lines()
        .filter(|l| {
            l.split_once(": ")
                .and_then(|(_, i)| i.split_whitespace().next())
                .is_some_and(|m| plain(m) == op)
        })
        .count()
}

const PAT: &str = "-module(m).\n-export([pat1/2, pat2/2, pat4/2, tup/1, swap/1, lit/1]).\n\
pat1(0, _) -> ok;\n\
pat1(_, [_, _, _, 0 | _]) -> ok;\n\
pat1(I, [_, X, Y, 3 | T]) -> pat1(I - 1, [0, X, Y, 3 | T]).\n\
pat2(0, _) -> ok;\n\
pat2(_, [_, Y | _]) when Y bsl 1 == 0 -> ok;\n\
pat2(I, [X, Y | T]) when Y bsl 2 == 4 -> pat2(I - 1, [X, Y | T]).\n\
pat4(0, _) -> ok;\n\
pat4(_, [20 | _]) -> ok;\n\
pat4(I, [0 | T]) -> pat4(I - 1, [0 | T]).\n\
tup({A, {B, C}}) -> {A, {B, C}}.\n\
swap([X, Y | T]) -> [Y, X | T].\n\
lit([0 | T]) -> [0.0 | T].\n";

#[test]
fn a_list_rebuilt_from_its_match_is_the_argument() {
    for f in ["pat2/2", "pat4/2"] {
        let text = listing(PAT, f);
        assert_eq!(count(&text, "cons"), 0, "{f} builds a cell:\n{text}");
        // The argument register itself is passed on: `r1` moves to the call window.
        assert!(
            text.contains("move r1 ->") || text.contains("take r1 ->"),
            "{f}:\n{text}"
        );
    }
    // `T` is no longer read, so `pat4` does not extract it: only the head is looked at.
    let text = listing(PAT, "pat4/2");
    assert_eq!(count(&text, "get_tl"), 0, "{text}");
    assert_eq!(count(&text, "get_list"), 0, "{text}");
}

#[test]
fn a_changed_head_conses_one_cell_onto_the_matched_tail() {
    let text = listing(PAT, "pat1/2");
    assert_eq!(count(&text, "cons"), 1, "{text}");
}

#[test]
fn a_nested_tuple_is_reused_whole() {
    let text = listing(PAT, "tup/1");
    assert_eq!(count(&text, "tuple"), 0, "{text}");
    assert!(text.contains("return r0"), "{text}");
}

#[test]
fn a_different_order_or_literal_builds_a_new_term() {
    // `[Y, X | T]`: two new cells in front of the matched `T`.
    assert_eq!(count(&listing(PAT, "swap/1"), "cons"), 2);
    // `0.0` is not the `0` matched: a new cell.
    assert_eq!(count(&listing(PAT, "lit/1"), "cons"), 1);
}

const DISP: &str = "-module(m).\n-export([disp/0, keep/1]).\n\
disp() ->\n\
    Tup = {a},\n\
    L = [x],\n\
    self(), self(),\n\
    make_ref(),\n\
    atom_to_list(''),\n\
    _ = list_to_atom([]),\n\
    tuple_to_list({}),\n\
    _ = list_to_tuple([]),\n\
    element(1, Tup), element(1, Tup),\n\
    setelement(1, Tup, k), _ = setelement(1, Tup, k),\n\
    date(),\n\
    time(),\n\
    put(a, 1),\n\
    get(a),\n\
    erase(a),\n\
    hd(L),\n\
    tl(L),\n\
    length(L), length(L),\n\
    node(), node(),\n\
    S = self(),\n\
    node(S), node(S),\n\
    tuple_size(Tup),\n\
    whereis(code_server), whereis(code_server),\n\
    whereis(code_server).\n\
keep(X) ->\n\
    Tup = {a},\n\
    L = [a | b],\n\
    element(2, Tup), setelement(0, Tup, k), hd([]), length(L), atom_to_list(X),\n\
    tuple_size(L), list_to_atom([-1]), node(X),\n\
    ok.\n";

/// The BIFs a listing calls, in order.
fn bifs(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_once(": bif erlang:"))
        .map(|(_, rest)| rest.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn disp_keeps_only_the_calls_otp_keeps() {
    let text = listing(DISP, "disp/0");
    // `erlc -S` keeps put/2, erase/1, one self/0 (feeding node/1) and the whereis/1 calls;
    // we also drop node(S), S being known to be a pid.
    assert_eq!(
        bifs(&text),
        [
            "put/2",
            "erase/1",
            "self/0",
            "whereis/1",
            "whereis/1",
            "whereis/1"
        ],
        "{text}"
    );
    assert_eq!(count(&text, "call_ext"), 0, "{text}");
    // `Tup = {a}` and `L = [x]` are read only by dropped calls: not built either.
    assert_eq!(count(&text, "tuple") + count(&text, "cons"), 0, "{text}");
}

#[test]
fn calls_that_can_fail_are_kept() {
    let text = listing(DISP, "keep/1");
    assert_eq!(
        bifs(&text),
        [
            "element/2",
            "setelement/3",
            "hd/1",
            "length/1",
            "atom_to_list/1",
            "tuple_size/1",
            "list_to_atom/1",
            "node/1"
        ],
        "{text}"
    );
    // The kept calls read `Tup` and `L`: both are built (and `[-1]`, an argument).
    assert_eq!(count(&text, "tuple"), 1, "{text}");
    assert_eq!(count(&text, "cons"), 2, "{text}");
}

/// Estone's `iarith2`: `X = 23` is known, so `X bsl 1` and `4 * 2` are folded into literals
/// (no `Bsl` of `23`, no `Mul` of `4`), and `* X`, `+ X` take `23` as their integer operand;
/// `789 + I` takes `789` the same way (the operands of `+` commute). What the arithmetic
/// computes, and what it raises, is compared with OTP in
/// `tests/conformance/const_fold_arith.erl`.
#[test]
fn known_integers_are_folded_into_literals_and_operands() {
    let src = "-module(m).\n-export([iarith2/1, keep/2]).\n\
iarith2(I) ->\n\
    X = 23,\n\
    _ = 789 + I,\n\
    Z = I + 1,\n\
    U = (X bsl 1 bsr I) * X div 2 bsr 4,\n\
    U1 = Z + Z + Z + Z + X bsl 4 * 2 bsl 2,\n\
    Z - U + U1 div 2.\n\
keep(A, B) -> K = 0, M = 3, {A div K, M - B, B - M}.\n";
    let text = listing(src, "iarith2/1");
    let ops: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once(": ").map(|(_, i)| i))
        .filter(|i| i.starts_with("op ") || i.starts_with("lit ") || i.starts_with("return_op "))
        .collect();
    assert!(text.contains("lit 46 ->"), "{text}");
    assert!(
        !text.contains("lit 4 ->") && !text.contains("lit 789"),
        "{text}"
    );
    assert!(
        text.contains(", 23 ->") && text.contains("Add r0, 789"),
        "{text}"
    );
    assert!(text.contains("Bsl") && text.contains(", 8 ->"), "{text}");
    // Seventeen instructions, three fewer than without folding (and one function_clause).
    assert_eq!(ops.len(), 17, "{text}");
    // A division by a known zero stays a division (it raises at run time), and `M - B` keeps
    // its operand order: only `B - M` takes `3` as an operand.
    let text = listing(src, "keep/2");
    assert!(text.contains("IDiv"), "{text}");
    assert!(text.contains("Sub r1, 3 ->"), "{text}");
    assert_eq!(count(&text, "op") + count(&text, "return_op"), 3, "{text}");
}
