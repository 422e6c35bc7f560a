//! Our compiler accepts exactly the modules OTP's compiler accepts, at the edges of Erlang's
//! scope rules (sibling expressions, binary sizes in heads, case/if/receive/try exports, unsafe
//! variables, funs and comprehensions, guards, records, maps).
//!
//! The cases live in `tests/scope_rules/*.txt`, several small modules per file, each after a
//! `%%% name` line, and 400 more are generated at random (seeded) from the same constructs. No expectation is written down: every case is compiled by OTP 25 (one `erl`
//! node compiles them all with `compile:file/2`) and by ours. Both must accept or both reject,
//! and where both reject, our error must be one of OTP's: same line, same column, same text
//! (`OTHER_COLUMN` lists the few where only the column differs, and why).
//! The cases are not `.erl` files because `erlc_all.rs` requires every `.erl` file in the
//! repository to compile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Cases where we reject on OTP's line with OTP's message but at another column, because our
/// syntax tree does not keep the position OTP points at. Each must still differ (so the list
/// shrinks when the position is added).
const OTHER_COLUMN: &[(&str, &str)] = &[];

/// Cases where we still disagree with OTP, and why. Each must still disagree (so the list
/// shrinks when one is fixed); the test fails on any disagreement not listed.
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[];

/// One case: its module name and the full module text.
struct Case {
    name: String,
    file: String,
    src: String,
}

/// Every case module starts with these two lines (so the body starts on line 3).
fn header(name: &str) -> String {
    format!("-module({name}).\n-compile([export_all, nowarn_export_all]).\n")
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scope_rules");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/scope_rules exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut out: Vec<Case> = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable case file");
        let file = f.file_name().unwrap().to_string_lossy().into_owned();
        let mut cur: Option<(String, String)> = None;
        for line in text.lines() {
            if let Some(name) = line.strip_prefix("%%% ") {
                if let Some((n, body)) = cur.take() {
                    out.push(Case {
                        src: header(&n) + &body,
                        name: n,
                        file: file.clone(),
                    });
                }
                let name = name.trim().to_string();
                assert!(
                    name.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{file}: case name {name:?} is not a plain atom"
                );
                cur = Some((name, String::new()));
            } else if let Some((_, body)) = cur.as_mut() {
                body.push_str(line);
                body.push('\n');
            }
        }
        if let Some((n, body)) = cur {
            out.push(Case {
                src: header(&n) + &body,
                name: n,
                file,
            });
        }
    }
    // SCOPE_RULES_SEED=N explores another random batch (a failure names its cases gen_I).
    let seed = std::env::var("SCOPE_RULES_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(GENERATED_SEED);
    out.extend(generated(seed, GENERATED));
    let mut names = std::collections::HashSet::new();
    for c in &out {
        assert!(
            names.insert(c.name.clone()),
            "case {} defined twice",
            c.name
        );
    }
    out
}

/// How many random modules join the written cases, and from which seed (fixed, so a failure
/// reproduces). They mix every construct the scope rules touch, over few variable names,
/// half with the variables bound by the head, so that both verdicts are common.
const GENERATED: usize = 400;
const GENERATED_SEED: u64 = 0x5eed_5c09e;

/// A small xorshift generator: the test needs reproducible choices, not quality randomness.
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

/// Random Erlang source over a few variable names: expressions, patterns and guards.
struct Gen {
    rng: Rng,
    vars: &'static [&'static str],
}

