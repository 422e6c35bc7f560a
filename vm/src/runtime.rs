//! The runtime shared by all processes of one VM: loaded modules, embedder natives and
//! driver, the output sink, and the scheduler.
//!
//! Every Erlang process is a green thread: a stackful coroutine (`corosensei`) on its own
//! lazily committed stack (`stack.rs`), all on the caller's one OS thread. The scheduler
//! (`run_scheduler`) resumes processes from a run queue; a process gives the thread back when
//! it waits in `receive` or has used its reduction budget. When nothing is runnable the
//! scheduler fires due timers, then sleeps: inside the embedder's driver when there is one
//! (so the VM waits on the NIC and the next timer at once), otherwise until the next timer.
//! Being single-threaded, the shared state sits in `RefCell`s: no locks, no atomics.

use crate::atom::{self, Atom};
use crate::code::Module;
use crate::embed::{Driver, DriverCtx, NativeFn};
use crate::interp::Proc;
use crate::stack::{ProcStack, PROC_STACK};
use crate::term::Term;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum State {
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

/// Process entries indexed by pid (pids are handed out densely from 1).
#[derive(Default)]
pub struct ProcTable {
    slots: Vec<Option<Entry>>,
}

impl ProcTable {
    pub fn get(&self, pid: &u64) -> Option<&Entry> {
        self.slots.get(*pid as usize).and_then(|e| e.as_ref())
    }
    pub fn get_mut(&mut self, pid: &u64) -> Option<&mut Entry> {
        self.slots.get_mut(*pid as usize).and_then(|e| e.as_mut())
    }
    fn insert(&mut self, pid: u64, e: Entry) {
        let i = pid as usize;
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i] = Some(e);
    }
    pub fn values(&self) -> impl Iterator<Item = &Entry> {
        self.slots.iter().flatten()
    }
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.slots.iter_mut().flatten()
    }
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Entry)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|e| (i as u64, e)))
    }
}

#[derive(Default)]
pub struct Sched {
    running: u64,
    pub procs: ProcTable,
    runq: VecDeque<u64>,
    /// Registered names. Keyed by atom index with FxHash: `whereis/1` is a hot BIF (Estone's
    /// `bif_dispatch` calls it seven times a round) and SipHash cost ~40 instructions a probe.
    pub registered: rustc_hash::FxHashMap<Atom, u64>,
    /// (deadline ms, timer ref) -> (destination, message)
    pub timers: BTreeMap<(u64, u64), (Term, Term)>,
    /// (deadline ms, pid) of processes waiting in `receive ... after`: kept in step with
    /// `Entry::deadline`, so finding the next wake-up never scans the process table.
    deadlines: std::collections::BTreeSet<(u64, u64)>,
    /// Monitors set up by registered name: their DOWN message names `{Name, Node}`.
    pub monitor_names: HashMap<u64, Atom>,
    next_pid: u64,
    live: usize,
}

impl Sched {
    /// Links `me` and `other` both ways (a link is a set: linking twice is one link), in one
    /// pass over the table. False, linking nothing, when `other` is not alive.
    pub fn link(&mut self, me: u64, other: u64) -> bool {
        match self.procs.get_mut(&other) {
            Some(e) if e.state != State::Done => {
                if !e.links.contains(&me) {
                    e.links.push(me);
                }
            }
            _ => return false,
        }
        if let Some(e) = self.procs.get_mut(&me) {
            if !e.links.contains(&other) {
                e.links.push(other);
            }
        }
        true
    }

    /// Removes the link between `me` and `other`, if any, on both sides.
    pub fn unlink(&mut self, me: u64, other: u64) {
        for (a, b) in [(other, me), (me, other)] {
            if let Some(e) = self.procs.get_mut(&a) {
                if let Some(i) = e.links.iter().position(|l| *l == b) {
                    // `remove`, not `swap_remove`: exit signals go out in link order.
                    e.links.remove(i);
                }
            }
        }
    }
}

/// A process's coroutine: resumed with `true` normally, `false` when the scheduler found a
/// deadlock (the process waits and nothing can ever wake it).
type Coro = Coroutine<bool, (), (), ProcStack>;

