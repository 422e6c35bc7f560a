//! Shared by the test files that run a one-module program from source text.

use std::path::PathBuf;

/// Writes `-module(NAME). -export([main/0]). BODY` to a scratch file and runs `NAME:main()`.
pub fn run(name: &str, body: &str) -> vm::RunOutput {
    let dir = std::env::temp_dir().join(format!("vm_tests_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f: PathBuf = dir.join(format!("{name}.erl"));
    std::fs::write(
        &f,
        format!("-module({name}).\n-export([main/0]).\n{body}\n"),
    )
    .unwrap();
    vm::run_files(&[f], name, "main", true)
}