impl Gen {
    fn var(&mut self) -> &'static str {
        let vars = self.vars;
        vars[self.rng.below(vars.len())]
    }

    fn gexpr(&mut self, d: u32) -> String {
        if d == 0 || self.rng.below(10) < 4 {
            let v = self.var();
            return self.rng.pick(&[v, "1", "a"]).to_string();
        }
        match self.rng.below(5) {
            0 => format!("{} > {}", self.gexpr(d - 1), self.gexpr(d - 1)),
            1 => format!("is_integer({})", self.gexpr(d - 1)),
            2 => format!("({} andalso {})", self.gexpr(d - 1), self.gexpr(d - 1)),
            3 => format!("element(1, {})", self.gexpr(d - 1)),
            _ => format!("{{{}}}", self.gexpr(d - 1)),
        }
    }

    fn guard(&mut self, d: u32) -> String {
        if self.rng.below(10) < 6 {
            return String::new();
        }
        let alts: Vec<String> = (0..1 + self.rng.below(2))
            .map(|_| {
                let tests: Vec<String> =
                    (0..1 + self.rng.below(2)).map(|_| self.gexpr(d)).collect();
                tests.join(", ")
            })
            .collect();
        format!(" when {}", alts.join("; "))
    }

    fn pat(&mut self, d: u32) -> String {
        if d == 0 || self.rng.below(10) < 4 {
            let (a, b) = (self.var(), self.var());
            return self.rng.pick(&[a, b, "_", "1", "a"]).to_string();
        }
        match self.rng.below(7) {
            0 => format!("{{{}, {}}}", self.pat(d - 1), self.pat(d - 1)),
            1 => format!("[{} | {}]", self.pat(d - 1), self.pat(d - 1)),
            2 => {
                let (a, b, c, e) = (self.var(), self.var(), self.var(), self.var());
                let s1 = self.rng.pick(&["8", b]);
                let s2 = format!("({e} * 2)");
                let s2 = self.rng.pick(&["8", e, &s2]).to_string();
                format!("<<{a}:{s1}, {c}:{s2}>>")
            }
            3 => {
                let v = self.var();
                let braced = format!("{{{v}}}");
                let k = self.rng.pick(&["a", v, &braced]).to_string();
                format!("#{{{k} := {}}}", self.pat(d - 1))
            }
            4 => format!("#r{{a = {}, b = {}}}", self.pat(d - 1), self.pat(d - 1)),
            5 => format!("\"ab\" ++ {}", self.var()),
            _ => format!("{} = {}", self.pat(d - 1), self.pat(d - 1)),
        }
    }

    fn clauses(&mut self, d: u32) -> String {
        let cs: Vec<String> = (0..1 + self.rng.below(2))
            .map(|_| {
                format!(
                    "{}{} -> {}",
                    self.pat(d - 1),
                    self.guard(d - 1),
                    self.body(d - 1)
                )
            })
            .collect();
        cs.join("; ")
    }

    fn body(&mut self, d: u32) -> String {
        let es: Vec<String> = (0..1 + self.rng.below(2)).map(|_| self.expr(d)).collect();
        es.join(", ")
    }

    fn expr(&mut self, d: u32) -> String {
        if d == 0 || self.rng.below(10) < 2 {
            let v = self.var();
            return self.rng.pick(&[v, "1", "a"]).to_string();
        }
        let e = d - 1;
        match self.rng.below(28) {
            0 => format!("{{{}, {}}}", self.expr(e), self.expr(e)),
            1 => format!("({} = {})", self.pat(e), self.expr(e)),
            2 => format!("[{} | {}]", self.expr(e), self.expr(e)),
            3 => format!("case {} of {} end", self.expr(e), self.clauses(d)),
            4 => format!("(catch {})", self.expr(e)),
            5 => {
                let handler = match self.rng.below(4) {
                    0 => "_ -> ok".to_string(),
                    1 => "E:R -> {E, R}".to_string(),
                    2 => "_:_:S -> S".to_string(),
                    _ => format!("{} -> {}", self.pat(e), self.body(e)),
                };
                let (b, c, a) = (self.body(e), self.clauses(d), self.body(e));
                format!("try {b} of {c} catch {handler} after {a} end")
            }
            6 => {
                let op = self.rng.pick(&["andalso", "orelse"]);
                format!("({} {op} {})", self.expr(e), self.expr(e))
            }
            7 => format!(
                "fun({}){} -> {} end",
                self.pat(e),
                self.guard(e),
                self.body(e)
            ),
            8 => format!(
                "[{} || {} <- {}, {}]",
                self.expr(e),
                self.pat(e),
                self.expr(e),
                self.expr(e)
            ),
            9 => format!("g({}, {})", self.expr(e), self.expr(e)),
            10 => format!("begin {} end", self.body(e)),
            11 => format!("({} + {})", self.expr(e), self.expr(e)),
            12 => format!(
                "receive {} after {} -> {} end",
                self.clauses(d),
                self.expr(e),
                self.body(e)
            ),
            13 => {
                let v = self.var();
                let size = self.rng.pick(&["8", v]);
                format!("<<({}):8, ({}):{size}>>", self.expr(e), self.expr(e))
            }
            14 => format!(
                "if {} -> {}; true -> {} end",
                self.gexpr(e),
                self.body(e),
                self.body(e)
            ),
            15 => format!("#{{{} => {}}}", self.expr(e), self.expr(e)),
            16 => format!("({})#{{a => {}}}", self.expr(e), self.expr(e)),
            17 => format!("#r{{a = {}, b = {}}}", self.expr(e), self.expr(e)),
            18 => format!("({})#r.a", self.expr(e)),
            19 => format!("fun F({}) -> F; F(_) -> {} end", self.pat(e), self.body(e)),
            20 => {
                let (a, b) = (self.var(), self.var());
                format!("<< <<{a}>> || <<{b}:8>> <= {} >>", self.expr(e))
            }
            21 => format!("({})({})", self.expr(e), self.expr(e)),
            22 => format!("({})#r{{b = {}}}", self.expr(e), self.expr(e)),
            23 => format!("({} ! {})", self.expr(e), self.expr(e)),
            24 => format!("-({})", self.expr(e)),
            25 => format!(
                "[{} || {} <- {}, {} <- {}]",
                self.expr(e),
                self.pat(e),
                self.expr(e),
                self.pat(e),
                self.expr(e)
            ),
            26 => format!(
                "fun({}) -> {}; ({}) -> {} end",
                self.pat(e),
                self.body(e),
                self.pat(e),
                self.body(e)
            ),
            _ => format!("lists:append({}, {})", self.expr(e), self.expr(e)),
        }
    }
}

