//! The embedding API: a `Vm` an application (the `exo` runtime, the PDU annex) builds, loads
//! Erlang source into, extends with native functions and a driver, and runs on its own OS
//! thread. Natives and the driver need not be `Send`: every Erlang process is a green thread
//! on the thread that calls `Vm::run`.
//!
//! - Natives (`register_native`) are Rust closures called as `Module:Function(Args...)`; they
//!   override an Erlang module's function of the same name and arity (remote calls).
//! - The driver (`set_driver`) is polled by the scheduler: with a zero timeout every so many
//!   scheduling slices while processes run, and with the time to the next Erlang timer when
//!   no process can run (None: no timer), so an idle VM sleeps inside the driver (epoll on a
//!   NIC...). It delivers messages through `DriverCtx::send`.
//! - Binaries over foreign memory (`Term::foreign_binary`) keep the embedder's buffer alive
//!   and are matched and sliced without copying; `bytes_copied` counts the bytes the VM did
//!   copy.

use crate::atom::{self, Atom};
use crate::interp::{Ctl, Exc, Proc};
use crate::runtime::{Runtime, Sink};
use crate::term::Term;
use crate::RunOutput;
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

/// A native function: gets the calling process's context and the arguments.
pub type NativeFn = Box<dyn FnMut(&mut NativeCtx, &[Term]) -> Result<Term, Exception>>;

/// An Erlang exception raised by a native: class `error`, `exit` or `throw` and a reason.
#[derive(Debug, Clone)]
pub struct Exception {
    pub class: Atom,
    pub reason: Term,
}

impl Exception {
    /// `error:badarg`.
    pub fn badarg() -> Exception {
        Exception::error(Term::Atom(atom::BADARG))
    }
    /// `error:Reason`.
    pub fn error(reason: Term) -> Exception {
        Exception {
            class: atom::ERROR,
            reason,
        }
    }
    /// `exit:Reason`.
    pub fn exit(reason: Term) -> Exception {
        Exception {
            class: atom::EXIT,
            reason,
        }
    }
    /// `throw:Reason`.
    pub fn throw(reason: Term) -> Exception {
        Exception {
            class: atom::THROW,
            reason,
        }
    }
}

/// What a native sees of the process calling it.
pub struct NativeCtx<'a> {
    p: &'a mut Proc,
}

impl NativeCtx<'_> {
    /// The calling process's pid (as in `Term::Pid`).
    pub fn pid(&self) -> u64 {
        self.p.pid
    }
    /// Sends `msg` to process `pid` (to the caller itself too); a dead pid drops it, as `!`.
    pub fn send(&mut self, pid: u64, msg: Term) {
        if pid == self.p.pid {
            self.p.mailbox.push_back(msg);
        } else {
            self.p.rt.deliver(pid, msg);
        }
    }
    /// Monotonic time since the VM started.
    pub fn now(&self) -> Duration {
        self.p.rt.elapsed()
    }
    /// A fresh reference, as `make_ref()`.
    pub fn make_ref(&mut self) -> Term {
        Term::Ref(self.p.rt.make_ref())
    }
    /// Whether process `pid` is alive.
    pub fn is_alive(&self, pid: u64) -> bool {
        pid == self.p.pid || self.p.rt.is_alive(pid)
    }
}

/// What the driver sees of the VM while it is polled.
pub struct DriverCtx<'a> {
    pub(crate) rt: &'a Runtime,
}

impl DriverCtx<'_> {
    /// Delivers `msg` to process `pid`, waking it if it waits in `receive`. Returns false if
    /// the process no longer exists (the message is dropped).
    pub fn send(&mut self, pid: u64, msg: Term) -> bool {
        if !self.rt.is_alive(pid) {
            return false;
        }
        self.rt.deliver(pid, msg);
        true
    }
    /// Monotonic time since the VM started.
    pub fn now(&self) -> Duration {
        self.rt.elapsed()
    }
    /// Whether process `pid` is alive.
    pub fn is_alive(&self, pid: u64) -> bool {
        self.rt.is_alive(pid)
    }
}