/// What a new process runs once it is scheduled.
pub type ProcBody = Box<dyn FnOnce(&mut Proc) -> Result<Term, crate::interp::Ctl>>;

/// Streaming output: where `io` writes go as the program prints (instead of a buffer).
pub struct Sink {
    pub out: Box<dyn Write>,
    pub err: Box<dyn Write>,
}

/// A registered native, shared so a call can run it without holding the table borrowed.
pub(crate) type SharedNative = Rc<RefCell<NativeFn>>;

pub struct Runtime {
    modules: RefCell<HashMap<Atom, Rc<Module>>>,
    out: RefCell<Vec<u8>>,
    err: RefCell<Vec<u8>>,
    sink: RefCell<Option<Sink>>,
    pub sched: RefCell<Sched>,
    coros: RefCell<Vec<Option<Coro>>>,
    /// Stacks of finished processes, reused by the next spawns (mapping a 4 GiB reservation
    /// and faulting its first pages in costs more than the rest of a spawn).
    stack_pool: RefCell<Vec<ProcStack>>,
    start: Instant,
    next_ref: Cell<u64>,
    pub(crate) natives: RefCell<HashMap<(Atom, Atom, usize), SharedNative>>,
    /// Mirrors `natives.is_empty()` so the call path skips the lookup when there are none.
    pub(crate) has_natives: Cell<bool>,
    driver: RefCell<Option<Box<dyn Driver>>>,
    has_driver: Cell<bool>,
}

/// Finished processes' stacks kept for reuse, and the bytes of each kept committed.
const STACK_POOL: usize = 64;
const STACK_KEEP: usize = 256 << 10;

/// Scheduler slices between two zero-timeout driver polls / timer checks while processes run.
const POLL_EVERY: u32 = 64;

impl Runtime {
    pub fn new() -> Rc<Runtime> {
        crate::code::modules_changed();
        Rc::new(Runtime {
            modules: RefCell::new(HashMap::new()),
            out: RefCell::new(Vec::new()),
            err: RefCell::new(Vec::new()),
            sink: RefCell::new(None),
            sched: RefCell::new(Sched {
                next_pid: 1,
                ..Default::default()
            }),
            coros: RefCell::new(Vec::new()),
            stack_pool: RefCell::new(Vec::new()),
            start: Instant::now(),
            next_ref: Cell::new(1),
            natives: RefCell::new(HashMap::new()),
            has_natives: Cell::new(false),
            driver: RefCell::new(None),
            has_driver: Cell::new(false),
        })
    }

    pub fn add_module(&self, m: Module) {
        crate::code::modules_changed();
        self.modules.borrow_mut().insert(m.name, Rc::new(m));
    }

    pub fn add_module_arc(&self, m: Rc<Module>) {
        crate::code::modules_changed();
        self.modules.borrow_mut().insert(m.name, m);
    }

    pub fn module(&self, name: Atom) -> Option<Rc<Module>> {
        self.modules.borrow().get(&name).cloned()
    }

    pub fn module_names(&self) -> Vec<Atom> {
        self.modules.borrow().keys().copied().collect()
    }

    pub fn set_sink(&self, sink: Option<Sink>) {
        *self.sink.borrow_mut() = sink;
    }

    pub fn write_out(&self, b: &[u8]) {
        if let Some(s) = self.sink.borrow_mut().as_mut() {
            // A closed stdout must not kill the VM; the program goes on as OTP's would.
            let _ = s.out.write_all(b);
            let _ = s.out.flush();
            return;
        }
        self.out.borrow_mut().extend_from_slice(b);
    }

    pub fn write_err(&self, b: &[u8]) {
        if let Some(s) = self.sink.borrow_mut().as_mut() {
            let _ = s.err.write_all(b);
            let _ = s.err.flush();
            return;
        }
        self.err.borrow_mut().extend_from_slice(b);
    }

