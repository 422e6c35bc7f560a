//! `exo bench estone`: Estone on our VM and on OTP, side by side.
//!
//! The benchmark itself is Erlang (`bench/estone.erl`, embedded here so the command works
//! from any directory): 17 micro-benchmarks, each printing one line
//! `micro NAME weight W loops N us MICROSECONDS score ESTONES`. This module runs them on our
//! VM (in-process, `vm::run_files`) and, when `erl` is installed, on OTP (`erlc` + `erl
//! -noshell`), micro by micro and interleaved (OTP, ours, OTP, ours...) so that machine load
//! hits both sides alike; with `repeat > 1` each side keeps its fastest run of each micro.
//! The table shows both times and scores, the ratio of scores (ours / OTP), the totals, and
//! flags micros below 0.2x.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The benchmark module's source.
pub const ESTONE_ERL: &str = include_str!("../../bench/estone.erl");

/// Micros whose score ratio (ours / OTP) is below this are flagged.
pub const SLOW_RATIO: f64 = 0.2;

/// One micro's result, as the module prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Micro {
    pub name: String,
    pub weight: u64,
    pub loops: u64,
    pub us: u64,
    pub score: u64,
}

/// Parses the module's `micro ...` lines (other lines are ignored).
pub fn parse(out: &str) -> Result<Vec<Micro>, String> {
    let mut micros = Vec::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.first() != Some(&"micro") {
            continue;
        }
        let num = |i: usize, key: &str| -> Result<u64, String> {
            if f.get(i) != Some(&key) {
                return Err(format!("estone output: expected `{key}` in {line:?}"));
            }
            f.get(i + 1)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("estone output: bad `{key}` value in {line:?}"))
        };
        micros.push(Micro {
            name: f
                .get(1)
                .ok_or_else(|| format!("estone output: no name in {line:?}"))?
                .to_string(),
            weight: num(2, "weight")?,
            loops: num(4, "loops")?,
            us: num(6, "us")?,
            score: num(8, "score")?,
        });
    }
    Ok(micros)
}

/// The micros' names, in the module's order (its `micros/0`).
pub fn micro_names() -> Vec<String> {
    let start = ESTONE_ERL.find("micros() ->").unwrap_or(0);
    let end = ESTONE_ERL[start..]
        .find("].")
        .map_or(ESTONE_ERL.len(), |e| start + e);
    ESTONE_ERL[start..end]
        .split('{')
        .skip(1)
        .filter_map(|s| s.split(',').next())
        .map(|s| s.trim().to_string())
        .collect()
}

/// An Erlang float literal for the scale (Erlang wants digits on both sides of the point).
fn erl_float(k: f64) -> String {
    format!("{k:.6}")
}