/// The embedder's source of events (a NIC, a shim environment, a socket...).
pub trait Driver {
    /// Delivers whatever is ready through `ctx`, waiting at most `timeout` (`None`: as long
    /// as it takes) for something to arrive. Called with `Some(Duration::ZERO)` while
    /// processes run, and with the time to the next Erlang timer when none can run; it should
    /// return early once it delivered something.
    fn poll(&mut self, ctx: &mut DriverCtx, timeout: Option<Duration>);
    /// Process `pid` has exited: release what it owned (filters, sockets...).
    fn process_exited(&mut self, _pid: u64) {}
    /// Whether the driver can still produce messages. While it can, processes waiting with
    /// no timer are not a deadlock: the VM sleeps in `poll(None)` instead.
    fn active(&self) -> bool;
}

/// Calls a registered native for `md:f/args.len()`, if there is one.
pub(crate) fn call_native(
    p: &mut Proc,
    md: Atom,
    f: Atom,
    args: &[Term],
) -> Option<Result<Term, Ctl>> {
    let native = p.rt.natives.borrow().get(&(md, f, args.len())).cloned()?;
    let mut ctx = NativeCtx { p };
    // A native cannot call back into Erlang, so this borrow is never re-entered.
    let r = match native.try_borrow_mut() {
        Ok(mut nf) => (*nf)(&mut ctx, args),
        Err(_) => Err(Exception::error(Term::atom("native_reentered"))),
    };
    Some(r.map_err(|e| {
        Ctl::Exc(Box::new(Exc {
            class: e.class,
            reason: e.reason,
            frames: Vec::new(),
            args: Some((md, f, args.to_vec())),
        }))
    }))
}

/// A VM instance: load modules, add natives and a driver, then run a function.
///
/// ```
/// use vm::embed::{Vm, Exception};
/// use vm::term::Term;
/// let mut vm = Vm::new();
/// vm.register_native("host", "double", 1, Box::new(|_ctx, args| match &args[0] {
///     Term::Int(n) => Ok(Term::Int(n * 2)),
///     _ => Err(Exception::badarg()),
/// }));
/// vm.load_source("m.erl", "-module(m).\n-export([main/0]).\nmain() -> host:double(21).\n").unwrap();
/// let out = vm.run("m", "main", true);
/// assert_eq!(String::from_utf8(out.stdout).unwrap(), "42\n");
/// ```
pub struct Vm {
    rt: Rc<Runtime>,
    /// Errors of the bundled library's compilation (reported with the first run).
    lib_errors: Vec<u8>,
}

impl Default for Vm {
    fn default() -> Self {
        Vm::new()
    }
}

impl Vm {
    /// A VM with the bundled library (`lists`, `io`, `io_lib`, `maps`...) loaded.
    pub fn new() -> Vm {
        let rt = Runtime::new();
        let std = crate::stdlib_modules();
        for m in &std.0 {
            rt.add_module_arc(m.clone());
        }
        Vm {
            rt,
            lib_errors: std.1.as_bytes().to_vec(),
        }
    }

    /// The runtime underneath (for BIF-level access: spawning, the scheduler's tables).
    pub fn runtime(&self) -> &Rc<Runtime> {
        &self.rt
    }

    /// Compiles and loads one module from a file. Errors are rendered as
    /// `file:line:col: message` with the source line and a caret.
    pub fn load_file(&mut self, path: &Path) -> Result<(), String> {
        let src = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {}\n", path.display(), e))?;
        let m = crate::compile_source(path, &src)?;
        self.rt.add_module(m);
        Ok(())
    }

    /// Compiles and loads one module from source text; `path` names it in errors.
    pub fn load_source(&mut self, path: impl AsRef<Path>, src: &str) -> Result<(), String> {
        let m = crate::compile_source(path.as_ref(), src)?;
        self.rt.add_module(m);
        Ok(())
    }

    /// Makes `module:function/arity` call `f`. A native wins over an Erlang function of the
    /// same name (for remote calls) and over the built-in functions.
    pub fn register_native(&mut self, module: &str, function: &str, arity: usize, f: NativeFn) {
        self.rt.natives.borrow_mut().insert(
            (Atom::intern(module), Atom::intern(function), arity),
            Rc::new(RefCell::new(f)),
        );
        // Call sites' caches remember that a name had no native: forget that.
        crate::code::modules_changed();
        self.rt.has_natives.set(true);
    }

