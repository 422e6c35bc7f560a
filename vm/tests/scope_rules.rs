//! Our compiler accepts exactly the modules OTP's compiler accepts, at the edges of Erlang's
//! scope rules (sibling expressions, binary sizes in heads, case/if/receive/try exports, unsafe
//! variables, funs and comprehensions, guards, records, maps).
//!
//! The cases live in `tests/scope_rules/*.txt`, several small modules per file, each after a
//! `%%% name` line. No expectation is written down: every case is compiled by OTP 25 (one `erl`
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
const OTHER_COLUMN: &[(&str, &str)] = &[
    (
        "rd_field_defined_twice",
        "record definition fields keep no position: we point at the attribute",
    ),
    (
        "ed_record_field_in_guard_unknown",
        "record fields keep no position: we point at '#'",
    ),
    (
        "rec_field_undefined",
        "record fields keep no position: we point at '#'",
    ),
    (
        "rec_field_twice",
        "record fields keep no position: we point at '#'",
    ),
    (
        "rec_update_wildcard",
        "record fields keep no position: we point at '#'",
    ),
    (
        "pat_record_undefined_field",
        "record fields keep no position: we point at '#'",
    ),
    (
        "map_exact_in_construction",
        "map fields keep no operator position: we point at the key",
    ),
    (
        "pat_map_assoc_in_pattern",
        "map fields keep no operator position: we point at '#'",
    ),
];

/// Cases where we still disagree with OTP, and why. Each must still disagree (so the list
/// shrinks when one is fixed); the test fails on any disagreement not listed.
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[
    (
        "fn_bif_shadowed_by_local",
        "a call to a local function named like a pre-R14 auto-imported BIF: OTP rejects it \
         unless -compile({no_auto_import, ...}) names it, which our parser does not keep",
    ),
    ("fn_auto_import_clash", "as fn_bif_shadowed_by_local"),
    (
        "fn_export_undefined",
        "-export keeps no position in our syntax tree: we report line 0",
    ),
    (
        "ed_import_twice",
        "-import keeps no position in our syntax tree: we report line 0",
    ),
    (
        "ty_spec_undefined_function",
        "-spec and -type are skipped by our parser, so their errors are not found",
    ),
    ("ty_spec_undefined_type", "as ty_spec_undefined_function"),
    // The preprocessor (preproc.rs) was outside this change's files.
    (
        "pp_redefine_macro",
        "preproc.rs: a second -define of a macro is accepted",
    ),
    ("pp_if_expr", "preproc.rs: -if/-elif are not implemented"),
    ("pp_elif", "preproc.rs: -if/-elif are not implemented"),
    ("pp_error_directive", "preproc.rs: -error(...) is ignored"),
    (
        "pp_macro_wrong_arity",
        "preproc.rs: says \"undefined macro 'A/2'\"",
    ),
    (
        "pp_undef_then_use",
        "preproc.rs: points at '?', OTP at the name",
    ),
    (
        "pp_missing_endif",
        "preproc.rs: points at the -ifdef with its own words",
    ),
    (
        "pp_endif_without_if",
        "preproc.rs: its own words and column",
    ),
    ("pp_include_missing", "preproc.rs: appends the OS error"),
    ("pp_define_bad_name", "preproc.rs: its own words and column"),
    (
        "pp_macro_unterminated_args",
        "preproc.rs: its own words and column",
    ),
    (
        "sx_trailing_semicolon",
        "preproc.rs: \"premature end of file\" at the end",
    ),
    (
        "sx_no_final_dot",
        "preproc.rs: \"premature end of file\" at the end",
    ),
    (
        "sx_float_no_digits",
        "preproc.rs: \"premature end of file\" at the end",
    ),
    (
        "sx_bad_base_digit",
        "lexer.rs: \"illegal integer\" where OTP's scanner stops",
    ),
    (
        "ed_pattern_lc",
        "a comprehension in a function head: OTP's parser stops at '||', whose position our \
         syntax tree does not keep; we call it an illegal pattern",
    ),
];

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

/// An error as `(line, column, message)`; column 0 when the compiler gave none.
type Diag = (u32, u32, String);

/// Compiles every `.erl` file in `dir` on OTP: per module, its errors (none when it compiled).
/// `Err` only when `erl` cannot be started; any other trouble fails the test.
fn otp_verdicts(dir: &Path) -> Result<BTreeMap<String, Vec<Diag>>, String> {
    // One line per error, `module<TAB>line<TAB>col<TAB>message`, and `module<TAB>ok` for a
    // module that compiled; messages are OTP's own `format_error` text.
    let script = format!(
        r#"Fmt = fun(L) -> lists:flatten(string:replace(io_lib:format("~ts", [L]), "\n", " ", all)) end,
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
    let out = Command::new("erl")
        .args(["-noshell", "-eval", &script])
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
    let msg = it.next().unwrap_or(rest).trim().to_string();
    Some((line, col, msg))
}

#[test]
fn accepts_and_rejects_what_otp_does() {
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
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
        let show = |ds: &[Diag]| {
            ds.iter()
                .map(|(l, c, m)| format!("{l}:{c}: {m}"))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        match (&mine, theirs.is_empty()) {
            (None, true) => accepted += 1,
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
                rejected += 1;
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
        "{} cases: {accepted} accepted and {rejected} rejected by both; known divergences: {}",
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