/// `n` random case modules: half with a random head over X, Y, Z, A, half with a head that
/// binds X and Y and a body that may bind B and C.
fn generated(seed: u64, n: usize) -> Vec<Case> {
    let mut g = Gen {
        rng: Rng(seed),
        vars: &["X", "Y", "Z", "A"],
    };
    (0..n)
        .map(|i| {
            let name = format!("gen_{i}");
            let f = if i % 2 == 0 {
                g.vars = &["X", "Y", "Z", "A"];
                let (p, q, gd) = (g.pat(1), g.pat(1), g.guard(1));
                format!("f({p}, {q}){gd} -> {}.", g.body(3))
            } else {
                g.vars = &["X", "Y", "B", "C"];
                format!("f(X, Y) -> {}.", g.body(4))
            };
            let body = format!("-record(r, {{a, b}}).\n{f}\ng(P, Q) -> {{P, Q}}.\n");
            Case {
                src: header(&name) + &body,
                name,
                file: "(generated)".to_string(),
            }
        })
        .collect()
}

/// An error as `(line, column, message)`; column 0 when the compiler gave none.
type Diag = (u32, u32, String);

/// Compiles every `.erl` file in `dir` on OTP: per module, its errors (none when it compiled).
/// `Err` only when `erl` is missing; any other trouble fails the test.
fn otp_verdicts(dir: &Path) -> Result<BTreeMap<String, Vec<Diag>>, String> {
    // One line per error, `module<TAB>line<TAB>col<TAB>message`, and `module<TAB>ok` for a
    // module that compiled; messages are the first line of OTP's own `format_error` text (a
    // message of several lines is compared by its first, as ours is: ours go on with the
    // source line and a caret).
    let script = format!(
        r#"Fmt = fun(L) -> hd(string:split(lists:flatten(io_lib:format("~ts", [L])), "\n")) end,
Loc = fun({{Ln, Col}}) -> {{Ln, Col}}; (Ln) when is_integer(Ln) -> {{Ln, 0}}; (_) -> {{0, 0}} end,
lists:foreach(fun(F) ->
    M = filename:basename(F, ".erl"),
    case compile:file(F, [binary, return_errors, return_warnings]) of
        {{ok, _, _, _}} -> io:format("~s\tok~n", [M]);
        {{error, Errs, _}} ->
            [begin {{Ln, Col}} = Loc(L), io:format("~s\t~w\t~w\t~ts~n", [M, Ln, Col, Fmt(Mod:format_error(D))]) end
             || {{_, Es}} <- Errs, {{L, Mod, D}} <- Es]
    end end, filelib:wildcard("{}/*.erl")),
halt()."#,
        dir.display()
    );
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("erl").is_file()));
    if !on_path {
        return Err("erl is not on PATH".into());
    }
    // Bounded in time: a few hundred modules compile in seconds.
    let out = Command::new("timeout")
        .args(["300", "erl", "-noshell", "-eval", &script])
        .output()
        .map_err(|e| format!("cannot run erl: {e}"))?;
    assert!(
        out.status.success(),
        "erl failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: BTreeMap<String, Vec<Diag>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let parts: Vec<&str> = line.splitn(4, '\t').collect();
        match parts.as_slice() {
            [m, "ok"] => {
                v.entry(m.to_string()).or_default();
            }
            [m, l, c, msg] => v.entry(m.to_string()).or_default().push((
                l.parse().unwrap_or(0),
                c.parse().unwrap_or(0),
                msg.to_string(),
            )),
            _ => panic!("unexpected line from erl: {line}"),
        }
    }
    Ok(v)
}

