//! The harness of the random differential tests (`random_exprs.rs`, `random_clauses.rs`,
//! `random_bits.rs`): a seeded generator, and a run of generated modules on OTP 25 and on our
//! VM whose `main()` returns a list of call results, compared element by element with the
//! generated function each call ran named in a failure.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// A small xorshift generator: reproducible choices, not quality randomness.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // xorshift never leaves the zero state.
        Rng(seed.max(1))
    }
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// The seed from environment variable `var`, else `default`.
pub fn seed(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Is OTP here? Without it the test is skipped, except in CI, which must have it.
pub fn erl_available() -> bool {
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
    }
    ok
}

/// One generated module: its name, source, and how many calls of each `fN` its `main()`
/// makes, in order (`fN`'s calls at `N * calls_per_fn ..`).
pub struct Module {
    pub name: String,
    pub src: String,
    pub calls_per_fn: usize,
}

impl Module {
    /// Module `name` made of the function definitions `defs` and a `main()` returning the
    /// list of the `calls` (expressions such as `f3(1, a)`), each caught so that an exception
    /// is a value `{Class, Reason}`; `calls_per_fn` of them per function, in order.
    pub fn new(name: String, defs: &str, calls: &[String], calls_per_fn: usize) -> Module {
        let caught: Vec<String> = calls
            .iter()
            .map(|c| format!("x(fun() -> {c} end)"))
            .collect();
        let src = format!(
            "-module({name}).\n-export([main/0]).\n\
             -compile([nowarn_unused_vars, nowarn_unused_function, nowarn_shadow_vars]).\n\
             x(F) -> try F() catch C:R -> {{C, R}} end.\n{defs}\
             main() -> [{}].\n",
            caught.join(",\n    ")
        );
        Module {
            name,
            src,
            calls_per_fn,
        }
    }
}

