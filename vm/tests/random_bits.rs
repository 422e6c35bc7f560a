//! Random bit syntax, run on OTP 25 and on our VM: binaries built from segments of every type
//! (integers of odd sizes, signed or not, big or little; floats of 16, 32 and 64 bits;
//! binaries and bitstrings; UTF-8/16/32) whose values and sizes come from function parameters,
//! and the same kinds of segments matched out of binaries, sizes bound earlier in the pattern
//! included. Values, `badarg` and failed matches must be OTP's. The seed is fixed;
//! `RANDOM_BITS_SEED=N` explores another batch.
//!
//! Sizes come from their own parameter (`S`), never a bignum: OTP raises `system_limit` for
//! a size past the machine word before it looks at any value, except where its compiler
//! already knows a literal value is bad (then `badarg` comes first), and that compile-time
//! knowledge is not ours to copy; `bits_size_limits.erl` checks such sizes one at a time.

mod differential;
use differential::{Module, Rng};

const MODULES: usize = 4;
const FUNCTIONS: usize = 50;
const CALLS: usize = 5;
const SEED: u64 = 0xb175_0b17;

/// Argument values: integers of every size and sign, floats (one that does not fit 16 or 32
/// bits), binaries, bitstrings, code points and a few wrong types.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "5",
    "8",
    "127",
    "-128",
    "255",
    "65535",
    "1114111",
    "1114112",
    "55296",
    "-2147483648",
    "18446744073709551615",
    "-18446744073709551616",
    "1.5",
    "-0.25",
    "1.0e300",
    "<<>>",
    "<<1>>",
    "<<1, 2, 3>>",
    "<<0, 5, 200, 255, 1, 2, 3, 4, 5, 6, 7, 8>>",
    "<<3:3>>",
    "<<1, 2:4>>",
    "a",
    "[1, 2]",
];

/// Sizes: small, odd, zero, and wrong (negative, an atom, a float).
const SIZES: &[&str] = &[
    "0", "1", "3", "8", "13", "16", "64", "65", "100", "-1", "a", "1.5",
];

struct Gen {
    rng: Rng,
    next: usize,
}

impl Gen {
    fn var(&mut self) -> &'static str {
        self.rng.pick(&["A", "B", "C"])
    }

    /// Size, type and specifiers of a segment that compiles: `(size, spec)`, either may be
    /// empty. `sizes` are the variables a size may name.
    fn spec(&mut self, sizes: &[String], last: bool) -> (String, String) {
        let size_of = |g: &mut Gen, choices: &[&str]| -> String {
            if !sizes.is_empty() && g.rng.below(4) == 0 {
                return sizes[g.rng.below(sizes.len())].clone();
            }
            g.rng.pick(choices).to_string()
        };
        match self.rng.below(7) {
            0 | 1 => {
                let size = size_of(
                    self,
                    &["", "1", "3", "7", "8", "13", "16", "32", "64", "65"],
                );
                let sign = self.rng.pick(&["", "-signed", "-unsigned"]);
                let end = self.rng.pick(&["", "-big", "-little"]);
                let unit = if size.is_empty() {
                    ""
                } else {
                    self.rng.pick(&["", "", "-unit:1", "-unit:8"])
                };
                (size, format!("integer{sign}{end}{unit}"))
            }
            2 => {
                let size = self.rng.pick(&["", "16", "32", "64"]).to_string();
                let end = self.rng.pick(&["", "-big", "-little"]);
                (size, format!("float{end}"))
            }
            3 => {
                // An unsized binary may only end a pattern.
                let size = if last && self.rng.below(2) == 0 {
                    String::new()
                } else {
                    size_of(self, &["0", "1", "2", "3"])
                };
                (size, "binary".into())
            }
            4 => {
                let size = if last && self.rng.below(2) == 0 {
                    String::new()
                } else {
                    size_of(self, &["0", "1", "3", "9"])
                };
                (size, "bitstring".into())
            }
            5 => (String::new(), "utf8".into()),
            _ => {
                let t = self.rng.pick(&["utf16", "utf32"]);
                let end = self.rng.pick(&["", "-big", "-little"]);
                (String::new(), format!("{t}{end}"))
            }
        }
    }

    fn segment(size: &str, spec: &str, value: &str) -> String {
        match size {
            "" => format!("{value}/{spec}"),
            s => format!("{value}:{s}/{spec}"),
        }
    }

    /// `<<...>>` built from the parameters and literals.
    fn construct(&mut self) -> String {
        let n = 1 + self.rng.below(3);
        let segs: Vec<String> = (0..n)
            .map(|_| {
                let value = match self.rng.below(5) {
                    0 => self.rng.pick(&["0", "1", "-1", "300", "$a"]).to_string(),
                    _ => self.var().to_string(),
                };
                // A size may also be the size parameter (a non-integer one is a badarg).
                let sizes = vec!["S".to_string()];
                let (size, spec) = self.spec(&sizes, true);
                Gen::segment(&size, &spec, &value)
            })
            .collect();
        format!("<<{}>>", segs.join(", "))
    }

    /// A `case` matching a parameter (or a built binary) against a random pattern.
    fn matcher(&mut self) -> String {
        let subject = match self.rng.below(3) {
            0 => self.construct(),
            _ => self.var().to_string(),
        };
        let n = 1 + self.rng.below(3);
        let with_tail = self.rng.below(2) == 0;
        let mut bound: Vec<String> = Vec::new();
        let mut segs = Vec::new();
        for i in 0..n {
            self.next += 1;
            let v = format!("X{}", self.next);
            let (size, spec) = self.spec(&bound, i + 1 == n && !with_tail);
            segs.push(Gen::segment(&size, &spec, &v));
            if spec.starts_with("integer") {
                bound.push(v.clone());
            }
        }
        self.next += 1;
        let rest = format!("R{}", self.next);
        let vars: Vec<String> = segs
            .iter()
            .filter_map(|s| s.split([':', '/']).next().map(str::to_string))
            .collect();
        let tail = if with_tail {
            format!(", {rest}/bitstring")
        } else {
            String::new()
        };
        let result = if tail.is_empty() {
            format!("{{{}}}", vars.join(", "))
        } else {
            format!("{{{}, {rest}}}", vars.join(", "))
        };
        format!(
            "case {subject} of <<{}{tail}>> -> {result}; _ -> nomatch end",
            segs.join(", ")
        )
    }
}

fn modules(seed: u64) -> Vec<Module> {
    let mut g = Gen {
        rng: Rng::new(seed),
        next: 0,
    };
    (0..MODULES)
        .map(|m| {
            let name = format!("rb_{m}");
            let mut src = String::new();
            let mut calls = Vec::new();
            for f in 0..FUNCTIONS {
                let body = if f % 2 == 0 {
                    g.construct()
                } else {
                    g.matcher()
                };
                src.push_str(&format!("f{f}(A, B, C, S) -> {body}.\n"));
                for _ in 0..CALLS {
                    let (a, b, c) = (g.rng.pick(VALUES), g.rng.pick(VALUES), g.rng.pick(VALUES));
                    let sz = g.rng.pick(SIZES);
                    calls.push(format!("f{f}({a}, {b}, {c}, {sz})"));
                }
            }
            Module::new(name, &src, &calls, CALLS)
        })
        .collect()
}

#[test]
fn random_bit_syntax_agrees_with_otp() {
    differential::check(
        "random_bits",
        "RANDOM_BITS_SEED",
        SEED,
        modules,
        str::to_string,
        true,
    );
}
