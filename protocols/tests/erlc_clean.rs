//! The stack and its test modules compile on OTP without a single warning (`erlc -Wall
//! -Werror`): unused variables and unreachable clauses in protocol code are bugs waiting.

mod common;

use std::process::Command;

#[test]
fn every_protocol_module_compiles_with_erlc_wall_werror() {
    let mut files = common::stack_sources();
    let tests = common::erl_dir().join("test");
    for e in std::fs::read_dir(&tests)
        .expect("erl/test exists")
        .flatten()
    {
        if e.path().extension().is_some_and(|x| x == "erl") {
            files.push(e.path());
        }
    }
    assert!(files.len() >= 16, "found only {} modules", files.len());
    let out_dir = common::scratch_dir("erlc-wall");
    let out = Command::new("erlc")
        .args(["-Wall", "-Werror", "-o"])
        .arg(&out_dir)
        .args(&files)
        .output()
        .expect("erlc is installed");
    let _ = std::fs::remove_dir_all(&out_dir);
    assert!(
        out.status.success(),
        "erlc -Wall -Werror:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
