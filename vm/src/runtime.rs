//! The runtime shared by all processes: loaded modules, the output sink, and the scheduler.
//!
//! Each Erlang process runs on its own OS thread (with a large stack, so deep non-tail
//! recursion works), but only the process holding the baton runs: the scheduler hands the
//! baton round-robin, every 2000 reductions or when a process waits in `receive`. Execution
//! is thus deterministic and single-threaded in effect, as on a one-scheduler BEAM.

use crate::atom::{self, Atom};
use crate::code::Module;
use crate::interp::Proc;
use crate::term::Term;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
enum State {
    Runnable,
    Waiting,
    Done,
}

pub struct Entry {
    inbox: VecDeque<Term>,
    state: State,
    deadline: Option<u64>,
    pub links: Vec<u64>,
    /// (monitor ref, watcher pid)
    pub monitored_by: Vec<(u64, u64)>,
    pub trap_exit: bool,
    /// An exit signal that kills this process at its next scheduling point.
    pub kill: Option<Term>,
    pub exit_reason: Option<Term>,
}

#[derive(Default)]
pub struct Sched {
    running: u64,
    pub procs: HashMap<u64, Entry>,
    runq: VecDeque<u64>,
    pub registered: HashMap<Atom, u64>,
    /// (deadline ms, timer ref) -> (destination, message)
    pub timers: BTreeMap<(u64, u64), (Term, Term)>,
    next_pid: u64,
    live: usize,
}

pub struct Runtime {
    modules: RwLock<HashMap<Atom, Arc<Module>>>,
    pub out: Mutex<Vec<u8>>,
    pub err: Mutex<Vec<u8>>,
    pub sched: Mutex<Sched>,
    cv: Condvar,
    start: Instant,
    next_ref: std::sync::atomic::AtomicU64,
    /// Bytes copied when sending messages (a shared binary costs none).
    pub copied_bytes: std::sync::atomic::AtomicU64,
}

/// What a new process runs once it is scheduled.
pub type ProcBody = Box<dyn FnOnce(&mut Proc) -> Result<Term, crate::interp::Ctl> + Send>;

/// Stack reserved for each process thread; pages are only touched as recursion deepens.
pub const PROC_STACK: usize = 4 << 30;

