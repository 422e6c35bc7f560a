//! Random expressions, run on OTP 25 and on our VM, must give the same values and raise the same
//! exceptions. The expressions (arithmetic, bitwise, comparison and boolean operators, guard
//! BIFs, tuples, lists and binaries, `case` and `if` with guards) read their operands from
//! function parameters, so that neither compiler can fold them and the engine's own paths run:
//! small integers at the edges of the VM's immediate range and of 64 bits, bignums, floats,
//! atoms and compound terms. Each call is wrapped in `try`, so an exception is a value too.
//! The seed is fixed (a failure reproduces); `RANDOM_EXPRS_SEED=N` explores another batch.
//!
//! One thing is not compared: the sign of a float zero. OTP 25 negates an operand of unknown
//! type with the `-`/1 BIF (IEEE: -(0.0) is -0.0, as we do, see `float_zero_sign.erl`), but
//! where its compiler has inferred a float across the module it may compute `0.0 - X`
//! (giving 0.0), so there the sign follows OTP's type inference.

mod differential;
use differential::{Module, Rng};

const MODULES: usize = 6;
const FUNCTIONS: usize = 60;
const CALLS: usize = 4;
const SEED: u64 = 0x5eed_e4a7;

/// Operand values: integers around 0, 2^27, 2^59/2^60 (where tagged immediates end), 2^63 and
/// 2^64, bignums, floats, and a few non-numbers.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "-7",
    "255",
    "1000000007",
    "134217727",
    "-134217728",
    "576460752303423487",
    "-576460752303423488",
    "1152921504606846975",
    "1152921504606846976",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "340282366920938463463374607431768211457",
    "-340282366920938463463374607431768211457",
    "0.0",
    "-0.0",
    "1.5",
    "-2.5",
    "1.0e20",
    "3.0e-5",
    "a",
    "[]",
    "[1, 2, 3]",
    "{1, b}",
    "<<1, 2, 3>>",
    "\"xyz\"",
];

const INT_OPS: &[&str] = &[
    "+", "-", "*", "div", "rem", "band", "bor", "bxor", "bsl", "bsr",
];
const CMP_OPS: &[&str] = &["==", "/=", "=:=", "=/=", "<", "=<", ">", ">="];

struct Gen {
    rng: Rng,
    /// Case variables made so far (each gets a fresh name).
    vars: usize,
}

impl Gen {
    fn leaf(&mut self) -> String {
        match self.rng.below(6) {
            // No literal 1: OTP 25's compiler may rewrite `X div 1` to `X` without checking
            // that X is an integer (`1.5 div 1` is then 1.5, not badarith).
            0 => self
                .rng
                .pick(&["2", "7", "-3", "64", "65", "1.0"])
                .to_string(),
            _ => self.rng.pick(&["A", "B", "C"]).to_string(),
        }
    }

    fn num(&mut self, d: u32) -> String {
        if d == 0 || self.rng.below(10) < 3 {
            return self.leaf();
        }
        let e = d - 1;
        match self.rng.below(12) {
            0..=4 => {
                let op = self.rng.pick(INT_OPS);
                format!("({} {op} {})", self.num(e), self.num(e))
            }
            5 => format!("({} / {})", self.num(e), self.num(e)),
            6 => format!("(- {})", self.num(e)),
            7 => format!("(bnot {})", self.num(e)),
            8 => {
                let f = self.rng.pick(&["abs", "trunc", "round", "float"]);
                format!("{f}({})", self.num(e))
            }
            9 => {
                let f = self.rng.pick(&["max", "min"]);
                format!("{f}({}, {})", self.num(e), self.num(e))
            }
            10 => {
                // A fresh name each time: `case` exports its variables.
                self.vars += 1;
                let v = format!("X{}", self.vars);
                format!(
                    "(case {} of {v} when is_integer({v}), {v} > 0 -> {v} - 1; {v} -> {v} end)",
                    self.num(e)
                )
            }
            // A guard may hold no `case` or `if`: compare operands directly.
            _ => format!(
                "(if {} < {} -> {}; true -> {} end)",
                self.leaf(),
                self.leaf(),
                self.num(e),
                self.num(e)
            ),
        }
    }

    fn any(&mut self, d: u32) -> String {
        if d == 0 {
            return self.leaf();
        }
        let e = d - 1;
        match self.rng.below(12) {
            0..=4 => self.num(d),
            5 => {
                let op = self.rng.pick(CMP_OPS);
                format!("({} {op} {})", self.any(e), self.any(e))
            }
            // The operands are comparisons that cannot raise: OTP's compiler may turn an
            // exception in the right operand of `and` into `false` (beam_ssa_bool).
            6 => {
                let op = self.rng.pick(&["andalso", "orelse", "and", "or", "xor"]);
                let (a, b) = (self.bool(), self.bool());
                format!("({a} {op} {b})")
            }
            7 => format!("{{{}, {}}}", self.any(e), self.any(e)),
            8 => format!("[{} | {}]", self.any(e), self.any(e)),
            9 => {
                let f = self.rng.pick(&[
                    "is_integer",
                    "is_float",
                    "is_number",
                    "is_atom",
                    "is_list",
                    "is_tuple",
                    "is_binary",
                ]);
                format!("{f}({})", self.any(e))
            }
            10 => {
                let f = self
                    .rng
                    .pick(&["tuple_size", "length", "byte_size", "hd", "tl"]);
                format!("{f}({})", self.any(e))
            }
            _ => format!(
                "element({}, {{{}, {}}})",
                self.num(e),
                self.any(e),
                self.any(e)
            ),
        }
    }

    fn bool(&mut self) -> String {
        let op = self.rng.pick(CMP_OPS);
        format!("({} {op} {})", self.leaf(), self.leaf())
    }
}

fn modules(seed: u64) -> Vec<Module> {
    let mut g = Gen {
        rng: Rng::new(seed),
        vars: 0,
    };
    (0..MODULES)
        .map(|m| {
            let name = format!("rx_{m}");
            let mut src = String::new();
            let mut calls = Vec::new();
            for f in 0..FUNCTIONS {
                let body = if f % 2 == 0 { g.num(4) } else { g.any(3) };
                src.push_str(&format!("f{f}(A, B, C) -> {body}.\n"));
                for _ in 0..CALLS {
                    let (a, b, c) = (g.rng.pick(VALUES), g.rng.pick(VALUES), g.rng.pick(VALUES));
                    calls.push(format!("f{f}({a}, {b}, {c})"));
                }
            }
            Module::new(name, &src, &calls, CALLS)
        })
        .collect()
}

#[test]
fn random_expressions_agree_with_otp() {
    differential::check(
        "random_exprs",
        "RANDOM_EXPRS_SEED",
        SEED,
        modules,
        zero_sign,
        false,
    );
}

/// `s` with every printed `-0.0` as `0.0` (see the module documentation).
fn zero_sign(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("-0.0") {
        let after = &rest[i + 4..];
        let whole = !after.starts_with(|c: char| c.is_ascii_digit() || c == 'e');
        let starts = i == 0 || !rest[..i].ends_with(|c: char| c.is_ascii_digit() || c == 'e');
        out.push_str(&rest[..i]);
        out.push_str(if whole && starts { "0.0" } else { "-0.0" });
        rest = after;
    }
    out.push_str(rest);
    out
}