    /// Takes what was printed so far (empty when output streams to a sink).
    pub fn take_output(&self) -> (Vec<u8>, Vec<u8>) {
        (
            std::mem::take(&mut *self.out.borrow_mut()),
            std::mem::take(&mut *self.err.borrow_mut()),
        )
    }

    pub fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    pub fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    pub fn make_ref(&self) -> u64 {
        let r = self.next_ref.get();
        self.next_ref.set(r + 1);
        r
    }

    pub fn set_driver(&self, d: Option<Box<dyn Driver>>) {
        self.has_driver.set(d.is_some());
        *self.driver.borrow_mut() = d;
    }

    pub fn take_driver(&self) -> Option<Box<dyn Driver>> {
        self.has_driver.set(false);
        self.driver.borrow_mut().take()
    }

    pub fn take_sink(&self) -> Option<Sink> {
        self.sink.borrow_mut().take()
    }

    pub fn has_sink(&self) -> bool {
        self.sink.borrow().is_some()
    }

    pub fn whereis(&self, a: Atom) -> Option<u64> {
        self.sched.borrow().registered.get(&a).copied()
    }

    pub fn is_alive(&self, pid: u64) -> bool {
        self.sched
            .borrow()
            .procs
            .get(&pid)
            .map(|e| e.state != State::Done)
            .unwrap_or(false)
    }

    /// Creates a process entry (runnable) and returns its pid.
    pub fn new_pid(&self) -> u64 {
        let mut s = self.sched.borrow_mut();
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
        f(&mut self.sched.borrow_mut())
    }

    pub fn deliver(&self, pid: u64, msg: Term) {
        deliver_locked(&mut self.sched.borrow_mut(), pid, msg);
    }