    /// Installs the driver the scheduler polls (replacing any earlier one).
    pub fn set_driver(&mut self, d: Box<dyn Driver>) {
        self.rt.set_driver(Some(d));
    }

    /// Streams the program's output as it prints (`io:format`...) to `out`, and crash
    /// reports and the final exception report to `err`, instead of collecting them in the
    /// `RunOutput`.
    pub fn stream_output(&mut self, out: Box<dyn Write>, err: Box<dyn Write>) {
        self.rt.set_sink(Some(Sink { out, err }));
    }

    /// Binary bytes copied on this thread so far (see `term::bytes_copied`).
    pub fn bytes_copied(&self) -> u64 {
        crate::term::bytes_copied()
    }

    /// Calls `module:function()` in a fresh process and runs the scheduler until that process
    /// has finished and nothing else can run. With `print_result`, prints the value as
    /// `io:format("~p~n", [V])` would. Exit code 0 on return, 1 on an uncaught exception
    /// (reported as OTP's shell does) or a deadlock. May be called more than once; loaded
    /// modules, natives and the driver stay.
    pub fn run(&mut self, module: &str, function: &str, print_result: bool) -> RunOutput {
        let mut pre = std::mem::take(&mut self.lib_errors);
        let (m, f) = (Atom::intern(module), Atom::intern(function));
        let result: Rc<RefCell<Option<Result<(), String>>>> = Rc::new(RefCell::new(None));
        let slot = result.clone();
        let pid = self.rt.new_pid();
        if pid != 1 {
            // The scheduler treats pid 1 as the main process; a second run starts afresh.
            let fresh = Runtime::new();
            let natives = std::mem::take(&mut *self.rt.natives.borrow_mut());
            *fresh.natives.borrow_mut() = natives;
            fresh.has_natives.set(self.rt.has_natives.get());
            for name in self.rt.module_names() {
                if let Some(md) = self.rt.module(name) {
                    fresh.add_module_arc(md);
                }
            }
            fresh.set_driver(self.rt.take_driver());
            fresh.set_sink(self.rt.take_sink());
            let old = std::mem::replace(&mut self.rt, fresh.clone());
            old.abandon_all();
            drop(fresh);
            return self.run(module, function, print_result);
        }
        self.rt.start_process(
            pid,
            Box::new(move |p: &mut Proc| {
                let r = p.call_mfa_sync(m, f, vec![]);
                let outcome = match &r {
                    Ok(v) => {
                        if print_result {
                            let b = crate::format_result(p, v);
                            p.rt.write_out(&b);
                        }
                        Ok(())
                    }
                    Err(Ctl::Exc(e)) => Err(crate::format_exception(p, e)),
                    Err(_) => Ok(()),
                };
                *slot.borrow_mut() = Some(outcome);
                r
            }),
        );
        self.rt.run_scheduler();
        let (stdout, err) = self.rt.take_output();
        pre.extend_from_slice(&err);
        let mut stderr = pre;
        let outcome = result.borrow_mut().take();
        let report = |stderr: &mut Vec<u8>, msg: &[u8]| {
            if self.rt.has_sink() {
                self.rt.write_err(msg);
            } else {
                stderr.extend_from_slice(msg);
            }
        };
        let exit_code = match outcome {
            Some(Ok(())) => 0,
            Some(Err(msg)) => {
                report(&mut stderr, msg.as_bytes());
                1
            }
            None => {
                report(
                    &mut stderr,
                    b"** the main process never finished (deadlock)\n",
                );
                1
            }
        };
        RunOutput {
            stdout,
            stderr,
            exit_code,
        }
    }

    /// Loads `files` and runs `module:function()` (what `run_files` does).
    pub fn run_files(
        mut self,
        files: &[PathBuf],
        module: &str,
        function: &str,
        print: bool,
    ) -> RunOutput {
        for f in files {
            if let Err(e) = self.load_file(f) {
                let mut stderr = std::mem::take(&mut self.lib_errors);
                stderr.extend_from_slice(e.as_bytes());
                return RunOutput {
                    stdout: Vec::new(),
                    stderr,
                    exit_code: 1,
                };
            }
        }
        self.run(module, function, print)
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        // Processes hold the runtime; unwinding them breaks the cycle.
        self.rt.abandon_all();
        self.rt.set_driver(None);
    }
}
