//! The harness every protocols test shares: run an Erlang entry point on OTP (`erlc` + `erl`)
//! and on our VM (`vm::run_files`), each bounded in time, and read the "name: value" lines the
//! test modules print.

#![allow(dead_code)] // each test binary uses its own part of the harness

pub mod oracle;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub use protocols::{erl_dir, stack_sources};

/// The stack modules plus the named test modules from `erl/test/`.
pub fn sources_with_tests(tests: &[&str]) -> Vec<PathBuf> {
    let mut v = stack_sources();
    for t in tests {
        v.push(erl_dir().join("test").join(format!("{t}.erl")));
    }
    v
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty scratch directory under the system temp dir.
pub fn scratch_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "protocols-{tag}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create scratch dir");
    d
}

/// Compiles `files` with `erlc` and runs `module:main()` in `erl -noshell`; returns stdout.
/// Panics with OTP's output if compilation or the run fails or exceeds `limit`.
pub fn run_otp(files: &[PathBuf], module: &str, limit: Duration) -> String {
    let dir = scratch_dir(&format!("otp-{module}"));
    let out = Command::new("erlc")
        .arg("-o")
        .arg(&dir)
        .args(files)
        .output()
        .expect("erlc is installed (Debian's erlang-base)");
    assert!(
        out.status.success(),
        "erlc failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut child = Command::new("erl")
        .arg("-noshell")
        .arg("-pa")
        .arg(&dir)
        .arg("-eval")
        .arg(format!("{module}:main(), halt()."))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("erl is installed");
    // Read the pipes on threads so a chatty run cannot block on a full pipe.
    let mut so = child.stdout.take().expect("stdout piped");
    let mut se = child.stderr.take().expect("stderr piped");
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut so, &mut s).ok();
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut se, &mut s).ok();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait for erl") {
            break Some(st);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = t_out.join().unwrap_or_default();
    let stderr = t_err.join().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    match status {
        None => {
            panic!("{module}:main() on OTP took over {limit:?}; output so far:\n{stdout}\n{stderr}")
        }
        Some(st) => assert!(
            st.success() && stderr.is_empty(),
            "{module}:main() failed on OTP ({st}):\n{stdout}\n{stderr}"
        ),
    }
    stdout
}

/// Runs `module:main()` on our VM (`vm::run_files`) on a thread; returns stdout. Panics with
/// the VM's output if the run fails or exceeds `limit`.
pub fn run_vm(files: &[PathBuf], module: &str, limit: Duration) -> String {
    let files = files.to_vec();
    let m = module.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let out = vm::run_files(&files, &m, "main", false);
        let _ = tx.send(out);
    });
    let out = rx
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{module}:main() on our VM took over {limit:?}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.exit_code == 0,
        "{module}:main() failed on our VM (exit {}):\n{stdout}\n{stderr}",
        out.exit_code
    );
    stdout
}

/// Asserts two outputs are identical, naming the first differing line.
pub fn assert_same_output(otp: &str, ours: &str, what: &str) {
    if otp == ours {
        return;
    }
    let (a, b): (Vec<&str>, Vec<&str>) = (otp.lines().collect(), ours.lines().collect());
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i).copied(), b.get(i).copied());
        if x != y {
            panic!(
                "{what}: output differs at line {}:\n  OTP:    {}\n  our VM: {}",
                i + 1,
                x.unwrap_or("<end>"),
                y.unwrap_or("<end>")
            );
        }
    }
    panic!("{what}: outputs differ (line endings?)");
}

/// The value of the line `name: value`; panics naming the line when absent.
pub fn field<'a>(out: &'a str, name: &str) -> &'a str {
    let prefix = format!("{name}: ");
    out.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no line {name:?} in output:\n{out}"))
}

/// The `frame NAME HEX` lines, decoded.
pub fn frames(out: &str) -> Vec<(String, Vec<u8>)> {
    out.lines()
        .filter_map(|l| l.strip_prefix("frame "))
        .map(|l| {
            let (name, hex) = l.split_once(' ').expect("frame NAME HEX");
            (name.to_string(), unhex(hex))
        })
        .collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Lines other than `frame` lines (what OTP and our VM must agree on byte for byte).
pub fn without_frames(out: &str) -> String {
    out.lines()
        .filter(|l| !l.starts_with("frame "))
        .map(|l| format!("{l}\n"))
        .collect()
}
