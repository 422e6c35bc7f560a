//! Floats printed by `~w` (and `float_to_list/1`, `float_to_list(F, [short])`) must be OTP 25's
//! text exactly: shortest round-trip digits, ties between two shortest candidates going to
//! the even one, OTP's choice between plain and exponent notation. Thousands of doubles: random
//! bit patterns (every exponent), dyadic fractions whose exact decimals end in a 5 (the
//! ties), integers around 2^53, and subnormals, compared with one `erl` run.

mod differential;

use std::path::PathBuf;
use std::process::Command;

/// Bit patterns of finite doubles to print.
fn patterns() -> Vec<u64> {
    let mut v = Vec::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..1500 {
        let b = next();
        if (b >> 52) & 0x7ff != 0x7ff {
            v.push(b);
        }
    }
    // k / 2^n for small k and n: exact decimals ending in 5, where ties live.
    for n in 1..60u32 {
        for k in [
            1u64,
            3,
            5,
            7,
            9,
            11,
            13,
            19,
            25,
            99,
            1001,
            12345,
            987_654_321,
        ] {
            let f = k as f64 / 2f64.powi(n as i32);
            v.push(f.to_bits());
            v.push((f * 1e-5).to_bits());
            v.push((f * 1e10).to_bits());
        }
    }
    // Integers around 2^53, where OTP switches to exponent notation.
    for k in 0..200u64 {
        v.push((((1u64 << 53) - 100 + k) as f64).to_bits());
    }
    // Subnormals and the extremes.
    for k in [1u64, 2, 3, 1000, 0x000f_ffff_ffff_ffff] {
        v.push(k);
    }
    v.push(f64::MAX.to_bits());
    v.push(f64::MIN_POSITIVE.to_bits());
    v
}

#[test]
fn floats_print_as_otp_prints_them() {
    if !differential::erl_available() {
        return;
    }
    let pats = patterns();
    let list: Vec<String> = pats.iter().map(|b| b.to_string()).collect();
    let src = format!(
        "-module(ffmt).\n-export([main/0]).\n\
         bits() -> [{}].\n\
         main() -> [begin <<F:64/float>> = <<B:64>>, \
                     {{io_lib:write(F), float_to_list(F), float_to_list(F, [short])}} end \
                    || B <- bits()].\n",
        list.join(",\n    ")
    );
    let dir: PathBuf = std::env::temp_dir().join(format!("vm_float_format_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ffmt.erl");
    std::fs::write(&file, &src).unwrap();
    let c = Command::new("erlc")
        .arg("-o")
        .arg(&dir)
        .arg(&file)
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stdout));
    let otp = Command::new("timeout")
        .args(["120", "erl", "-noshell", "-pa"])
        .arg(&dir)
        .args([
            "-eval",
            "io:put_chars([io_lib:write(ffmt:main()), \"\\n\"]), halt().",
        ])
        .output()
        .unwrap();
    let wrapper = dir.join("wffmt.erl");
    std::fs::write(
        &wrapper,
        "-module(wffmt).\n-export([main/0]).\nmain() -> io:put_chars([io_lib:write(ffmt:main()), \"\\n\"]).\n",
    )
    .unwrap();
    let ours = vm::run_files(&[wrapper, file], "wffmt", "main", false);
    let _ = std::fs::remove_dir_all(&dir);
    let (theirs, mine) = (
        String::from_utf8_lossy(&otp.stdout).into_owned(),
        String::from_utf8_lossy(&ours.stdout).into_owned(),
    );
    assert!(theirs.len() > 10_000, "erl printed: {theirs}");
    if theirs != mine {
        // Name the first floats that differ.
        let split = |s: &str| -> Vec<String> {
            s.trim_end()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split("},{")
                .map(str::to_string)
                .collect()
        };
        let (a, b) = (split(&theirs), split(&mine));
        let diffs: Vec<String> = a
            .iter()
            .zip(&b)
            .zip(&pats)
            .filter(|((x, y), _)| x != y)
            .take(8)
            .map(|((x, y), p)| format!("{:e}: otp {x} ours {y}", f64::from_bits(*p)))
            .collect();
        panic!(
            "{} of {} floats print differently:\n{}",
            a.iter().zip(&b).filter(|(x, y)| x != y).count(),
            pats.len(),
            diffs.join("\n")
        );
    }
}
