//! Our Erlang standard library (`vm/lib/*.erl`), checked on OTP 25 itself.
//!
//! The library must be real Erlang that `erlc` accepts unchanged, and it must behave exactly like
//! OTP's own `lists`, `string`, `maps`, `proplists`, `io` and `io_lib` (including `~p` line
//! breaking). This does not need our VM: `tests/stdlib_otp/exo_rename.erl` loads renamed copies
//! (`lists` -> `exo_lists`, ...) into an OTP node and `tests/stdlib_otp/stdlib_check.erl` runs both
//! on the same inputs (fixed edge cases and seeded random terms), OTP being the oracle.
//! The conformance corpus is also checked here to be valid on OTP: every module compiles and its
//! `main/0` returns without letting an exception escape.

use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory under the system temp dir, unique to this test and process.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vm-stdlib-otp-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn erl_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "erl"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Runs `erlc` on `files` into `out`; returns its combined output on failure.
fn erlc(files: &[PathBuf], out: &Path, extra: &[&str]) -> Result<String, String> {
    let output = Command::new("erlc")
        .args(extra)
        .arg("-o")
        .arg(out)
        .args(files)
        .output()
        .expect("erlc must be installed (Debian erlang-base)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

fn erl_eval(pa: &Path, expr: &str) -> (bool, String) {
    let output = Command::new("erl")
        .arg("-noshell")
        .arg("-pa")
        .arg(pa)
        .arg("-eval")
        .arg(expr)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("erl must be installed (Debian erlang-base)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn library_compiles_with_erlc_without_warnings() {
    let files = erl_files(&manifest_dir().join("lib"));
    assert!(
        files.len() >= 8,
        "expected the library modules in vm/lib, found {files:?}"
    );
    let out = scratch_dir("erlc");
    let text =
        erlc(&files, &out, &["-Wall", "-Werror"]).unwrap_or_else(|e| panic!("erlc failed:\n{e}"));
    assert!(text.trim().is_empty(), "erlc printed diagnostics:\n{text}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn library_matches_otp_on_the_same_inputs() {
    let driver = manifest_dir().join("tests/stdlib_otp");
    let out = scratch_dir("driver");
    erlc(&erl_files(&driver), &out, &[])
        .unwrap_or_else(|e| panic!("driver does not compile:\n{e}"));
    let lib = manifest_dir().join("lib");
    let expr = format!("stdlib_check:main([\"{}\"])", lib.display());
    let (ok, text) = erl_eval(&out, &expr);
    let _ = std::fs::remove_dir_all(&out);
    assert!(ok, "the OTP comparison crashed:\n{text}");
    let summary = text
        .lines()
        .find(|l| l.starts_with("checks="))
        .unwrap_or_else(|| panic!("no summary line in:\n{text}"));
    let field = |name: &str| -> u64 {
        summary
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(name))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("bad summary line {summary:?}"))
    };
    let (checks, failures) = (field("checks="), field("failures="));
    // The corpus of comparisons is large by construction; a collapse means the driver broke.
    assert!(checks >= 20_000, "only {checks} comparisons ran:\n{text}");
    assert_eq!(
        failures, 0,
        "{failures} of {checks} comparisons differ from OTP:\n{text}"
    );
}

/// Every corpus module, run or pending, must be valid on OTP: compile cleanly and return from
/// `main/0` (modules catch their own exceptions and print them).
#[test]
fn conformance_corpus_is_valid_on_otp() {
    let root = manifest_dir().join("tests");
    let mut files = erl_files(&root.join("conformance"));
    files.extend(erl_files(&root.join("conformance-pending")));
    if files.is_empty() {
        return;
    }
    let out = scratch_dir("corpus");
    erlc(&files, &out, &[]).unwrap_or_else(|e| panic!("corpus does not compile:\n{e}"));
    let modules: Vec<String> = files
        .iter()
        .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    // One node runs every main/0 in its own process, so a module that hangs or crashes is named.
    let expr = format!(
        "Ms = [{}], \
         Bad = [M || M <- Ms, begin \
            {{P, R}} = spawn_monitor(fun() -> exit({{ret, M:main()}}) end), \
            receive {{'DOWN', R, process, P, {{ret, _}}}} -> false; \
                    {{'DOWN', R, process, P, Why}} -> io:format(\"~~n~~p crashed: ~~p~~n\", [M, Why]), true \
            after 10000 -> exit(P, kill), io:format(\"~~n~~p timed out~~n\", [M]), true end end], \
         io:format(\"~~nBAD=~~p~~n\", [length(Bad)]), halt().",
        modules.join(",")
    );
    let (_, text) = erl_eval(&out, &expr);
    let _ = std::fs::remove_dir_all(&out);
    assert!(
        text.contains("\nBAD=0\n"),
        "some corpus modules fail on OTP:\n{text}"
    );
}