/// A private scratch directory holding the module (and, for OTP, its beam).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, String> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("exo-estone-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        std::fs::write(dir.join("estone.erl"), ESTONE_ERL)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs one micro (`run/2` with one name) on our VM.
fn ours_one(dir: &Path, name: &str, k: f64) -> Result<Micro, String> {
    let main = dir.join("estone_exo_main.erl");
    let src = format!(
        "-module(estone_exo_main).\n-export([main/0]).\nmain() -> estone:run({}, [{name}]).\n",
        erl_float(k)
    );
    std::fs::write(&main, src).map_err(|e| format!("{}: {e}", main.display()))?;
    let out = vm::run_files(
        &[main, dir.join("estone.erl")],
        "estone_exo_main",
        "main",
        false,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    if out.exit_code != 0 {
        return Err(format!(
            "our VM failed on micro {name}: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    one_micro(&text, name, "our VM")
}

fn one_micro(text: &str, name: &str, who: &str) -> Result<Micro, String> {
    parse(text)?
        .into_iter()
        .find(|m| m.name == name)
        .ok_or_else(|| format!("{who} printed no result for micro {name}: {text}"))
}

/// Whether OTP's `erl` and `erlc` can be started.
pub fn otp_available() -> bool {
    ["erl", "erlc"].iter().all(|c| {
        Command::new(c)
            .arg("-version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    })
}

fn otp_compile(dir: &Path) -> Result<(), String> {
    let out = Command::new("erlc")
        .arg("-o")
        .arg(dir)
        .arg(dir.join("estone.erl"))
        .output()
        .map_err(|e| format!("erlc: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "erlc bench/estone.erl failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// Runs one micro on OTP in a fresh node.
fn otp_one(dir: &Path, name: &str, k: f64) -> Result<Micro, String> {
    let out = Command::new("erl")
        .arg("-noshell")
        .arg("-pa")
        .arg(dir)
        .arg("-eval")
        .arg(format!("estone:run({}, [{name}]), halt().", erl_float(k)))
        .env("ERL_CRASH_DUMP_SECONDS", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("erl: {e}"))?;
    one_micro(&String::from_utf8_lossy(&out.stdout), name, "OTP")
}

/// Options of `exo bench estone`.
#[derive(Clone, Debug)]
pub struct Options {
    /// Multiplies every micro's loop count (1.0: each micro ~50 ms or more on OTP).
    pub loops_scale: f64,
    /// Skip OTP even when `erl` is installed.
    pub no_otp: bool,
    /// Runs per micro and side; the fastest is kept.
    pub repeat: usize,
    /// Only these micros (empty: all).
    pub only: Vec<String>,
}

/// Both sides' results, micro by micro (`otp` is empty when OTP was not run).
pub struct Report {
    pub ours: Vec<Micro>,
    pub otp: Vec<Micro>,
}

fn fastest(a: Option<Micro>, b: Micro) -> Option<Micro> {
    Some(match a {
        Some(a) if a.us <= b.us => a,
        _ => b,
    })
}

/// Runs the benchmark; `progress` is told each micro's name before it runs.
pub fn run(opts: &Options, mut progress: impl FnMut(&str)) -> Result<Report, String> {
    if !(opts.loops_scale > 0.0 && opts.loops_scale.is_finite()) {
        return Err(format!(
            "--loops-scale must be a positive number, got {}",
            opts.loops_scale
        ));
    }
    let names: Vec<String> = micro_names()
        .into_iter()
        .filter(|n| opts.only.is_empty() || opts.only.contains(n))
        .collect();
    if names.is_empty() {
        return Err(format!("no such micro: {}", opts.only.join(", ")));
    }
    let scratch = Scratch::new()?;
    let with_otp = !opts.no_otp && otp_available();
    if with_otp {
        otp_compile(&scratch.0)?;
    }
    let mut report = Report {
        ours: Vec::new(),
        otp: Vec::new(),
    };
    for name in &names {
        progress(name);
        let (mut best_ours, mut best_otp) = (None, None);
        for _ in 0..opts.repeat.max(1) {
            if with_otp {
                best_otp = fastest(best_otp, otp_one(&scratch.0, name, opts.loops_scale)?);
            }
            best_ours = fastest(best_ours, ours_one(&scratch.0, name, opts.loops_scale)?);
        }
        report.ours.extend(best_ours);
        report.otp.extend(best_otp);
    }
    Ok(report)
}

fn ratio(ours: u64, otp: u64) -> f64 {
    if otp == 0 {
        0.0
    } else {
        ours as f64 / otp as f64
    }
}

/// The side-by-side table.
pub fn table(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<26} {:>6} {:>8} {:>12} {:>10} {:>12} {:>10} {:>8}",
        "micro", "weight", "loops", "ours us", "ours score", "otp us", "otp score", "ratio"
    );
    for m in &r.ours {
        let otp = r.otp.iter().find(|o| o.name == m.name);
        let (otp_us, otp_score, rat) = match otp {
            Some(o) => {
                let x = ratio(m.score, o.score);
                let flag = if x < SLOW_RATIO { " <0.2x" } else { "" };
                (
                    o.us.to_string(),
                    o.score.to_string(),
                    format!("{x:.3}x{flag}"),
                )
            }
            None => ("-".into(), "-".into(), "-".into()),
        };
        let _ = writeln!(
            s,
            "{:<26} {:>6} {:>8} {:>12} {:>10} {:>12} {:>10} {:>8}",
            m.name, m.weight, m.loops, m.us, m.score, otp_us, otp_score, rat
        );
    }
    let ours_total: u64 = r.ours.iter().map(|m| m.score).sum();
    let ours_us: u64 = r.ours.iter().map(|m| m.us).sum();
    if r.otp.is_empty() {
        let _ = writeln!(
            s,
            "{:<26} {:>6} {:>8} {:>12} {:>10}",
            "total", "", "", ours_us, ours_total
        );
    } else {
        let otp_total: u64 = r.otp.iter().map(|m| m.score).sum();
        let otp_us: u64 = r.otp.iter().map(|m| m.us).sum();
        let slow = r
            .ours
            .iter()
            .filter(|m| {
                r.otp
                    .iter()
                    .find(|o| o.name == m.name)
                    .is_some_and(|o| ratio(m.score, o.score) < SLOW_RATIO)
            })
            .count();
        let _ = writeln!(
            s,
            "{:<26} {:>6} {:>8} {:>12} {:>10} {:>12} {:>10} {:>8}",
            "total",
            "",
            "",
            ours_us,
            ours_total,
            otp_us,
            otp_total,
            format!("{:.3}x", ratio(ours_total, otp_total))
        );
        let _ = writeln!(s, "micros below {SLOW_RATIO}x: {slow} of {}", r.ours.len());
    }
    s
}

/// `exo bench ...` subcommands (kept here so the `exo` entry point only dispatches).
#[derive(clap::Subcommand, Debug)]
pub enum BenchCmd {
    /// Estone's 17 micro-benchmarks on our VM and, where `erl` is installed, on OTP.
    Estone {
        /// Multiply every micro's loop count (1.0: each micro takes >= ~50 ms on OTP).
        #[arg(long, default_value_t = 1.0)]
        loops_scale: f64,
        /// Do not run OTP, even if `erl` is installed.
        #[arg(long)]
        no_otp: bool,
        /// Runs per micro and VM, interleaved; the fastest of each is kept.
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// Run only these micros (comma-separated names, as in the table).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
}

/// Runs a `bench` subcommand, prints its table, returns the exit code.
pub fn main(cmd: BenchCmd) -> i32 {
    let BenchCmd::Estone {
        loops_scale,
        no_otp,
        repeat,
        only,
    } = cmd;
    let opts = Options {
        loops_scale,
        no_otp,
        repeat,
        only,
    };
    if !no_otp && !otp_available() {
        eprintln!("exo bench estone: erl not found, running our VM only");
    }
    match run(&opts, |name| eprintln!("estone: {name}")) {
        Ok(r) => {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            match out
                .write_all(table(&r).as_bytes())
                .and_then(|()| out.flush())
            {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("exo bench estone: writing the output: {e}");
                    1
                }
            }
        }
        Err(e) => {
            eprintln!("exo bench estone: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_micro_lines_and_skips_others() {
        let out =
            "warming up\nmicro lists weight 7 loops 96 us 736 score 30957\ntotal us 1 score 2\n";
        assert_eq!(
            parse(out).unwrap(),
            vec![Micro {
                name: "lists".into(),
                weight: 7,
                loops: 96,
                us: 736,
                score: 30957
            }]
        );
        assert!(parse("micro lists weight x loops 1 us 1 score 1").is_err());
    }

    #[test]
    fn the_module_declares_seventeen_micros() {
        let names = micro_names();
        assert_eq!(names.len(), 17, "{names:?}");
        assert_eq!(names[0], "lists");
        assert_eq!(names[16], "links");
    }

    #[test]
    fn table_flags_slow_micros_and_totals() {
        let m = |name: &str, score| Micro {
            name: name.into(),
            weight: 1,
            loops: 1,
            us: 10,
            score,
        };
        let r = Report {
            ours: vec![m("a", 10), m("b", 100)],
            otp: vec![m("a", 100), m("b", 100)],
        };
        let t = table(&r);
        assert!(t.contains("0.100x <0.2x"), "{t}");
        assert!(t.contains("1.000x\n"), "{t}");
        assert!(t.contains("micros below 0.2x: 1 of 2"), "{t}");
        assert!(t.contains("0.550x"), "{t}");
    }
}
