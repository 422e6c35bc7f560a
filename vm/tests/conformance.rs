//! The OTP conformance corpus: every `tests/conformance/*.erl` module is run on OTP 25 and on our
//! VM, and the two stdouts must be identical byte for byte.
//!
//! OTP side: the corpus is compiled once with `erlc`, then modules run as
//! `io:format("~p~n",[M:main()])` under `erl -noshell`, each in a fresh process, many per node
//! (see `otp_outputs`). VM side:
//! `vm::run_files(&[file], M, "main", true)`, which appends the returned value the same way.
//! Modules the VM does not run identically yet wait in `tests/conformance-pending/` (not run
//! here; see the README there). Work is spread over two threads; a mismatch prints a readable
//! diff for that module and the test fails with the count.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const THREADS: usize = 2;

/// The corpus folder; `CONFORMANCE_DIR` points the harness elsewhere (for instance at
/// `tests/conformance-pending` to see which waiting modules now pass).
fn corpus() -> Vec<PathBuf> {
    let dir = std::env::var_os("CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "erl"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn module_name(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Separates modules' outputs in a shared OTP node's stdout.
const MARKER: &[u8] = b"\x01\x02conformance-module-boundary\x02\x01 ";

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Runs `modules` on OTP in one node, each `main/0` in a fresh process one after another, and
/// returns each module's stdout. The bytes a module prints are those that
/// `erl -noshell -eval 'io:format("~p~n",[M:main()]), halt().'` prints (same node setup, same
/// standard_io); a marker line separates modules, so one node start serves many modules.
fn otp_outputs(beam_dir: &Path, modules: &[String]) -> Vec<Vec<u8>> {
    if modules.is_empty() {
        return Vec::new();
    }
    let expr = format!(
        "[begin io:put_chars([{marker}, atom_to_list(M), 10]), \
            {{P, R}} = spawn_monitor(fun() -> io:format(\"~p~n\", [M:main()]) end), \
            receive {{'DOWN', R, process, P, _}} -> ok end \
         end || M <- [{modules}]], halt().",
        marker = MARKER
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(","),
        modules = modules.join(",")
    );
    let out = Command::new("erl")
        .arg("-noshell")
        .arg("-pa")
        .arg(beam_dir)
        .arg("-eval")
        // A failing node must not leave erl_crash.dump in the crate folder.
        .env("ERL_CRASH_DUMP_SECONDS", "0")
        .arg(&expr)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("erl must be installed (Debian erlang-base)");
    // Split at each marker; a module's own output may contain any byte, but not this sequence.
    let mut outputs = Vec::new();
    let mut rest: &[u8] = &out.stdout;
    for module in modules {
        let header = [MARKER, module.as_bytes(), b"\n"].concat();
        let Some(start) = find(rest, &header) else {
            break;
        };
        rest = &rest[start + header.len()..];
        let end = find(rest, MARKER).unwrap_or(rest.len());
        outputs.push(rest[..end].to_vec());
    }
    outputs.resize(modules.len(), Vec::new());
    outputs
}

/// The first differing line with a few lines of context on each side, both versions shown.
fn diff(ours: &[u8], otp: &[u8]) -> String {
    // Lossy: under -noshell OTP writes latin1 bytes, which must still be shown.
    let (a, b) = (String::from_utf8_lossy(ours), String::from_utf8_lossy(otp));
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    let first = a
        .iter()
        .zip(b.iter())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let lo = first.saturating_sub(2);
    let mut s = format!("first difference at line {}\n", first + 1);
    for (label, lines) in [("otp ", &b), ("ours", &a)] {
        for (i, l) in lines.iter().enumerate().skip(lo).take(5) {
            let mark = if i == first { '>' } else { ' ' };
            s.push_str(&format!("  {label} {mark}{:4}| {l}\n", i + 1));
        }
        if lines.len() <= first {
            s.push_str(&format!("  {label} > (ends after {} lines)\n", lines.len()));
        }
    }
    if a == b {
        s.push_str("  (lines look equal: the difference is in encoding, line endings or a final newline)\n");
    }
    s
}

#[test]
fn corpus_output_is_identical_to_otp() {
    let files = corpus();
    assert!(!files.is_empty(), "no modules in tests/conformance");
    let beam_dir = std::env::temp_dir().join(format!("vm-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&beam_dir);
    std::fs::create_dir_all(&beam_dir).expect("create beam dir");
    let erlc = Command::new("erlc")
        .arg("-o")
        .arg(&beam_dir)
        .args(&files)
        .output()
        .expect("erlc must be installed (Debian erlang-base)");
    assert!(
        erlc.status.success(),
        "the corpus does not compile with erlc:\n{}{}",
        String::from_utf8_lossy(&erlc.stdout),
        String::from_utf8_lossy(&erlc.stderr)
    );

    // OTP side: one node per thread, each running a contiguous share of the corpus.
    let modules: Vec<String> = files.iter().map(|f| module_name(f)).collect();
    let share = modules.len().div_ceil(THREADS);
    let otp: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = modules
            .chunks(share)
            .map(|chunk| s.spawn(|| otp_outputs(&beam_dir, chunk)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("OTP runner thread"))
            .collect()
    });

    // Our side, twice: on the interpreter alone, then with every function compiled to
    // native code at its first call (`vm::jit`), so native code runs the whole corpus. (The
    // other test binaries run the default: functions compiled once hot.)
    let next = AtomicUsize::new(0);
    let compiled = AtomicUsize::new(0);
    let failures: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let (i, native) = (k % files.len(), k >= files.len());
                if k >= 2 * files.len() {
                    compiled.fetch_add(vm::jit::compiled(), Ordering::Relaxed);
                    break;
                }
                let (file, module) = (&files[i], &modules[i]);
                vm::jit::set_threshold(if native { Some(1) } else { None });
                let ours = vm::run_files(std::slice::from_ref(file), module, "main", true);
                vm::jit::set_threshold(None);
                let module = &if native {
                    format!("{module} (every function native)")
                } else {
                    module.clone()
                };
                if ours.stdout != otp[i] {
                    let mut report = diff(&ours.stdout, &otp[i]);
                    if !ours.stderr.is_empty() {
                        report.push_str(&format!(
                            "  our stderr: {}\n",
                            String::from_utf8_lossy(&ours.stderr).trim_end()
                        ));
                    }
                    failures
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((module.clone(), report));
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&beam_dir);
    // The native pass must have run native code (its compiler works on this machine).
    let compiled = compiled.into_inner();
    eprintln!("native pass: {compiled} functions compiled");
    assert!(
        compiled >= files.len(),
        "only {compiled} functions compiled for {} modules run native",
        files.len()
    );
    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort();
    for (module, report) in &failures {
        eprintln!("=== {module}: output differs from OTP 25\n{report}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} conformance modules differ from OTP 25: {}",
        failures.len(),
        files.len(),
        failures
            .iter()
            .map(|(m, _)| m.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
}