    /// Creates process `pid` as a coroutine on its own stack; it runs `body` once the
    /// scheduler picks it from the run queue.
    pub fn start_process(self: &Rc<Self>, pid: u64, body: ProcBody) {
        let pooled = self.stack_pool.borrow_mut().pop();
        let stack = match pooled.map(Ok).unwrap_or_else(|| ProcStack::new(PROC_STACK)) {
            Ok(s) => s,
            Err(_) => {
                self.exit_process(pid, Term::Atom(atom::SYSTEM_LIMIT));
                return;
            }
        };
        let usable = stack.usable();
        let rt = self.clone();
        let co: Coro = Coroutine::with_stack(stack, move |y: &Yielder<bool, ()>, _go: bool| {
            let mut p = Proc::new(rt.clone(), pid);
            let base = 0u8;
            p.stack_base = &base as *const u8 as usize;
            p.stack_limit = usable;
            p.yielder = y as *const Yielder<bool, ()>;
            let r = body(&mut p);
            let reason = match r {
                Ok(_) => Term::Atom(atom::NORMAL),
                Err(crate::interp::Ctl::Exc(e)) => rt.report_crash(&mut p, *e),
                Err(_) => Term::Atom(atom::NORMAL),
            };
            rt.exit_process(pid, reason);
        });
        {
            let mut c = self.coros.borrow_mut();
            let i = pid as usize;
            if c.len() <= i {
                c.resize_with(i + 1, || None);
            }
            c[i] = Some(co);
        }
        self.sched.borrow_mut().runq.push_back(pid);
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
                    self.write_err(text.as_bytes());
                }
                reason
            }
        }
    }

    fn exit_process(&self, pid: u64, reason: Term) {
        {
            let mut s = self.sched.borrow_mut();
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
                let object = match s.monitor_names.remove(&r) {
                    Some(n) => Term::tuple(vec![Term::Atom(n), Term::Atom(crate::bifs::nonode())]),
                    None => Term::Pid(pid),
                };
                let msg = Term::tuple(vec![
                    Term::atom("DOWN"),
                    Term::Ref(r),
                    Term::atom("process"),
                    object,
                    reason.clone(),
                ]);
                deliver_locked(&mut s, watcher, msg);
            }
            s.live -= 1;
        }
        if self.has_driver.get() {
            // The driver may be polling right now (a process cannot exit then), so this
            // borrow does not conflict.
            if let Ok(mut d) = self.driver.try_borrow_mut() {
                if let Some(d) = d.as_mut() {
                    d.process_exited(pid);
                }
            }
        }
    }

    fn resume(&self, pid: u64, go: bool) {
        let co = self
            .coros
            .borrow_mut()
            .get_mut(pid as usize)
            .and_then(|c| c.take());
        let Some(mut co) = co else { return };
        self.sched.borrow_mut().running = pid;
        match co.resume(go) {
            CoroutineResult::Yield(()) => {
                self.coros.borrow_mut()[pid as usize] = Some(co);
            }
            CoroutineResult::Return(()) => {
                let mut pool = self.stack_pool.borrow_mut();
                if pool.len() < STACK_POOL {
                    let mut st = co.into_stack();
                    st.recycle(STACK_KEEP);
                    pool.push(st);
                }
            }
        }
        self.sched.borrow_mut().running = 0;
    }

    /// The pid of the process running now (0 in the scheduler itself).
    pub fn running(&self) -> u64 {
        self.sched.borrow().running
    }

    /// Delivers due timer messages and wakes processes whose `receive ... after` expired.
    fn fire_due(&self) {
        let now = self.now_ms();
        let mut s = self.sched.borrow_mut();
        while let Some((&k, _)) = s.timers.iter().next() {
            if k.0 > now {
                break;
            }
            if let Some((to, msg)) = s.timers.remove(&k) {
                let pid = match to {
                    Term::Pid(p) => Some(p),
                    Term::Atom(a) => s.registered.get(&a).copied(),
                    _ => None,
                };
                if let Some(p) = pid {
                    deliver_locked(&mut s, p, msg);
                }
            }
        }
        while let Some(&(d, p)) = s.deadlines.iter().next() {
            if d > now {
                break;
            }
            s.deadlines.remove(&(d, p));
            if let Some(e) = s.procs.get_mut(&p) {
                if e.state == State::Waiting && e.deadline == Some(d) {
                    e.state = State::Runnable;
                    e.deadline = None;
                    s.runq.push_back(p);
                }
            }
        }
    }

    /// The earliest timer or receive deadline (ms since start), if any.
    fn next_wake(&self) -> Option<u64> {
        let s = self.sched.borrow();
        let next_timer = s.timers.keys().next().map(|k| k.0);
        let next_deadline = s.deadlines.iter().next().map(|k| k.0);
        match (next_timer, next_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Calls the driver's poll (if any). Returns whether a driver was polled.
    fn poll_driver(&self, timeout: Option<Duration>) -> bool {
        if !self.has_driver.get() {
            return false;
        }
        let Some(mut d) = self.driver.borrow_mut().take() else {
            return false;
        };
        let mut ctx = DriverCtx { rt: self };
        d.poll(&mut ctx, timeout);
        let mut slot = self.driver.borrow_mut();
        if slot.is_none() {
            *slot = Some(d);
        }
        true
    }

    fn driver_active(&self) -> bool {
        self.has_driver.get()
            && self
                .driver
                .borrow()
                .as_ref()
                .map(|d| d.active())
                .unwrap_or(false)
    }

    /// Runs processes until the main process (pid 1) has finished and nothing else is
    /// runnable, or until everything waits forever (the main process then gets `deadlock`).
    /// Processes left waiting at the end are abandoned (their stacks unwound and freed), as
    /// `erl -eval '..., halt()'` would abandon them.
    pub fn run_scheduler(&self) {
        let mut slices: u32 = 0;
        loop {
            let next = self.sched.borrow_mut().runq.pop_front();
            if let Some(pid) = next {
                self.resume(pid, true);
                slices = slices.wrapping_add(1);
                if slices.is_multiple_of(POLL_EVERY) {
                    self.fire_due();
                    self.poll_driver(Some(Duration::ZERO));
                }
                continue;
            }
            let main_done = self
                .sched
                .borrow()
                .procs
                .get(&1)
                .is_none_or(|e| e.state == State::Done);
            if main_done {
                break;
            }
            self.fire_due();
            if !self.sched.borrow().runq.is_empty() {
                continue;
            }
            let wake = self.next_wake();
            let now = self.now_ms();
            let timeout = wake.map(|w| Duration::from_millis(w.saturating_sub(now)));
            if self.driver_active() || (wake.is_some() && self.has_driver.get()) {
                // Sleep inside the driver: it returns when it delivered something or the
                // next timer is due.
                self.poll_driver(timeout);
                continue;
            }
            match timeout {
                Some(t) => {
                    if !t.is_zero() {
                        std::thread::sleep(t);
                    }
                }
                None => {
                    // Deadlock: nothing can ever wake anyone. The main process learns it.
                    let waiting = {
                        let mut s = self.sched.borrow_mut();
                        match s.procs.get_mut(&1) {
                            Some(e) if e.state == State::Waiting => {
                                e.state = State::Runnable;
                                true
                            }
                            _ => false,
                        }
                    };
                    if !waiting {
                        break;
                    }
                    self.resume(1, false);
                }
            }
        }
        self.abandon_all();
    }

    /// Drops every unfinished process (unwinding its stack), breaking the reference cycle
    /// between the runtime and the coroutines that hold it.
    pub fn abandon_all(&self) {
        let all = std::mem::take(&mut *self.coros.borrow_mut());
        drop(all);
    }

    /// Gives other processes a turn (reduction budget used up).
    pub fn maybe_yield(self: Rc<Self>, p: &mut Proc) {
        {
            let mut s = self.sched.borrow_mut();
            if s.runq.is_empty() && s.timers.is_empty() && !self.has_driver.get() {
                return;
            }
            s.runq.push_back(p.pid);
        }
        if !self.sched.borrow().timers.is_empty() {
            self.fire_due();
        }
        p.suspend();
    }

    /// Moves messages that arrived in the shared inbox into the process's own mailbox.
    pub fn drain_inbox(self: Rc<Self>, p: &mut Proc) {
        let mut s = self.sched.borrow_mut();
        if let Some(e) = s.procs.get_mut(&p.pid) {
            if !e.inbox.is_empty() {
                p.mailbox.extend(e.inbox.drain(..));
            }
        }
    }

    /// Blocks until a message arrives or `deadline` passes. Returns false if nothing can
    /// ever wake this process (every process waits and no timer is pending).
    pub fn wait_for_message(self: Rc<Self>, p: &mut Proc, deadline: Option<u64>) -> bool {
        {
            let mut guard = self.sched.borrow_mut();
            let s = &mut *guard;
            match s.procs.get_mut(&p.pid) {
                Some(e) if !e.inbox.is_empty() => return true,
                Some(e) => {
                    e.state = State::Waiting;
                    e.deadline = deadline;
                    if let Some(d) = deadline {
                        s.deadlines.insert((d, p.pid));
                    }
                }
                None => return false,
            }
        }
        p.suspend()
    }

    pub fn send_exit(&self, from: u64, to: u64, reason: Term) {
        exit_signal_locked(&mut self.sched.borrow_mut(), from, to, reason, false);
    }

    /// A pending kill for this process (an exit signal it does not trap), if any.
    pub fn take_kill(&self, pid: u64) -> Option<Term> {
        self.sched
            .borrow_mut()
            .procs
            .get_mut(&pid)
            .and_then(|e| e.kill.take())
    }
}

pub(crate) fn deliver_locked(s: &mut Sched, pid: u64, msg: Term) {
    let mut wake: Option<(u64, u64)> = None;
    if let Some(e) = s.procs.get_mut(&pid) {
        if e.state == State::Done {
            return;
        }
        e.inbox.push_back(msg);
        if e.state == State::Waiting {
            e.state = State::Runnable;
            wake = e.deadline.take().map(|d| (d, pid));
            if wake.is_none() {
                wake = Some((u64::MAX, pid));
            }
        }
    }
    if let Some((d, p)) = wake {
        if d != u64::MAX {
            s.deadlines.remove(&(d, p));
        }
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
        if let Some(d) = e.deadline.take() {
            s.deadlines.remove(&(d, to));
        }
        s.runq.push_back(to);
    }
}