/// Our first error, parsed from `file:line:col: message`.
fn ours(case: &Case) -> Option<Diag> {
    let path = PathBuf::from(format!("{}.erl", case.name));
    let e = vm::compile_source(&path, &case.src).err()?;
    let first = e.lines().next().unwrap_or("");
    let rest = first
        .strip_prefix(&format!("{}.erl:", case.name))
        .unwrap_or(first);
    let mut it = rest.splitn(3, ':');
    let line = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let col = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    // Only the separator's space goes: "syntax error before: " (the end of the file) keeps
    // its trailing one, as OTP's text does.
    let msg = it.next().unwrap_or(rest);
    let msg = msg.strip_prefix(' ').unwrap_or(msg).to_string();
    Some((line, col, msg))
}

#[test]
fn accepts_and_rejects_what_otp_does() {
    let cases = cases();
    assert!(cases.len() >= 800, "only {} cases", cases.len());
    let dir = std::env::temp_dir().join(format!("vm-scope-rules-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    for c in &cases {
        std::fs::write(dir.join(format!("{}.erl", c.name)), &c.src).expect("write case");
    }
    let otp = otp_verdicts(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let otp = match otp {
        Ok(v) => v,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("{why}: OTP's compiler is the oracle here, and CI must have it")
        }
        Err(why) => {
            println!("SKIPPED: {why}; install erlang-base to compare with OTP");
            return;
        }
    };
    let mut failures = Vec::new();
    let mut known = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for c in &cases {
        let before = failures.len();
        let listed = KNOWN_DIVERGENCES.iter().any(|(n, _)| *n == c.name);
        let Some(theirs) = otp.get(&c.name) else {
            failures.push(format!("{} ({}): OTP gave no verdict", c.name, c.file));
            continue;
        };
        let mine = ours(c);
        if theirs.is_empty() {
            accepted += 1;
        } else {
            rejected += 1;
        }
        let show = |ds: &[Diag]| {
            ds.iter()
                .map(|(l, c, m)| format!("{l}:{c}: {m}"))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        match (&mine, theirs.is_empty()) {
            (None, true) => {}
            (Some(d), true) => failures.push(format!(
                "{} ({}): OTP accepts, we reject with {}",
                c.name,
                c.file,
                show(std::slice::from_ref(d))
            )),
            (None, false) => failures.push(format!(
                "{} ({}): OTP rejects ({}), we accept",
                c.name,
                c.file,
                show(theirs)
            )),
            (Some(d), false) => {
                let other_column = OTHER_COLUMN.iter().any(|(n, _)| *n == c.name);
                let same_place = |t: &&Diag| t.0 == d.0 && t.2 == d.2;
                if other_column {
                    if theirs.contains(d) || !theirs.iter().any(|t| same_place(&t)) {
                        failures.push(format!(
                            "{} ({}): listed in OTHER_COLUMN, but ours says {} and OTP {}",
                            c.name,
                            c.file,
                            show(std::slice::from_ref(d)),
                            show(theirs)
                        ));
                    }
                } else if !theirs.contains(d) {
                    failures.push(format!(
                        "{} ({}): both reject, but ours says {} and OTP {}",
                        c.name,
                        c.file,
                        show(std::slice::from_ref(d)),
                        show(theirs)
                    ));
                }
            }
        }
        if listed {
            if failures.len() == before {
                failures.push(format!(
                    "{} ({}): listed in KNOWN_DIVERGENCES but agrees with OTP now",
                    c.name, c.file
                ));
            } else {
                failures.truncate(before);
                known.push(c.name.as_str());
            }
        }
    }
    println!(
        "{} cases: {accepted} accepted and {rejected} rejected by OTP (known divergences \
         among them: {})",
        cases.len(),
        known.join(", ")
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with OTP 25:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
