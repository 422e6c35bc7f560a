//! Every `.erl` file in the repository is real Erlang: OTP's `erlc` compiles each of them
//! unchanged (the project's own modules must run on both VMs).

use std::path::{Path, PathBuf};
use std::process::Command;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(|e| e.ok()) {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if p.is_dir() {
            if name.starts_with('.') || name == "target" || name.starts_with("target-") {
                continue;
            }
            walk(&p, out);
        } else if name.ends_with(".erl") {
            out.push(p);
        }
    }
}

#[test]
fn every_erl_file_in_the_repository_compiles_with_erlc() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    assert!(files.len() >= 200, "found only {} .erl files", files.len());
    let out = std::env::temp_dir().join(format!("erlc-all-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("temp dir");
    let mut failures = Vec::new();
    // One erlc per file would boot a VM each time; compile in batches instead.
    for chunk in files.chunks(64) {
        let st = Command::new("erlc")
            .arg("-o")
            .arg(&out)
            .args(chunk)
            .output()
            .expect("erlc is installed (Debian's erlang-base)");
        if !st.status.success() {
            failures.push(String::from_utf8_lossy(&st.stdout).into_owned());
            failures.push(String::from_utf8_lossy(&st.stderr).into_owned());
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(failures.is_empty(), "erlc failed:\n{}", failures.join("\n"));
}
