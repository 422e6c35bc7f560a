//! Helpers for tests that talk to the Linux kernel: a network namespace deleted on drop, `exo`
//! child processes killed on drop, commands bounded in time, and sockets opened inside a
//! namespace (a thread that `setns`es into it, so no tool beyond iproute2 is needed).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// Whether this test can create namespaces and TAP devices. In CI (`CI` set) a missing
/// privilege is a failure, not a skip: a silent pass would hide that nothing was exercised.
pub fn privileged_or_skip(what: &str) -> bool {
    let root = unsafe { libc::geteuid() } == 0;
    let tun = std::path::Path::new("/dev/net/tun").exists();
    if root && tun {
        return true;
    }
    let why = format!("{what}: needs root and /dev/net/tun (root: {root}, /dev/net/tun: {tun})");
    if std::env::var_os("CI").is_some() {
        panic!("{why}; CI runs as root, so this is a broken environment");
    }
    println!("SKIPPED: {why}; run as root to exercise it");
    false
}

/// Runs a command bounded by `timeout(1)`; its output whatever the status.
pub fn run_output(args: &[&str], secs: u32) -> Output {
    Command::new("timeout")
        .arg(secs.to_string())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", args.join(" ")))
}

/// Runs a command that must succeed (bounded to 20 s).
pub fn run(args: &[&str]) -> String {
    let out = run_output(args, 20);
    assert!(
        out.status.success(),
        "{} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a command whose failure does not matter (cleanup, optional tuning).
pub fn run_quiet(args: &[&str]) {
    let _ = run_output(args, 20);
}

/// A namespace deleted on drop, even when the test panics.
pub struct NetNs {
    pub name: String,
}

impl NetNs {
    pub fn new(tag: &str) -> NetNs {
        let name = format!("annex-{}-{tag}", std::process::id());
        run_quiet(&["ip", "netns", "del", &name]);
        run(&["ip", "netns", "add", &name]);
        let ns = NetNs { name };
        ns.exec(&["ip", "link", "set", "lo", "up"]);
        ns
    }

    /// Runs a command inside the namespace; it must succeed.
    pub fn exec(&self, args: &[&str]) -> String {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(args);
        run(&full)
    }

    /// Runs a command inside the namespace, bounded to `secs`; its output whatever the status.
    pub fn output(&self, args: &[&str], secs: u32) -> Output {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(args);
        run_output(&full, secs)
    }

    pub fn exec_quiet(&self, args: &[&str]) {
        let _ = self.output(args, 20);
    }

    /// Moves `ifname` into the namespace and configures it: `addr`, no IPv6 (no stray
    /// traffic), offloads off (the stack sees frames as they are on the wire), up.
    pub fn adopt(&self, ifname: &str, addr: &str) {
        run(&["ip", "link", "set", ifname, "netns", &self.name]);
        self.exec_quiet(&[
            "sysctl",
            "-qw",
            &format!("net.ipv6.conf.{ifname}.disable_ipv6=1"),
        ]);
        self.exec(&["ip", "addr", "add", addr, "dev", ifname]);
        self.exec_quiet(&[
            "ethtool", "-K", ifname, "rx", "off", "tx", "off", "tso", "off", "gso", "off", "gro",
            "off",
        ]);
        self.exec(&["ip", "link", "set", ifname, "up"]);
    }

    /// Runs `f` on a thread inside the namespace (sockets it opens live there).
    pub fn within<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        let path = format!("/var/run/netns/{}", self.name);
        std::thread::scope(|s| {
            s.spawn(|| {
                let ns = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
                // SAFETY: setns on this thread only, with a namespace descriptor we opened.
                let r = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
                assert_eq!(r, 0, "setns {path}: {}", std::io::Error::last_os_error());
                f()
            })
            .join()
            .expect("thread inside the namespace panicked")
        })
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        run_quiet(&["ip", "netns", "del", &self.name]);
    }
}

/// A short interface name unique to this process.
pub fn ifname(tag: &str) -> String {
    format!("ax{}{tag}", std::process::id() % 100_000)
}

/// The protocol stack's modules (`protocols/erl/*.erl`, not its tests or benches) and `extra`.
pub fn stack_files(extra: &[&str]) -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("../protocols/erl");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "erl"))
        .collect();
    files.sort();
    files.extend(extra.iter().map(|e| root.join("tests/erl").join(e)));
    files
}

/// An `exo run` child process, killed on drop; its stdout lines arrive on a channel.
pub struct Exo {
    child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl Exo {
    pub fn start(files: &[PathBuf], args: &[&str]) -> Exo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_exo"))
            .arg("run")
            .args(files)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("exo starts");
        let out = child.stdout.take().expect("piped stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Exo {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time (user + system) the process has used, from /proc (clock ticks -> seconds).
    pub fn cpu_secs(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<&str> = rest.split(' ').collect();
        let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
        // SAFETY: sysconf has no preconditions.
        ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
    }

    /// The first line starting with `prefix`, waiting at most `limit`.
    pub fn wait_line(&mut self, prefix: &str, limit: Duration) -> Option<String> {
        let end = Instant::now() + limit;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.starts_with(prefix) {
                        return Some(l);
                    }
                }
                Err(_) => return None,
            }
        }
        None
    }
}

impl Drop for Exo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
