//! `exo bench estone` end to end: at a tiny loop scale the table lists all 17 micros with a
//! time and a score on our VM and on OTP (the ratios themselves are not checked here: they
//! are measurements, recorded in docs/bench-estone.md).

use std::process::Command;

#[test]
fn table_has_all_seventeen_micros_on_both_vms() {
    let out = Command::new(env!("CARGO_BIN_EXE_exo"))
        .args(["bench", "estone", "--loops-scale", "0.002"])
        .output()
        .expect("run exo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exo bench estone failed:\n{stdout}\n{stderr}"
    );
    assert!(
        !stderr.contains("erl not found"),
        "OTP's erl must be installed for this test (Debian erlang-base)"
    );
    let names = annex::estone::micro_names();
    assert_eq!(names.len(), 17);
    for name in &names {
        let row = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name.as_str()))
            .unwrap_or_else(|| panic!("no row for micro {name} in:\n{stdout}"));
        let cols: Vec<&str> = row.split_whitespace().collect();
        // micro weight loops ours_us ours_score otp_us otp_score ratio [flag]
        assert!(cols.len() >= 8, "short row {row:?}");
        for (i, what) in [
            (3, "our time"),
            (4, "our score"),
            (5, "OTP time"),
            (6, "OTP score"),
        ] {
            assert!(
                cols[i].parse::<u64>().is_ok(),
                "micro {name}: {what} is not a number in {row:?}"
            );
        }
        assert!(cols[7].ends_with('x'), "micro {name}: no ratio in {row:?}");
    }
    assert!(stdout.lines().any(|l| l.starts_with("total")), "{stdout}");
}

#[test]
fn no_otp_runs_our_vm_only() {
    let out = Command::new(env!("CARGO_BIN_EXE_exo"))
        .args([
            "bench",
            "estone",
            "--no-otp",
            "--loops-scale",
            "0.002",
            "--only",
            "lists,fcalls",
        ])
        .output()
        .expect("run exo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("lists") || l.starts_with("fcalls"))
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    for row in rows {
        assert!(
            row.trim_end().ends_with('-'),
            "OTP columns should be empty: {row:?}"
        );
    }
}

#[test]
fn bad_scale_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_exo"))
        .args(["bench", "estone", "--no-otp", "--loops-scale", "0"])
        .output()
        .expect("run exo");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--loops-scale must be a positive number"),
        "{stderr}"
    );
}
