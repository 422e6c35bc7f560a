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

use std::path::PathBuf;
use std::process::Command;

const MODULES: usize = 4;
const FUNCTIONS: usize = 50;
const CALLS: usize = 5;
const SEED: u64 = 0xb175_0b17;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

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

fn modules(seed: u64) -> Vec<(String, String)> {
    let mut g = Gen {
        // xorshift never leaves the zero state.
        rng: Rng(seed.max(1)),
        next: 0,
    };
    (0..MODULES)
        .map(|m| {
            let name = format!("rb_{m}");
            let mut src = format!(
                "-module({name}).\n-export([main/0]).\n\
                 -compile([nowarn_unused_vars, nowarn_unused_function]).\n\
                 x(F) -> try F() catch C:R -> {{C, R}} end.\n"
            );
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
                    calls.push(format!("x(fun() -> f{f}({a}, {b}, {c}, {sz}) end)"));
                }
            }
            src.push_str(&format!("main() -> [{}].\n", calls.join(",\n    ")));
            (name, src)
        })
        .collect()
}

#[test]
fn random_bit_syntax_agrees_with_otp() {
    let ok = Command::new("erl")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "OTP is the oracle here, and CI must have it"
        );
        println!("SKIPPED: erl is not installed");
        return;
    }
    let seed = std::env::var("RANDOM_BITS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let dir: PathBuf = std::env::temp_dir().join(format!("vm_random_bits_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mods = modules(seed);
    let mut eval = String::new();
    for (name, src) in &mods {
        let f = dir.join(format!("{name}.erl"));
        std::fs::write(&f, src).unwrap();
        let c = Command::new("erlc")
            .arg("-o")
            .arg(&dir)
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            c.status.success(),
            "erlc rejects {name}: {}{}",
            String::from_utf8_lossy(&c.stdout),
            String::from_utf8_lossy(&c.stderr)
        );
        eval.push_str(&format!("io:format(\"~w~n\", [{name}:main()]), "));
    }
    eval.push_str("halt().");
    let otp = Command::new("timeout")
        .args(["300", "erl", "-noshell", "-pa"])
        .arg(&dir)
        .args(["-eval", &eval])
        .output()
        .unwrap();
    let otp_text = String::from_utf8_lossy(&otp.stdout).into_owned();
    let otp_lines: Vec<&str> = otp_text.lines().collect();
    assert_eq!(otp_lines.len(), mods.len(), "erl: {otp_text}");
    // Not a vacuous comparison: binaries get built and matched, and some calls fail.
    let all: Vec<String> = otp_lines.iter().flat_map(|l| items(l)).collect();
    let failed = all.iter().filter(|i| i.starts_with("{error,")).count();
    assert!(
        failed * 10 > all.len() && failed * 10 < all.len() * 8,
        "{failed} of {} calls raised",
        all.len()
    );
    let mut failures = Vec::new();
    for ((name, src), theirs) in mods.iter().zip(&otp_lines) {
        let wrapper = dir.join(format!("w_{name}.erl"));
        std::fs::write(
            &wrapper,
            format!(
                "-module(w_{name}).\n-export([main/0]).\nmain() -> io:put_chars([io_lib:write({name}:main()), \"\\n\"]).\n"
            ),
        )
        .unwrap();
        let out = vm::run_files(
            &[wrapper, dir.join(format!("{name}.erl"))],
            &format!("w_{name}"),
            "main",
            false,
        );
        let ours = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
        if ours != *theirs {
            let calls: Vec<&str> = src
                .lines()
                .skip_while(|l| !l.starts_with("main()"))
                .collect();
            let (a, b) = (items(theirs), items(&ours));
            let mut shown = 0;
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                if x != y && shown < 6 {
                    shown += 1;
                    let f = i / CALLS;
                    let def = src
                        .lines()
                        .find(|l| l.starts_with(&format!("f{f}(")))
                        .unwrap_or("");
                    failures.push(format!(
                        "{name} call {i} ({}):\n  {def}\n  otp:  {x}\n  ours: {y}",
                        calls.get(i).map_or("", |c| c.trim())
                    ));
                }
            }
            if shown == 0 {
                failures.push(format!(
                    "{name}: outputs differ\n  otp:  {theirs}\n  ours: {ours}\n  stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "seed {seed}: {} differences from OTP:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The elements of a printed list `[a,b,...]`, split at its top-level commas.
fn items(s: &str) -> Vec<String> {
    let inner = s
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(s);
    let mut out = Vec::new();
    let (mut depth, mut cur) = (0i32, String::new());
    for ch in inner.chars() {
        match ch {
            '[' | '{' | '<' => depth += 1,
            ']' | '}' | '>' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    out.push(cur);
    out
}
