//! Source nested as deep as its length allows compiles and runs. A file of its own: the deep
//! compile's stack chunks and terms take hundreds of MiB for a moment, which would disturb
//! `runtime_limits`' resident-memory measurement if the two ran side by side in one process.

mod support;
use support::run;

/// Source that nests 100,000 levels deep (a list in a list ...) and a chain of 200,000
/// additions: the compiler's passes grow their stack as they descend (they overflowed it in
/// the bytecode lowering before).
#[test]
fn deeply_nested_source_compiles_and_runs() {
    let n = 100_000;
    let out = run(
        "deepnest",
        &format!(
            "depth([H], N) -> depth(H, N + 1);\ndepth(_, N) -> N.\nmain() -> X = 1, depth({}X{}, 0).",
            "[".repeat(n),
            "]".repeat(n)
        ),
    );
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), n.to_string());
    let terms = vec!["X"; 2 * n];
    let out = run(
        "longsum",
        &format!("main() -> X = 3, {}.", terms.join(" + ")),
    );
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        (6 * n).to_string()
    );
}