/// The whole test: unless OTP is missing, makes the modules for the seed in `seed_var` (or
/// `default`), runs them on both, and fails listing the differences (after `norm`). With
/// `mixed`, also checks that between 10% and 80% of the calls raise.
pub fn check(
    tag: &str,
    seed_var: &str,
    default: u64,
    make: impl Fn(u64) -> Vec<Module>,
    norm: impl Fn(&str) -> String,
    mixed: bool,
) {
    if !erl_available() {
        return;
    }
    let seed = seed(seed_var, default);
    let mods = make(seed);
    let results = run_both(tag, &mods);
    if mixed {
        assert_mixed(&results);
    }
    let failures = differences(&mods, &results, norm);
    assert!(
        failures.is_empty(),
        "seed {seed}: {} differences from OTP:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Compiles every module with `erlc` (which must accept it) and runs each `main()` on OTP
/// (printed with `~w`) and on our VM (with `io_lib:write/1`). Returns, per module, OTP's line
/// and ours (with our stderr when we printed nothing).
pub fn run_both(tag: &str, mods: &[Module]) -> Vec<(String, String)> {
    let dir: PathBuf = std::env::temp_dir().join(format!("vm_{tag}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut eval = String::new();
    for m in mods {
        let f = dir.join(format!("{}.erl", m.name));
        std::fs::write(&f, &m.src).unwrap();
        let c = Command::new("erlc")
            .arg("-o")
            .arg(&dir)
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            c.status.success(),
            "erlc rejects {}: {}{}",
            m.name,
            String::from_utf8_lossy(&c.stdout),
            String::from_utf8_lossy(&c.stderr)
        );
        eval.push_str(&format!("io:format(\"~w~n\", [{}:main()]), ", m.name));
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
    let mut out = Vec::new();
    for (m, theirs) in mods.iter().zip(otp_lines) {
        let name = &m.name;
        let wrapper = wrapper_path(&dir, name);
        std::fs::write(
            &wrapper,
            format!(
                "-module(w_{name}).\n-export([main/0]).\n\
                 main() -> io:put_chars([io_lib:write({name}:main()), \"\\n\"]).\n"
            ),
        )
        .unwrap();
        let r = vm::run_files(
            &[wrapper, dir.join(format!("{name}.erl"))],
            &format!("w_{name}"),
            "main",
            false,
        );
        let mut ours = String::from_utf8_lossy(&r.stdout).trim_end().to_string();
        if ours.is_empty() {
            ours = format!("(nothing; stderr: {})", String::from_utf8_lossy(&r.stderr));
        }
        // Again with every function compiled to native code at its first call (`vm::jit`):
        // a result that differs shows both, so the comparison with OTP fails and says which.
        vm::jit::set_threshold(Some(1));
        let n = vm::run_files(
            &[wrapper_path(&dir, name), dir.join(format!("{name}.erl"))],
            &format!("w_{name}"),
            "main",
            false,
        );
        vm::jit::reset_threshold();
        let native = String::from_utf8_lossy(&n.stdout).trim_end().to_string();
        if native != ours {
            ours = format!(
                "{ours} (native code: {native}; stderr: {})",
                String::from_utf8_lossy(&n.stderr)
            );
        }
        out.push((theirs.to_string(), ours));
    }
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// The differences between OTP's results and ours, each naming the call and the function it
/// ran (at most five per module). `norm` is applied to both sides first.
pub fn differences(
    mods: &[Module],
    results: &[(String, String)],
    norm: impl Fn(&str) -> String,
) -> Vec<String> {
    let mut failures = Vec::new();
    for (m, (theirs, ours)) in mods.iter().zip(results) {
        let (theirs, ours) = (norm(theirs), norm(ours));
        if theirs == ours {
            continue;
        }
        let calls: Vec<&str> = m
            .src
            .lines()
            .skip_while(|l| !l.starts_with("main()"))
            .collect();
        let (a, b) = (items(&theirs), items(&ours));
        let mut shown = 0;
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            if x != y && shown < 5 {
                shown += 1;
                let f = i / m.calls_per_fn.max(1);
                let def: Vec<&str> = m
                    .src
                    .lines()
                    .filter(|l| l.starts_with(&format!("f{f}(")))
                    .collect();
                failures.push(format!(
                    "{} call {i} ({}):\n  {}\n  otp:  {x}\n  ours: {y}",
                    m.name,
                    calls.get(i).map_or("", |c| c.trim()),
                    def.join("\n  ")
                ));
            }
        }
        if shown == 0 {
            failures.push(format!(
                "{}: outputs differ\n  otp:  {theirs}\n  ours: {ours}",
                m.name
            ));
        }
    }
    failures
}

/// Asserts the comparison is not vacuous: between 10% and 80% of OTP's results raised.
pub fn assert_mixed(results: &[(String, String)]) {
    let all: Vec<String> = results.iter().flat_map(|(t, _)| items(t)).collect();
    let failed = all.iter().filter(|i| i.starts_with("{error,")).count();
    assert!(
        failed * 10 > all.len() && failed * 10 < all.len() * 8,
        "{failed} of {} calls raised",
        all.len()
    );
}

/// The elements of a printed list `[a,b,...]`, split at its top-level commas.
pub fn items(s: &str) -> Vec<String> {
    let inner = s
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(s);
    let mut out = Vec::new();
    let (mut depth, mut cur, mut in_str) = (0i32, String::new(), false);
    let mut prev = ' ';
    for ch in inner.chars() {
        match ch {
            '"' if prev != '\\' => in_str = !in_str,
            '[' | '{' | '<' if !in_str => depth += 1,
            ']' | '}' | '>' if !in_str => depth -= 1,
            ',' if depth == 0 && !in_str => {
                out.push(std::mem::take(&mut cur));
                prev = ch;
                continue;
            }
            _ => {}
        }
        cur.push(ch);
        prev = ch;
    }
    out.push(cur);
    out
}

fn wrapper_path(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    dir.join(format!("w_{name}.erl"))
}
