//! A split whose outputs do not fit on their file system (a 2 MiB tmpfs mounted for the test)
//! ends with a clear error naming the output and the cause, exit status 1, and no panic, on
//! the mapped path and the streamed one alike.

mod e2e_common;
use e2e_common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A tmpfs mounted for the test, unmounted however the test ends.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Mounting needs root. In CI (`CI` set) its absence is a failure, not a skip.
fn root_or_skip() -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "mounting a tmpfs needs root; CI runs as root, so this is a broken environment"
    );
    eprintln!("SKIPPED: mounting a tmpfs needs root; run as root to exercise it");
    false
}

fn check(out: std::process::Output, dir: &Path, how: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{how}: {err}");
    assert!(err.contains("No space left on device"), "{how}: {err}");
    assert!(
        err.contains(&dir.display().to_string()),
        "{how}: no output named: {err}"
    );
    assert!(!err.contains("panicked"), "{how}: {err}");
}

#[test]
fn outputs_that_fill_their_disk_end_with_a_clear_error() {
    if !root_or_skip() {
        return;
    }
    let dir = scratch("e2e_split_disk_full");
    let trace = dir.join("t.pcap");
    let rules = dir.join("rules.txt");
    gen_trace(&trace, &rules, 100, 20_000);
    let full = dir.join("full");
    std::fs::create_dir_all(&full).unwrap();
    let st = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&full)
        .status()
        .expect("run mount");
    assert!(st.success(), "mount a tmpfs on {}", full.display());
    let mount = Mount(full.clone());

    let mapped = full.join("mapped");
    let out = dpf(&[
        "split",
        "-r",
        trace.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "-o",
        mapped.to_str().unwrap(),
    ]);
    check(out, &mapped, "mapped");

    let piped = full.join("piped");
    let out = Command::new(env!("CARGO_BIN_EXE_dpf"))
        .args(["split", "-r", "-", "--rules", rules.to_str().unwrap(), "-o"])
        .arg(&piped)
        .stdin(Stdio::from(std::fs::File::open(&trace).unwrap()))
        .output()
        .expect("run dpf");
    check(out, &piped, "streamed");
    drop(mount);
    let _ = std::fs::remove_dir_all(&dir);
}
