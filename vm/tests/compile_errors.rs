//! Programs erlc rejects must be rejected here too, with `file:line:col: message`, the source
//! line and a caret; and bad programs never panic.

use std::path::Path;

fn compile(name: &str, body: &str) -> Result<(), String> {
    let src = format!("-module({name}).\n-export([main/0]).\n{body}\n");
    vm::compile_source(Path::new(&format!("{name}.erl")), &src).map(|_| ())
}

#[test]
fn errors_point_at_the_source() {
    let e = compile("e1", "main() -> X = 1 +, X.").unwrap_err();
    let mut lines = e.lines();
    assert_eq!(lines.next(), Some("e1.erl:3:18: syntax error before: ','"));
    assert_eq!(lines.next(), Some("main() -> X = 1 +, X."));
    assert_eq!(lines.next(), Some("                 ^"));
}

#[test]
fn rejects_what_erlc_rejects() {
    let cases = [
        ("unbound", "main() -> Y.", "variable 'Y' is unbound"),
        (
            "unsafe",
            "main() -> case 1 of 1 -> Y = a; _ -> ok end, Y.",
            "variable 'Y' unsafe in 'case'",
        ),
        (
            "unsafe_try",
            "main() -> try Z = 1 catch _ -> ok end, Z.",
            "variable 'Z' unsafe in 'try'",
        ),
        (
            "undef_local",
            "main() -> nope(1).",
            "function nope/1 undefined",
        ),
        ("undef_record", "main() -> #r{}.", "record r undefined"),
        (
            "bad_field",
            "-record(r, {a}).\nmain() -> #r{b = 1}.",
            "field b undefined in record r",
        ),
        ("macro", "main() -> ?NOPE.", "undefined macro 'NOPE'"),
        (
            "maybe_expr",
            "main() -> cond.",
            "syntax error before: 'cond'",
        ),
        ("unterminated", "main() -> \"abc.", "unterminated string"),
        (
            "bad_bit_type",
            "main() -> <<1/blob>>.",
            "bit type blob undefined",
        ),
    ];
    for (name, body, want) in cases {
        match compile(name, body) {
            Ok(()) => panic!("{name}: compiled, but erlc rejects it"),
            Err(e) => assert!(e.contains(want), "{name}: expected {want:?} in:\n{e}"),
        }
    }
}

#[test]
fn accepts_branch_local_and_shadowed_variables() {
    let ok = [
        "f(A) -> case A of 1 -> case A of 1 -> Y = 1; _ -> ok end; 2 -> Y = 2, Y end.\nmain() -> f(2).",
        "main() -> R = receive X -> Z = X after 0 -> Z = none end, {R, Z}.",
        "main() -> [case X of {V} -> V; V -> V end || X <- [{1}, 2]], V = 3, V.",
        "main() -> X = 1, F = fun(X) -> X end, F(2) + X.",
    ];
    for body in ok {
        if let Err(e) = compile("ok", body) {
            panic!("rejected a valid module:\n{body}\n{e}");
        }
    }
}

#[test]
fn directives_cut_short_are_errors() {
    // An -if/-elif/-error argument that ends in an operator once ran the parser's unary
    // recursion forever (the fuzzer's crash-if-unary-at-end).
    for body in [
        "-if(-.\nmain() -> ok.",
        "-if(1 + -.\n-endif.\nmain() -> ok.",
        "-if(false).\n-elif(not not -.\n-endif.\nmain() -> ok.",
        "-error(- - -.\nmain() -> ok.",
        "-if(\n-define(SQ(X), ((X) * (X))-.\nmain() -> ok.",
    ] {
        assert!(compile("cut", body).is_err(), "accepted:\n{body}");
    }
}