impl Runtime {
    pub fn new() -> Arc<Runtime> {
        Arc::new(Runtime {
            modules: RwLock::new(HashMap::new()),
            out: Mutex::new(Vec::new()),
            err: Mutex::new(Vec::new()),
            sched: Mutex::new(Sched {
                next_pid: 1,
                ..Default::default()
            }),
            cv: Condvar::new(),
            start: Instant::now(),
            next_ref: std::sync::atomic::AtomicU64::new(1),
            copied_bytes: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub fn add_module(&self, m: Module) {
        self.modules
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(m.name, Arc::new(m));
    }

    pub fn add_module_arc(&self, m: Arc<Module>) {
        self.modules
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(m.name, m);
    }

    pub fn module(&self, name: Atom) -> Option<Arc<Module>> {
        self.modules
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&name)
            .cloned()
    }

    pub fn module_names(&self) -> Vec<Atom> {
        self.modules
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .copied()
            .collect()
    }

    pub fn write_out(&self, b: &[u8]) {
        self.out
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(b);
    }

    pub fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    pub fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    pub fn make_ref(&self) -> u64 {
        self.next_ref
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, Sched> {
        self.sched.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn whereis(&self, a: Atom) -> Option<u64> {
        self.lock().registered.get(&a).copied()
    }

    pub fn is_alive(&self, pid: u64) -> bool {
        self.lock()
            .procs
            .get(&pid)
            .map(|e| e.state != State::Done)
            .unwrap_or(false)
    }

    /// Creates a process entry (runnable) and returns its pid.
    pub fn new_pid(&self) -> u64 {
        let mut s = self.lock();
        let pid = s.next_pid;
        s.next_pid += 1;
        s.procs.insert(
            pid,
            Entry {
                inbox: VecDeque::new(),
                state: State::Runnable,
                deadline: None,
                links: Vec::new(),
                monitored_by: Vec::new(),
                trap_exit: false,
                kill: None,
                exit_reason: None,
            },
        );
        s.live += 1;
        pid
    }

    pub fn with_sched<R>(&self, f: impl FnOnce(&mut Sched) -> R) -> R {
        let mut s = self.lock();
        f(&mut s)
    }

    pub fn deliver(&self, pid: u64, msg: Term) {
        let mut s = self.lock();
        deliver_locked(&mut s, pid, msg);
    }

    /// Starts process `pid` on its own thread; it runs `body` once it holds the baton.
    pub fn start_process(self: &Arc<Self>, pid: u64, body: ProcBody) {
        {
            let mut s = self.lock();
            s.runq.push_back(pid);
        }
        let rt = self.clone();
        let spawned = std::thread::Builder::new()
            .stack_size(PROC_STACK)
            .spawn(move || {
                let mut p = Proc::new(rt.clone(), pid);
                let base = 0u8;
                p.stack_base = &base as *const u8 as usize;
                p.stack_limit = PROC_STACK - (64 << 20);
                rt.wait_turn(pid);
                let r = body(&mut p);
                let reason = match r {
                    Ok(_) => Term::Atom(atom::NORMAL),
                    Err(crate::interp::Ctl::Exc(e)) => rt.report_crash(&mut p, *e),
                    Err(crate::interp::Ctl::Tail(_)) => Term::Atom(atom::NORMAL),
                };
                rt.exit_process(pid, reason);
            });
        if spawned.is_err() {
            self.exit_process(pid, Term::Atom(atom::SYSTEM_LIMIT));
        }
    }

    /// Turns an uncaught exception into an exit reason, printing OTP's crash report for errors.
    fn report_crash(&self, p: &mut Proc, e: crate::interp::Exc) -> Term {
        match e.class {
            atom::EXIT => e.reason,
            atom::THROW => {
                let st = p.stack_term(&e);
                Term::tuple(vec![Term::tuple(vec![Term::atom("nocatch"), e.reason]), st])
            }
            _ => {
                let st = p.stack_term(&e);
                let reason = Term::tuple(vec![e.reason.clone(), st]);
                if p.pid != 1 {
                    let text = format!(
                        "=ERROR REPORT==== Error in process <0.{}.0> with exit value:\n{}\n\n",
                        p.pid + 80,
                        crate::fmt::print_term(&reason)
                    );
                    self.err
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend_from_slice(text.as_bytes());
                }
                reason
            }
        }
    }

    fn exit_process(&self, pid: u64, reason: Term) {
        let mut s = self.lock();
        let (links, mons) = match s.procs.get_mut(&pid) {
            Some(e) => {
                e.state = State::Done;
                e.exit_reason = Some(reason.clone());
                e.inbox.clear();
                (
                    std::mem::take(&mut e.links),
                    std::mem::take(&mut e.monitored_by),
                )
            }
            None => (Vec::new(), Vec::new()),
        };
        s.registered.retain(|_, p| *p != pid);
        for l in links {
            exit_signal_locked(&mut s, pid, l, reason.clone(), true);
        }
        for (r, watcher) in mons {
            let msg = Term::tuple(vec![
                Term::atom("DOWN"),
                Term::Ref(r),
                Term::atom("process"),
                Term::Pid(pid),
                reason.clone(),
            ]);
            deliver_locked(&mut s, watcher, msg);
        }
        s.live -= 1;
        self.switch_locked(&mut s, pid);
        drop(s);
        self.cv.notify_all();
    }

    /// Picks the next runnable process and hands it the baton. Called with the lock held.
    fn switch_locked(&self, s: &mut Sched, me: u64) {
        loop {
            if let Some(next) = s.runq.pop_front() {
                s.running = next;
                self.cv.notify_all();
                return;
            }
            // Nobody runnable: fire due timers or wake processes whose receive timed out.
            let now = self.now_ms();
            let next_timer = s.timers.keys().next().map(|k| k.0);
            let next_deadline = s
                .procs
                .values()
                .filter(|e| e.state == State::Waiting)
                .filter_map(|e| e.deadline)
                .min();
            let wake = match (next_timer, next_deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let Some(w) = wake else {
                // Deadlock or everyone done: nothing can run again.
                s.running = 0;
                self.cv.notify_all();
                return;
            };
            if w > now {
                std::thread::sleep(Duration::from_millis(w - now));
            }
            let now = self.now_ms();
            let due: Vec<(u64, u64)> = s.timers.keys().filter(|k| k.0 <= now).copied().collect();
            for k in due {
                if let Some((to, msg)) = s.timers.remove(&k) {
                    let pid = match to {
                        Term::Pid(p) => Some(p),
                        Term::Atom(a) => s.registered.get(&a).copied(),
                        _ => None,
                    };
                    if let Some(p) = pid {
                        deliver_locked(s, p, msg);
                    }
                }
            }
            let timed_out: Vec<u64> = s
                .procs
                .iter()
                .filter(|(_, e)| {
                    e.state == State::Waiting && e.deadline.map(|d| d <= now).unwrap_or(false)
                })
                .map(|(p, _)| *p)
                .collect();
            for p in timed_out {
                if let Some(e) = s.procs.get_mut(&p) {
                    e.state = State::Runnable;
                    e.deadline = None;
                }
                s.runq.push_back(p);
            }
            let _ = me;
        }
    }

    fn wait_turn(&self, pid: u64) {
        let mut s = self.lock();
        if s.running == 0 && s.runq.front() == Some(&pid) {
            s.runq.pop_front();
            s.running = pid;
        }
        while s.running != pid {
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Gives other processes a turn (reduction budget used up).
    pub fn maybe_yield(self: Arc<Self>, p: &mut Proc) {
        let mut s = self.lock();
        if s.runq.is_empty() && s.timers.is_empty() {
            return;
        }
        s.runq.push_back(p.pid);
        self.switch_locked(&mut s, p.pid);
        while s.running != p.pid {
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Moves messages that arrived in the shared inbox into the process's own mailbox.
    pub fn drain_inbox(self: Arc<Self>, p: &mut Proc) {
        let mut s = self.lock();
        if let Some(e) = s.procs.get_mut(&p.pid) {
            p.mailbox.extend(e.inbox.drain(..));
        }
    }

    /// Blocks until a message arrives or `deadline` passes. Returns false if nothing can
    /// ever wake this process (every process waits and no timer is pending).
    pub fn wait_for_message(self: Arc<Self>, p: &mut Proc, deadline: Option<u64>) -> bool {
        let mut s = self.lock();
        let me = p.pid;
        match s.procs.get_mut(&me) {
            Some(e) if !e.inbox.is_empty() => return true,
            Some(e) => {
                e.state = State::Waiting;
                e.deadline = deadline;
            }
            None => return false,
        }
        self.switch_locked(&mut s, me);
        while s.running != me {
            if s.running == 0 {
                // Nothing will ever run again.
                if let Some(e) = s.procs.get_mut(&me) {
                    e.state = State::Runnable;
                }
                s.running = me;
                return false;
            }
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        true
    }

    /// Waits until every process has finished (or all are blocked forever).
    pub fn wait_all(&self) {
        let mut s = self.lock();
        loop {
            if s.live == 0 || (s.running == 0 && s.runq.is_empty()) {
                return;
            }
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    pub fn send_exit(&self, from: u64, to: u64, reason: Term) {
        let mut s = self.lock();
        exit_signal_locked(&mut s, from, to, reason, false);
    }

    /// A pending kill for this process (an exit signal it does not trap), if any.
    pub fn take_kill(&self, pid: u64) -> Option<Term> {
        let mut s = self.lock();
        s.procs.get_mut(&pid).and_then(|e| e.kill.take())
    }
}

fn deliver_locked(s: &mut Sched, pid: u64, msg: Term) {
    let mut wake = false;
    if let Some(e) = s.procs.get_mut(&pid) {
        if e.state == State::Done {
            return;
        }
        e.inbox.push_back(msg);
        if e.state == State::Waiting {
            e.state = State::Runnable;
            e.deadline = None;
            wake = true;
        }
    }
    if wake {
        s.runq.push_back(pid);
    }
}

fn exit_signal_locked(s: &mut Sched, from: u64, to: u64, reason: Term, via_link: bool) {
    let Some(e) = s.procs.get_mut(&to) else {
        return;
    };
    if e.state == State::Done {
        return;
    }
    if via_link {
        e.links.retain(|l| *l != from);
    }
    let is_normal = reason.is_atom(atom::NORMAL);
    let is_kill = reason.is_atom(Atom::intern("kill")) && !via_link;
    if e.trap_exit && !is_kill {
        let msg = Term::tuple(vec![Term::Atom(atom::EXIT_TAG), Term::Pid(from), reason]);
        deliver_locked(s, to, msg);
        return;
    }
    if is_normal && from != to {
        return;
    }
    let r = if is_kill {
        Term::atom("killed")
    } else {
        reason
    };
    e.kill = Some(r);
    if e.state == State::Waiting {
        e.state = State::Runnable;
        e.deadline = None;
        s.runq.push_back(to);
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Arc::try_unwrap(Runtime::new()).unwrap_or_else(|_| unreachable!("fresh Arc"))
    }
}
