//! The bytecode interpreter: one loop runs a process's Erlang code, with an explicit call
//! stack (`Proc::calls`) so Erlang calls, returns and tail calls never recurse in Rust. A
//! frame's registers live in the process's register file (`Proc::regs`) from its base `bp`;
//! a call's arguments sit in the caller's top temporaries, where the callee's frame begins.
//! An exception unwinds the frames of this loop (recording them for the stack trace) to the
//! innermost handler that `try`/`catch` pushed in this loop (`Proc::handlers`) and resumes
//! at its landing; with none, it is returned to the Rust caller.

use crate::atom::{self, Atom};
use crate::bifs;
use crate::bytecode::{FastBif, Instr};
use crate::code::{FunDef, Module, Op1, Op2};
use crate::interp::{
    badarg, badarith, error, int_op, lost_tail, undef, Ctl, Exc, PendingTail, Proc, Res,
};
use crate::term::{self, Fun, FunKind, MapKey, Term, Tuple};
use std::rc::Rc;

/// A suspended caller: where to resume and where the callee's result goes.
pub struct Frame {
    /// The caller's module, when the callee runs in another one (`None`: the same).
    module: Option<Rc<Module>>,
    /// The caller's function and where it resumes, as pointers (no lookup on return): the
    /// module that owns them is alive while the frame is (`module`, or the running one).
    f: *const FunDef,
    ip: *const Instr,
    dst: u32,
    bp: usize,
}

/// An active `try`/`catch` handler: the frame it belongs to (the call-stack depth when it
/// was entered), where to resume, and the registers that receive the exception.
pub struct Handler {
    depth: usize,
    pc: u32,
    class: u32,
    reason: u32,
    stack: u32,
    /// An `after` block's handler: it runs even for a process that is being killed.
    after: bool,
}

/// The exception a handler caught, raised again: the stack trace it was caught with becomes
/// the trace again (minus the current function, which unwinding this frame adds back).
fn reraise(class: &Term, reason: &Term, stack: &Term, cur: (atom::Atom, atom::Atom, usize)) -> Ctl {
    let class = match class {
        Term::Atom(c) => *c,
        _ => atom::ERROR,
    };
    let mut frames = Vec::new();
    let mut args = None;
    let items = stack.list_to_vec().unwrap_or_default();
    for (k, fr) in items.iter().enumerate() {
        let Term::Tuple(t) = fr else { continue };
        let (Some(Term::Atom(md)), Some(Term::Atom(fname))) = (t.first(), t.get(1)) else {
            continue;
        };
        match t.get(2) {
            Some(Term::Int(a)) => frames.push((*md, *fname, *a as usize, 0)),
            Some(l) if k == 0 => {
                if let Some(v) = l.list_to_vec() {
                    args = Some((*md, *fname, v));
                }
            }
            _ => {}
        }
    }
    if matches!(frames.last(), Some((md, fname, a, _)) if (*md, *fname, *a) == cur) {
        frames.pop();
    }
    Ctl::Exc(Box::new(Exc {
        class,
        reason: reason.clone(),
        frames,
        args,
    }))
}

/// Register-file length beyond which a call raises `system_limit` (1 GiB of terms, ~10 M
/// frames of a small function: deep recursion is bounded by memory, as in OTP, but fails
/// cleanly before the machine runs out).
const MAX_REGS: usize = 1 << 26;

fn err2(a: atom::Atom, v: Term) -> Ctl {
    error(Term::tuple(vec![Term::Atom(a), v]))
}

/// Whether `a op b` holds, for the comparison operators (guards' tests).
#[inline]
fn holds(op: Op2, a: &Term, b: &Term) -> bool {
    if let (Term::Int(x), Term::Int(y)) = (a, b) {
        return int_holds(op, *x, *y);
    }
    use std::cmp::Ordering::*;
    match op {
        Op2::Eq => term::eq(a, b),
        Op2::Ne => !term::eq(a, b),
        Op2::ExactEq => term::exact_eq(a, b),
        Op2::ExactNe => !term::exact_eq(a, b),
        Op2::Lt => term::cmp_terms(a, b, false) == Less,
        Op2::Le => term::cmp_terms(a, b, false) != Greater,
        Op2::Gt => term::cmp_terms(a, b, false) == Greater,
        Op2::Ge => term::cmp_terms(a, b, false) != Less,
        _ => false,
    }
}

/// `a op b` for `+ - * /` when a float is involved (or `/` of two small integers), as
/// `arith::arith` computes it (integers converted with `as f64`); `None` for anything else,
/// including a result that is not finite or a division by zero, which the general path
/// turns into `badarith`.
#[inline(always)]
pub(crate) fn float_op(op: Op2, a: &Term, b: &Term) -> Option<Term> {
    let (x, y) = match (a, b) {
        (Term::Float(x), Term::Float(y)) => (*x, *y),
        (Term::Float(x), Term::Int(y)) => (*x, *y as f64),
        (Term::Int(x), Term::Float(y)) => (*x as f64, *y),
        (Term::Int(x), Term::Int(y)) if op == Op2::FDiv => (*x as f64, *y as f64),
        _ => return None,
    };
    let r = match op {
        Op2::Add => x + y,
        Op2::Sub => x - y,
        Op2::Mul => x * y,
        Op2::FDiv if y != 0.0 => x / y,
        _ => return None,
    };
    r.is_finite().then_some(Term::Float(r))
}

/// `x op y` for `+ - *`, the operators whose small-integer result is an integer: `None` for
/// any other operator, `Some(None)` on overflow (the general path makes a bignum).
#[inline(always)]
fn int_arith(op: Op2, x: i64, y: i64) -> Option<Option<i64>> {
    match op {
        Op2::Add => Some(x.checked_add(y)),
        Op2::Sub => Some(x.checked_sub(y)),
        Op2::Mul => Some(x.checked_mul(y)),
        _ => None,
    }
}

#[inline(always)]
fn int_holds(op: Op2, x: i64, y: i64) -> bool {
    match op {
        Op2::Eq | Op2::ExactEq => x == y,
        Op2::Ne | Op2::ExactNe => x != y,
        Op2::Lt => x < y,
        Op2::Le => x <= y,
        Op2::Gt => x > y,
        Op2::Ge => x >= y,
        _ => false,
    }
}

fn op1(op: Op1, a: Term) -> Res {
    match op {
        Op1::Neg => crate::arith::neg(&a),
        Op1::Plus => {
            if a.is_number() {
                Ok(a)
            } else {
                Err(badarith())
            }
        }
        Op1::Bnot => crate::arith::bnot(&a),
        Op1::Not => match a {
            Term::Atom(atom::TRUE) => Ok(Term::Atom(atom::FALSE)),
            Term::Atom(atom::FALSE) => Ok(Term::Atom(atom::TRUE)),
            _ => Err(badarg()),
        },
    }
}

/// What a remote call resolved to.
enum Target {
    /// A native or BIF already ran.
    Value(Res),
    /// An Erlang function to enter.
    Enter(Rc<Module>, usize),
}

/// What a remote call site (`call_ext`, `call_dyn`: the instruction's address) resolved
/// `m:f` to: a BIF, or an Erlang function. Valid only while the runtime at `rt` is the one
/// running and no module table changed since (`code::modules_epoch`: a module added or
/// replaced, a native registered, a runtime created, which also rules out a new runtime or
/// new code reusing a freed one's address). The module is held weakly: the cache must not
/// keep replaced code alive.
struct SiteEntry {
    site: usize,
    m: atom::Atom,
    f: atom::Atom,
    bif: Option<bifs::BifFn>,
    epoch: u64,
    rt: usize,
    module: std::rc::Weak<Module>,
    idx: u32,
}

/// Slots of the call-site cache (direct-mapped on the instruction's address).
const SITE_SLOTS: usize = 1024;

thread_local! {
    /// The remote call sites' cache, per OS thread (a VM and its modules live on one). It
    /// spares a call the lookups by name: the BIF table hashed on strings, the module table
    /// and the export table. Kept outside the instructions so that compiled code stays
    /// immutable (terms hold modules; a cell inside them would make every term mutable).
    static SITES: std::cell::RefCell<Vec<Option<SiteEntry>>> =
        std::cell::RefCell::new((0..SITE_SLOTS).map(|_| None).collect());
}

#[inline]
fn site_slot(site: usize) -> usize {
    ((site as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SITE_SLOTS.trailing_zeros()))
        as usize
}

/// A function definition with a lifetime not tied to the local that holds its module: the
/// loop keeps the module alive (in `m` or in a frame) for as long as it uses the reference.
#[inline(always)]
fn fun_of<'a>(m: &Rc<Module>, idx: usize) -> &'a FunDef {
    debug_assert!(idx < m.funs.len(), "function #{idx} of {}", m.name.name());
    // SAFETY: modules are immutable once loaded; the Rc that owns this one outlives every use
    // of the reference (it is only replaced after the reference is reloaded). `idx` comes
    // from lowering (a local call, a fun) or from the module's export table, so it is in
    // range.
    unsafe { &*m.funs.as_ptr().add(idx) }
}

impl Proc {
    /// Makes the register file at least `need` long (new registers hold `[]`). It does not
    /// shrink inside the loop: registers above the running frame hold values that own no
    /// memory (`clear` runs when a frame ends), so they need no destructor and no refill.
    #[inline(always)]
    fn ensure(&mut self, need: usize) {
        let len = self.regs.len();
        if len < need {
            self.grow(need);
        }
    }

    #[inline(never)]
    fn grow(&mut self, need: usize) {
        let len = self.regs.len();
        // Doubled (by at most 2^20 registers, 16 MiB, and up to `MAX_REGS`): native code
        // cannot grow the file and hands back at a frame past its end, so deep native
        // recursion needs room ahead of it.
        let need = need.max((2 * len).min(len + (1 << 20)).min(MAX_REGS));
        self.regs.reserve(need - len);
        // SAFETY: capacity reserved above; each new slot is initialised before set_len
        // (writing in place avoids building each value on the stack and copying it).
        unsafe {
            let p = self.regs.as_mut_ptr();
            for k in len..need {
                std::ptr::write(p.add(k), Term::Nil);
            }
            self.regs.set_len(need);
        }
    }

    /// Releases what registers `from..to` own (a frame that ended), leaving `[]` there.
    #[inline(always)]
    fn clear(&mut self, from: usize, to: usize) {
        let to = to.min(self.regs.len());
        for k in from..to {
            // SAFETY: k < len.
            let slot = unsafe { self.regs.get_unchecked_mut(k) };
            if !slot.is_immediate() {
                *slot = Term::Nil;
            }
        }
    }

    /// Drops the registers above `to`; registers holding only immediates need no destructor.
    #[inline(always)]
    fn truncate_regs(&mut self, to: usize) {
        if self.regs[to..].iter().all(Term::is_immediate) {
            // SAFETY: shrinking the length; the values dropped own no memory.
            unsafe { self.regs.set_len(to) }
        } else {
            self.regs.truncate(to);
        }
    }

    /// Resolves `md:f/n` (arguments in `regs[at..at + n]`): natives first, then BIFs, then
    /// exported Erlang functions.
    /// `bif`: the BIF of that name when the caller already resolved it (`call_ext` is
    /// lowered with it: the BIF table is fixed, so a name it lacks at lowering it lacks now),
    /// `None` to look it up by name.
    fn resolve_ext(
        &mut self,
        md: atom::Atom,
        f: atom::Atom,
        at: usize,
        n: usize,
        bif: Option<Option<bifs::BifFn>>,
    ) -> Target {
        if self.rt.has_natives.get() {
            let args = self.regs[at..at + n].to_vec();
            if let Some(r) = crate::embed::call_native(self, md, f, &args) {
                return Target::Value(r);
            }
        }
        let bif = match bif {
            Some(b) => b,
            None => bifs::lookup(md.name(), f.name(), n),
        };
        if let Some(b) = bif {
            let args = self.regs[at..at + n].to_vec();
            return Target::Value(b(self, &args));
        }
        let Some(module) = self.rt.module(md) else {
            return Target::Value(Err(undef(md, f, self.regs[at..at + n].to_vec())));
        };
        match module.exports.get(&(f, n)) {
            Some(&idx) => Target::Enter(module, idx),
            None => Target::Value(Err(undef(md, f, self.regs[at..at + n].to_vec()))),
        }
    }

    /// What the call site `site` resolved `md:f` to before, if the cache still holds it for
    /// this runtime and module-table epoch: a BIF (`Ok`) or an Erlang function (`Err`).
    #[inline]
    fn site_hit(
        &self,
        site: &Instr,
        md: atom::Atom,
        f: atom::Atom,
    ) -> Option<Result<bifs::BifFn, (Rc<Module>, u32)>> {
        let site = site as *const Instr as usize;
        let slot = site_slot(site);
        let epoch = crate::code::modules_epoch();
        let rt = Rc::as_ptr(&self.rt) as usize;
        SITES.with(|t| match &t.borrow()[slot] {
            Some(e)
                if e.site == site && e.m == md && e.f == f && e.epoch == epoch && e.rt == rt =>
            {
                match e.bif {
                    Some(b) => Some(Ok(b)),
                    None => e.module.upgrade().map(|m| Err((m, e.idx))),
                }
            }
            _ => None,
        })
    }

    /// `resolve_ext` through the remote call sites' cache (`SITES`): a site that resolved
    /// the same `md:f` before, in this runtime and module-table epoch (registering a native
    /// starts a new epoch too), reuses the answer: that BIF, or that Erlang function, and in
    /// both cases "no native of that name". Natives themselves are not cached. `bif` as in
    /// `resolve_ext`.
    fn resolve_site(
        &mut self,
        site: &Instr,
        md: atom::Atom,
        f: atom::Atom,
        at: usize,
        n: usize,
        bif: Option<Option<bifs::BifFn>>,
    ) -> Target {
        let hit = self.site_hit(site, md, f);
        let site = site as *const Instr as usize;
        let slot = site_slot(site);
        let epoch = crate::code::modules_epoch();
        let rt = Rc::as_ptr(&self.rt) as usize;
        // No borrow is held past this point: a BIF may run Erlang code that calls again.
        match hit {
            Some(Ok(b)) => {
                let args = self.regs[at..at + n].to_vec();
                return Target::Value(b(self, &args));
            }
            Some(Err((module, idx))) => return Target::Enter(module, idx as usize),
            None => {}
        }
        if self.rt.has_natives.get() {
            let args = self.regs[at..at + n].to_vec();
            if let Some(r) = crate::embed::call_native(self, md, f, &args) {
                return Target::Value(r);
            }
        }
        let bif = match bif {
            Some(b) => b,
            None => bifs::lookup(md.name(), f.name(), n),
        };
        let store = |bif, module: std::rc::Weak<Module>, idx: usize| {
            SITES.with(|t| {
                t.borrow_mut()[slot] = Some(SiteEntry {
                    site,
                    m: md,
                    f,
                    bif,
                    epoch,
                    rt,
                    module,
                    idx: idx as u32,
                })
            });
        };
        if let Some(b) = bif {
            store(Some(b), std::rc::Weak::new(), 0);
            let args = self.regs[at..at + n].to_vec();
            return Target::Value(b(self, &args));
        }
        let Some(module) = self.rt.module(md) else {
            return Target::Value(Err(undef(md, f, self.regs[at..at + n].to_vec())));
        };
        match module.exports.get(&(f, n)) {
            Some(&idx) => {
                store(None, Rc::downgrade(&module), idx);
                Target::Enter(module, idx)
            }
            None => Target::Value(Err(undef(md, f, self.regs[at..at + n].to_vec()))),
        }
    }

    /// Runs function `idx` of `module` whose arguments are in `regs[bp..bp + arity]`, until it
    /// returns; the register file is cut back to `bp`. `fun` is the closure being called.
    pub(crate) fn run_bc(
        &mut self,
        module: &Rc<Module>,
        idx: usize,
        bp: usize,
        fun: Option<Rc<Fun>>,
    ) -> Res {
        if let Err(e) = self.check_stack() {
            self.regs.truncate(bp);
            return Err(e);
        }
        self.reductions += 1;
        if self.reductions & 2047 == 0 {
            if let Err(c) = self.yield_point() {
                self.regs.truncate(bp);
                return Err(c);
            }
        }
        let saved = self.cur;
        let r = self.run_loop(module.clone(), idx, bp, fun);
        self.cur = saved;
        r
    }

    // `fp` is re-derived at the top of every instruction (after `run_fast`) and wherever
    // an arm goes on using it after the file may have moved; some of the latter are then
    // overwritten unread, which is cheap and keeps each arm correct on its own.
    #[allow(unused_assignments)]
    fn run_loop(&mut self, module: Rc<Module>, idx: usize, bp: usize, fun: Option<Rc<Fun>>) -> Res {
        let entry = self.calls.len();
        let entry_bp = bp;
        let mut m = module;
        let mut f: &FunDef = fun_of(&m, idx);
        let mut bp = bp;
        // The next instruction: a pointer into `code` (an index would need the code's base
        // re-read from the stack and a multiply on every fetch).
        let mut ip: *const Instr = f.code.instrs.as_ptr();
        self.ensure(bp + f.code.frame as usize);
        if let Some(fun) = &fun {
            self.bind_closure(f, fun, bp);
        }

        // Continues at label `$l` of the running function. SAFETY: `lower.rs` points every
        // label inside its function's code (`Instr::ends_block` and the sentinel in
        // `lower_fun`), and return addresses and handler landings are such labels or
        // instruction indices taken from `ip` itself.
        macro_rules! jump {
            ($l:expr) => {{
                let l = $l as usize;
                debug_assert!(
                    l < f.code.instrs.len(),
                    "label {l} past the end of {}",
                    f.name.name()
                );
                ip = unsafe { f.code.instrs.as_ptr().add(l) };
            }};
        }
        // Makes function `$idx` of `m` the running one.
        macro_rules! load {
            ($idx:expr) => {{
                f = fun_of(&m, $idx);
            }};
        }
        // Makes a suspended caller's frame the running one again (not its `ip`).
        macro_rules! resume {
            ($fr:expr) => {{
                let fr: &mut Frame = $fr;
                if let Some(mm) = fr.module.take() {
                    m = mm;
                }
                // SAFETY: the frame's function lives in its module, which is `m` again now
                // (restored above, or the same module all along).
                f = unsafe { &*fr.f };
                bp = fr.bp;
            }};
        }
        // The running frame's first register: a pointer held in a local, so a register
        // access is one load, not a reload of the register file's base from `self` and an
        // add of `bp`. It is re-derived (`sync!`) wherever the file may have moved or `bp`
        // changed: after growing the file, entering or leaving a frame, and any call out of
        // the loop that may run Erlang code (a BIF, an escape, `step_cold`).
        let mut fp: *mut Term = self.regs.as_mut_ptr().wrapping_add(bp);
        macro_rules! sync {
            () => {
                fp = self.regs.as_mut_ptr().wrapping_add(bp)
            };
        }
        // A register of the current frame. SAFETY: `lower.rs` sizes every frame to cover the
        // registers its instructions name, the register file is at least `bp + frame` long
        // whenever an instruction runs (calls out of the loop restore its length), and `fp`
        // is `regs[bp]`'s address (re-derived after anything that may move the file).
        macro_rules! reg {
            ($r:expr) => {
                *{
                    debug_assert!(
                        ($r as usize) < f.code.frame as usize
                            && bp + ($r as usize) < self.regs.len(),
                        "register r{} outside the frame of {}/{}",
                        $r,
                        f.name.name(),
                        f.arity
                    );
                    debug_assert!(
                        std::ptr::eq(fp, self.regs.as_mut_ptr().wrapping_add(bp)),
                        "stale frame pointer in {}/{}",
                        f.name.name(),
                        f.arity
                    );
                    unsafe { &*fp.add($r as usize) }
                }
            };
        }
        // Stores into a register; the old value is dropped only if it owns memory.
        macro_rules! put {
            ($r:expr, $v:expr) => {{
                let v: Term = $v;
                debug_assert!(
                    ($r as usize) < f.code.frame as usize && bp + ($r as usize) < self.regs.len(),
                    "register r{} outside the frame of {}/{}",
                    $r,
                    f.name.name(),
                    f.arity
                );
                debug_assert!(
                    std::ptr::eq(fp, self.regs.as_mut_ptr().wrapping_add(bp)),
                    "stale frame pointer in {}/{}",
                    f.name.name(),
                    f.arity
                );
                // SAFETY: as for `reg!`.
                let slot = unsafe { &mut *fp.add($r as usize) };
                if slot.is_immediate() {
                    // SAFETY: the old value owns nothing, so overwriting without drop is fine.
                    unsafe { std::ptr::write(slot, v) }
                } else {
                    *slot = v;
                }
            }};
        }
        macro_rules! here {
            () => {
                self.cur = Some((m.name, f.name, f.arity, f.line))
            };
        }

        let hbase = self.handlers.len();
        let result: Res = loop {
            let r: Res = 'run: loop {
                // One reduction per call; every 2000, let other processes run.
                macro_rules! reduce {
                    () => {{
                        self.reductions += 1;
                        if self.reductions & 2047 == 0 {
                            // Other processes run meanwhile; this one's registers stay put.
                            if let Err(c) = self.yield_point() {
                                break 'run Err(c);
                            }
                        }
                    }};
                }
                // The register file covers the running frame; past `MAX_REGS` a call raises
                // `system_limit` (checked only when the file has to grow).
                macro_rules! ensure_frame {
                    () => {{
                        let need = bp + f.code.frame as usize;
                        if self.regs.len() < need {
                            if need > MAX_REGS {
                                break 'run Err(error(Term::Atom(atom::SYSTEM_LIMIT)));
                            }
                            self.grow(need);
                        }
                    }};
                }
                // Returns `$v` to the caller's frame (or out of this loop at its entry frame).
                macro_rules! ret {
                    ($v:expr) => {{
                        let v: Term = $v;
                        if self.calls.len() == entry {
                            self.truncate_regs(bp);
                            break 'run Ok(v);
                        }
                        let mut fr = self.calls.pop().expect("a caller frame above the entry");
                        self.clear(bp, bp + f.code.frame as usize);
                        resume!(&mut fr);
                        sync!();
                        ip = fr.ip;
                        put!(fr.dst, v);
                    }};
                }
                // Enters function `$idx` of module `$md` with its arguments at `base` (a new frame
                // there, the caller suspended) or, for a tail call, moved down to `bp`.
                macro_rules! enter {
                    ($md:expr, $idx:expr, $base:expr, $n:expr, $dst:expr, $tail:expr, $clo:expr) => {{
                        let md: Option<Rc<Module>> = $md;
                        let clo: Option<Rc<Fun>> = $clo;
                        if $tail {
                            let n = $n as usize;
                            let base = $base as usize;
                            for i in 0..n {
                                // SAFETY: both registers are inside the running frame.
                                unsafe { std::ptr::swap(fp.add(i), fp.add(base + i)) };
                            }
                            // The old frame's values (swapped-out arguments included) are dead.
                            self.clear(bp + n, bp + (f.code.frame as usize).max(base + n));
                            if let Some(md) = md {
                                if !Rc::ptr_eq(&md, &m) {
                                    let old = std::mem::replace(&mut m, md);
                                    // The caller expected to return into the old module.
                                    if self.calls.len() > entry {
                                        let top = self.calls.last_mut().expect("checked above");
                                        if top.module.is_none() {
                                            top.module = Some(old);
                                        }
                                    }
                                }
                            }
                        } else {
                            let module = match md {
                                Some(md) if !Rc::ptr_eq(&md, &m) => {
                                    Some(std::mem::replace(&mut m, md))
                                }
                                _ => None,
                            };
                            self.calls.push(Frame {
                                module,
                                f,
                                ip,
                                dst: $dst,
                                bp,
                            });
                            bp += $base as usize;
                        }
                        load!($idx);
                        ip = f.code.instrs.as_ptr();
                        ensure_frame!();
                        if let Some(fun) = &clo {
                            self.bind_closure(f, fun, bp);
                        }
                        sync!();
                    }};
                }
                // A value from a native, a BIF or an escape: store it, or return it in tail position.
                macro_rules! value {
                    ($r:expr, $dst:expr, $tail:expr) => {{
                        let r: Res = $r;
                        let r = match r {
                            Err(t @ Ctl::Tail) => self.finish_tail_in(t, &m),
                            r => r,
                        };
                        sync!();
                        match r {
                            Ok(v) => {
                                if $tail {
                                    ret!(v);
                                } else {
                                    put!($dst, v);
                                }
                            }
                            Err(c) => break 'run Err(c),
                        }
                    }};
                }
                // Tight sequential code runs in `run_fast`; it comes back here for any
                // instruction it does not take on, which the match below runs.
                self.run_fast(&m, entry, &mut f, &mut ip, &mut bp);
                sync!();
                if let Some(c) = self.fast_err.take() {
                    // A BIF `run_fast` called raised; `ip` is past its instruction.
                    break 'run Err(c);
                }
                debug_assert!(
                    (ip as usize) < f.code.instrs.as_ptr_range().end as usize,
                    "ip past the end of {}",
                    f.name.name()
                );
                // SAFETY: `lower_fun` ends every function with an instruction that does not
                // fall through and points no label past it, so `ip` stays inside `code`.
                let ins = unsafe { &*ip };
                ip = unsafe { ip.add(1) };
                match ins {
                    Instr::Move { dst, src } => {
                        let v = reg!(*src).clone();
                        put!(*dst, v);
                    }
                    Instr::Take { dst, src } => {
                        // The frame check of a read, in debug builds.
                        let _ = &reg!(*src);
                        // SAFETY: as for `reg!`.
                        let v = unsafe { std::ptr::replace(fp.add(*src as usize), Term::Nil) };
                        put!(*dst, v);
                    }
                    Instr::Lit { dst, val } => put!(*dst, val.clone()),
                    Instr::Tuple { dst, start, n } => {
                        let s = *start as usize;
                        // SAFETY: the elements' registers are inside the running frame, and
                        // `take_from` leaves each of them a valid term (nil).
                        let regs =
                            unsafe { std::slice::from_raw_parts_mut(fp.add(s), *n as usize) };
                        let t = Tuple::take_from(regs);
                        put!(*dst, Term::Tuple(t));
                    }
                    Instr::Cons { dst, head, tail } => {
                        let c = Term::cons(reg!(*head).clone(), reg!(*tail).clone());
                        put!(*dst, c);
                    }
                    Instr::ConsTake { dst, head, tail } => {
                        // The debug builds' frame checks, then the move itself.
                        let _ = (&reg!(*head), &reg!(*tail));
                        // SAFETY: as for `reg!`; `lower.rs` emits this only for two
                        // different registers.
                        let (h, t) = unsafe {
                            (
                                std::ptr::replace(fp.add(*head as usize), Term::Nil),
                                std::ptr::replace(fp.add(*tail as usize), Term::Nil),
                            )
                        };
                        put!(*dst, Term::cons(h, t));
                    }
                    Instr::Op { op, dst, a, b } => {
                        if let (Term::Int(x), Term::Int(y)) = (&reg!(*a), &reg!(*b)) {
                            if let Some(r) = int_op(*op, *x, *y) {
                                put!(*dst, r);
                                continue;
                            }
                        }
                        if let Some(r) = float_op(*op, &reg!(*a), &reg!(*b)) {
                            put!(*dst, r);
                            continue;
                        }
                        let (x, y) = (reg!(*a).clone(), reg!(*b).clone());
                        let r = self.op2(*op, x, y);
                        sync!();
                        match r {
                            Ok(v) => put!(*dst, v),
                            Err(c) => break 'run Err(c),
                        }
                    }
                    Instr::ReturnLit { val } => ret!(val.clone()),
                    Instr::ReturnOp { op, a, b } => {
                        if let (Term::Int(x), Term::Int(y)) = (&reg!(*a), &reg!(*b)) {
                            if let Some(r) = int_op(*op, *x, *y) {
                                ret!(r);
                                continue;
                            }
                        }
                        if let Some(r) = float_op(*op, &reg!(*a), &reg!(*b)) {
                            ret!(r);
                            continue;
                        }
                        let (x, y) = (reg!(*a).clone(), reg!(*b).clone());
                        let r = self.op2(*op, x, y);
                        match r {
                            Ok(v) => ret!(v),
                            Err(c) => break 'run Err(c),
                        }
                    }
                    Instr::ReturnOpInt { op, a, k } => {
                        if let Term::Int(x) = reg!(*a) {
                            if let Some(r) = int_op(*op, x, *k) {
                                ret!(r);
                                continue;
                            }
                        }
                        if let Some(r) = float_op(*op, &reg!(*a), &Term::Int(*k)) {
                            ret!(r);
                            continue;
                        }
                        let x = reg!(*a).clone();
                        let r = self.op2(*op, x, Term::Int(*k));
                        match r {
                            Ok(v) => ret!(v),
                            Err(c) => break 'run Err(c),
                        }
                    }
                    Instr::OpInt { op, dst, a, k } => {
                        if let Term::Int(x) = reg!(*a) {
                            if let Some(r) = int_op(*op, x, *k) {
                                put!(*dst, r);
                                continue;
                            }
                        }
                        if let Some(r) = float_op(*op, &reg!(*a), &Term::Int(*k)) {
                            put!(*dst, r);
                            continue;
                        }
                        let x = reg!(*a).clone();
                        let r = self.op2(*op, x, Term::Int(*k));
                        sync!();
                        match r {
                            Ok(v) => put!(*dst, v),
                            Err(c) => break 'run Err(c),
                        }
                    }
                    Instr::Bif {
                        f: bif, dst, args, ..
                    } => {
                        let r = match args.len() {
                            0 => bif(self, &[]),
                            1 => {
                                let a = [reg!(args[0]).clone()];
                                bif(self, &a)
                            }
                            2 => {
                                let a = [reg!(args[0]).clone(), reg!(args[1]).clone()];
                                bif(self, &a)
                            }
                            _ => {
                                let a: Vec<Term> = args.iter().map(|r| reg!(*r).clone()).collect();
                                bif(self, &a)
                            }
                        };
                        value!(r, *dst, false);
                    }
                    Instr::Call { fun, base, dst } => {
                        reduce!();
                        enter!(None, *fun as usize, *base, 0, *dst, false, None);
                    }
                    Instr::TailCall { fun, base, n } => {
                        reduce!();
                        enter!(None, *fun as usize, *base, *n, 0, true, None);
                    }
                    Instr::CallExt {
                        m: md,
                        f: fname,
                        base,
                        n,
                        dst,
                        tail,
                        bif,
                    } => {
                        reduce!();
                        here!();
                        let at = bp + *base as usize;
                        let target = match bif {
                            Some(b) if !self.rt.has_natives.get() => {
                                let args = self.regs[at..at + *n as usize].to_vec();
                                Target::Value(b(self, &args))
                            }
                            _ => self.resolve_site(ins, *md, *fname, at, *n as usize, Some(*bif)),
                        };
                        match target {
                            Target::Value(r) => value!(r, *dst, *tail),
                            Target::Enter(module, idx) => {
                                sync!();
                                enter!(Some(module), idx, *base, *n, *dst, *tail, None)
                            }
                        }
                    }
                    Instr::CallDyn {
                        m: mr,
                        f: fr,
                        base,
                        n,
                        dst,
                        tail,
                    } => {
                        reduce!();
                        here!();
                        // OTP raises `badarg` for `M:F(...)` (and `apply/3`) unless both
                        // are atoms.
                        let (Term::Atom(md), Term::Atom(fname)) = (&reg!(*mr), &reg!(*fr)) else {
                            break 'run Err(badarg());
                        };
                        let (md, fname) = (*md, *fname);
                        let at = bp + *base as usize;
                        match self.resolve_site(ins, md, fname, at, *n as usize, None) {
                            Target::Value(r) => value!(r, *dst, *tail),
                            Target::Enter(module, idx) => {
                                sync!();
                                enter!(Some(module), idx, *base, *n, *dst, *tail, None)
                            }
                        }
                    }
                    Instr::Apply {
                        fun,
                        base,
                        n,
                        dst,
                        tail,
                    } => {
                        reduce!();
                        here!();
                        let fv = reg!(*fun).clone();
                        let Term::Fun(fo) = &fv else {
                            break 'run Err(err2(atom::BADFUN, fv));
                        };
                        let at = bp + *base as usize;
                        if fo.arity != *n as usize {
                            let args = Term::list(self.regs[at..at + *n as usize].to_vec());
                            break 'run Err(err2(
                                atom::BADARITY,
                                Term::tuple(vec![fv.clone(), args]),
                            ));
                        }
                        match &fo.kind {
                            FunKind::Local { module, index, .. } => {
                                let (module, index) = (module.clone(), *index);
                                enter!(
                                    Some(module),
                                    index,
                                    *base,
                                    *n,
                                    *dst,
                                    *tail,
                                    Some(fo.clone())
                                )
                            }
                            FunKind::External {
                                module: md,
                                function,
                            } => match self.resolve_ext(*md, *function, at, *n as usize, None) {
                                Target::Value(r) => value!(r, *dst, *tail),
                                Target::Enter(module, idx) => {
                                    sync!();
                                    enter!(Some(module), idx, *base, *n, *dst, *tail, None)
                                }
                            },
                        }
                    }
                    Instr::Return { src } => {
                        // SAFETY: as for `reg!`.
                        let v = unsafe { std::ptr::replace(fp.add(*src as usize), Term::Nil) };
                        ret!(v);
                    }
                    Instr::Jump { to } => jump!(*to),
                    Instr::IsInt { a, k, fail } => {
                        if !matches!(reg!(*a), Term::Int(x) if x == *k) {
                            jump!(*fail);
                        }
                    }
                    Instr::IsAtom { a, atom, fail } => {
                        if !matches!(reg!(*a), Term::Atom(x) if x == *atom) {
                            jump!(*fail);
                        }
                    }
                    Instr::IsLit { a, val, fail } => {
                        if !term::exact_eq(&reg!(*a), val) {
                            jump!(*fail);
                        }
                    }
                    Instr::IsEq { a, b, fail } => {
                        if !term::exact_eq(&reg!(*a), &reg!(*b)) {
                            jump!(*fail);
                        }
                    }
                    Instr::IsNil { a, fail } => {
                        if !matches!(reg!(*a), Term::Nil) {
                            jump!(*fail);
                        }
                    }
                    Instr::GetList {
                        a,
                        head,
                        tail,
                        fail,
                    } => {
                        if let Term::Cons(c) = &reg!(*a) {
                            let (h, t) = (c.head.clone(), c.tail.clone());
                            put!(*head, h);
                            put!(*tail, t);
                        } else {
                            jump!(*fail);
                        }
                    }
                    Instr::GetHd { a, dst, fail } => {
                        if let Term::Cons(c) = &reg!(*a) {
                            let h = c.head.clone();
                            put!(*dst, h);
                        } else {
                            jump!(*fail);
                        }
                    }
                    Instr::GetTl { a, dst, fail } => {
                        if let Term::Cons(c) = &reg!(*a) {
                            let t = c.tail.clone();
                            put!(*dst, t);
                        } else {
                            jump!(*fail);
                        }
                    }
                    Instr::GetTlN { a, n, dst, fail } => {
                        let mut t = &reg!(*a);
                        let mut ok = true;
                        for _ in 0..*n {
                            match t {
                                Term::Cons(c) => t = &c.tail,
                                _ => {
                                    ok = false;
                                    break;
                                }
                            }
                        }
                        if ok {
                            let v = t.clone();
                            put!(*dst, v);
                        } else {
                            jump!(*fail);
                        }
                    }
                    Instr::HdIsInt { a, k, fail } => {
                        if !matches!(&reg!(*a), Term::Cons(c) if matches!(c.head, Term::Int(x) if x == *k))
                        {
                            jump!(*fail);
                        }
                    }
                    Instr::HdIsAtom { a, atom, fail } => {
                        if !matches!(&reg!(*a), Term::Cons(c) if matches!(c.head, Term::Atom(x) if x == *atom))
                        {
                            jump!(*fail);
                        }
                    }
                    Instr::IsTuple { a, n, fail } => {
                        if !matches!(&reg!(*a), Term::Tuple(t) if t.len() == *n as usize) {
                            jump!(*fail);
                        }
                    }
                    Instr::GetElem { a, i, dst } => {
                        let v = match &reg!(*a) {
                            Term::Tuple(t) => t.get(*i as usize).cloned(),
                            _ => None,
                        };
                        match v {
                            Some(v) => put!(*dst, v),
                            None => break 'run Err(error(Term::atom("vm_internal_get_elem"))),
                        }
                    }
                    Instr::Cmp { op, a, b, fail } => {
                        if !holds(*op, &reg!(*a), &reg!(*b)) {
                            jump!(*fail);
                        }
                    }
                    Instr::CmpInt { op, a, k, fail } => {
                        let ok = match reg!(*a) {
                            Term::Int(x) => int_holds(*op, x, *k),
                            ref t => holds(*op, t, &Term::Int(*k)),
                        };
                        if !ok {
                            jump!(*fail);
                        }
                    }
                    Instr::GuardOp {
                        op,
                        dst,
                        a,
                        b,
                        fail,
                    } => {
                        if let (Term::Int(x), Term::Int(y)) = (&reg!(*a), &reg!(*b)) {
                            if let Some(r) = int_op(*op, *x, *y) {
                                put!(*dst, r);
                                continue;
                            }
                        }
                        let (x, y) = (reg!(*a).clone(), reg!(*b).clone());
                        let r = self.op2(*op, x, y);
                        sync!();
                        match r {
                            Ok(v) => put!(*dst, v),
                            Err(_) => jump!(*fail),
                        }
                    }
                    Instr::Switch { a, table } => jump!(table.target(&reg!(*a))),
                    Instr::Select { table } => {
                        // SAFETY: the running frame's registers, `f.code.frame` of them.
                        let frame =
                            unsafe { std::slice::from_raw_parts(fp, f.code.frame as usize) };
                        jump!(table.target(frame))
                    }
                    Instr::IsType { a, ty, fail } => {
                        if !ty.holds(&reg!(*a)) {
                            jump!(*fail);
                        }
                    }
                    Instr::EscTail { e } => {
                        here!();
                        // Each way out re-derives `fp` (`ret!`, or before `enter!`).
                        match self.eval(&f.code.escapes[*e as usize], bp, &m) {
                            Ok(v) => ret!(v),
                            Err(Ctl::Tail) => {
                                reduce!();
                                match std::mem::replace(&mut self.pending_tail, PendingTail::None) {
                                    PendingTail::Local(i, n) => {
                                        // The arguments are on top of the register file.
                                        let at = self.regs.len() - n as usize;
                                        for k in 0..n as usize {
                                            self.regs.swap(bp + k, at + k);
                                        }
                                        self.regs.truncate(at);
                                        sync!();
                                        enter!(None, i as usize, 0, n, 0, true, None);
                                    }
                                    PendingTail::Call(tc) => {
                                        let tc = *tc;
                                        let n = tc.args.len();
                                        self.truncate_regs(bp);
                                        self.regs.extend(tc.args);
                                        sync!();
                                        enter!(Some(tc.module), tc.idx, 0, n, 0, true, tc.fun);
                                    }
                                    PendingTail::None => break 'run Err(lost_tail()),
                                }
                            }
                            Err(c) => break 'run Err(c),
                        }
                    }
                    _ => {
                        let c = self.step_cold(ins, bp, &m, f);
                        sync!();
                        match c {
                            Cold::Next => {}
                            Cold::Jump(l) => jump!(l),
                            Cold::Raise(c) => break 'run Err(c),
                            Cold::Value(r, dst) => value!(r, dst, false),
                        }
                    }
                }
            };
            // An exception with a handler of this loop: unwind to the handler's frame and
            // resume at its landing with the class, reason and stack trace in its registers.
            let Err(Ctl::Exc(mut e)) = r else { break r };
            if self.dying {
                // A dying process runs `after` blocks only.
                while self.handlers.len() > hbase && !self.handlers[self.handlers.len() - 1].after {
                    self.handlers.pop();
                }
            }
            if self.handlers.len() == hbase {
                break Err(Ctl::Exc(e));
            }
            let h = self.handlers.pop().expect("checked above");
            while self.calls.len() > h.depth {
                if e.frames.len() < 20 {
                    e.frames.push((m.name, f.name, f.arity, f.line));
                }
                // Release the frame's values but keep the file's length: the frames below
                // extend above this one's base.
                self.clear(bp, bp + f.code.frame as usize);
                let mut fr = self
                    .calls
                    .pop()
                    .expect("a caller frame above the handler's");
                resume!(&mut fr);
            }
            self.ensure(bp + f.code.frame as usize);
            sync!();
            here!();
            let st = self.stack_term(&e);
            let e = *e;
            put!(h.class, Term::Atom(e.class));
            put!(h.reason, e.reason);
            put!(h.stack, st);
            jump!(h.pc);
        };
        self.handlers.truncate(hbase);
        match result {
            Ok(v) => Ok(v),
            Err(Ctl::Exc(mut e)) => {
                // Unwind this loop's frames, innermost first, recording them as the tree
                // evaluator did.
                loop {
                    if e.frames.len() < 20 {
                        e.frames.push((m.name, f.name, f.arity, f.line));
                    }
                    self.regs.truncate(bp);
                    if self.calls.len() == entry {
                        break;
                    }
                    let mut fr = self.calls.pop().expect("a caller frame above the entry");
                    resume!(&mut fr);
                }
                let _ = ip;
                Err(Ctl::Exc(e))
            }
            Err(Ctl::Tail) => {
                self.calls.truncate(entry);
                self.regs.truncate(entry_bp);
                Err(lost_tail())
            }
        }
    }
}

/// What an instruction run out of line (`Proc::step_cold`) asks the loop to do next.
enum Cold {
    Next,
    Jump(u32),
    Raise(Ctl),
    /// A value from a BIF or an escape, for register `dst` (a tail call it asked for is
    /// finished by the loop).
    Value(Res, u32),
}

impl Proc {
    /// The instructions that are rare in hot loops (maps, funs, bit syntax, exceptions,
    /// receive, escapes to the tree evaluator), run out of `run_loop`: their code and stack
    /// needs would otherwise push the loop's instruction pointer and frame pointer out of
    /// registers for every instruction. Registers are accessed checked here.
    #[inline(never)]
    fn step_cold(&mut self, ins: &Instr, bp: usize, m: &Rc<Module>, f: &FunDef) -> Cold {
        macro_rules! reg {
            ($r:expr) => {
                self.regs[bp + $r as usize]
            };
        }
        macro_rules! put {
            ($r:expr, $v:expr) => {{
                let v: Term = $v;
                self.regs[bp + $r as usize] = v;
            }};
        }
        match ins {
            Instr::MapNew { dst, start, n } => {
                let mut map = std::collections::BTreeMap::new();
                for i in 0..*n {
                    let k = reg!(start + 2 * i).clone();
                    let v = reg!(start + 2 * i + 1).clone();
                    map.insert(MapKey(k), v);
                }
                put!(*dst, Term::Map(Rc::new(map)));
            }
            Instr::MapUpdate {
                dst,
                base,
                start,
                exact,
            } => {
                let b = reg!(*base).clone();
                let Term::Map(mut map) = b else {
                    return Cold::Raise(err2(atom::BADMAP, b));
                };
                for (i, x) in exact.iter().enumerate() {
                    let i = i as u32;
                    let key = MapKey(reg!(start + 2 * i).clone());
                    if *x && !map.contains_key(&key) {
                        return Cold::Raise(err2(atom::BADKEY, key.0));
                    }
                    let v = reg!(start + 2 * i + 1).clone();
                    Rc::make_mut(&mut map).insert(key, v);
                }
                put!(*dst, Term::Map(map));
            }
            Instr::MakeFun { dst, fun, caps } => {
                let env: Vec<Term> = caps.iter().map(|s| reg!(*s).clone()).collect();
                let arity = m.funs[*fun as usize].arity;
                put!(
                    *dst,
                    Term::Fun(Rc::new(Fun {
                        kind: FunKind::Local {
                            module: m.clone(),
                            index: *fun as usize,
                            env,
                        },
                        arity,
                    }))
                );
            }
            Instr::Op1 { op, dst, a } => match op1(*op, reg!(*a).clone()) {
                Ok(v) => put!(*dst, v),
                Err(c) => return Cold::Raise(c),
            },
            Instr::BifTest { f: bif, args, fail } => {
                let r = match args.len() {
                    1 => {
                        let a = [reg!(args[0]).clone()];
                        bif(self, &a)
                    }
                    _ => {
                        let a: Vec<Term> = args.iter().map(|r| reg!(*r).clone()).collect();
                        bif(self, &a)
                    }
                };
                if !matches!(r, Ok(Term::Atom(atom::TRUE))) {
                    return Cold::Jump(*fail);
                }
            }
            Instr::GuardBif {
                f: bif,
                dst,
                args,
                fail,
            } => {
                let a: Vec<Term> = args.iter().map(|r| reg!(*r).clone()).collect();
                match bif(self, &a) {
                    Ok(v) => put!(*dst, v),
                    Err(_) => return Cold::Jump(*fail),
                }
            }
            Instr::Badmatch { a } => return Cold::Raise(err2(atom::BADMATCH, reg!(*a).clone())),
            Instr::Badrecord { a } => return Cold::Raise(err2(atom::BADRECORD, reg!(*a).clone())),
            Instr::BadBool { a } => return Cold::Raise(err2(atom::BADARG, reg!(*a).clone())),
            Instr::CaseClause { a } => {
                return Cold::Raise(err2(atom::CASE_CLAUSE, reg!(*a).clone()))
            }
            Instr::IfClause => return Cold::Raise(error(Term::Atom(atom::IF_CLAUSE))),
            Instr::FunctionClause => {
                return Cold::Raise(Ctl::Exc(Box::new(Exc {
                    class: atom::ERROR,
                    reason: Term::Atom(atom::FUNCTION_CLAUSE),
                    frames: Vec::new(),
                    args: Some((m.name, f.name, self.regs[bp..bp + f.arity].to_vec())),
                })))
            }
            Instr::TryEnter {
                handler,
                class,
                reason,
                stack,
                after,
            } => self.handlers.push(Handler {
                depth: self.calls.len(),
                pc: *handler,
                class: *class,
                reason: *reason,
                stack: *stack,
                after: *after,
            }),
            Instr::TryEnd => {
                self.handlers.pop();
            }
            Instr::Reraise {
                class,
                reason,
                stack,
            } => {
                let c = reraise(
                    &reg!(*class),
                    &reg!(*reason),
                    &reg!(*stack),
                    (m.name, f.name, f.arity),
                );
                return Cold::Raise(c);
            }
            Instr::CatchValue {
                class,
                reason,
                stack,
                dst,
            } => {
                let r = reg!(*reason).clone();
                let v = match reg!(*class) {
                    Term::Atom(atom::THROW) => r,
                    Term::Atom(atom::EXIT) => Term::tuple(vec![Term::Atom(atom::EXIT_TAG), r]),
                    _ => Term::tuple(vec![
                        Term::Atom(atom::EXIT_TAG),
                        Term::tuple(vec![r, reg!(*stack).clone()]),
                    ]),
                };
                put!(*dst, v);
            }
            Instr::MakeExtFun {
                dst,
                m: mr,
                f: fr,
                a,
            } => {
                let v = match (&reg!(*mr), &reg!(*fr), &reg!(*a)) {
                    (Term::Atom(ma), Term::Atom(fa), Term::Int(n)) if (0..=255).contains(n) => {
                        Term::Fun(Rc::new(Fun {
                            kind: FunKind::External {
                                module: *ma,
                                function: *fa,
                            },
                            arity: *n as usize,
                        }))
                    }
                    _ => return Cold::Raise(badarg()),
                };
                put!(*dst, v);
            }
            Instr::SetElems {
                dst,
                base,
                start,
                idx,
            } => {
                let Term::Tuple(t) = &reg!(*base) else {
                    return Cold::Raise(error(Term::atom("vm_internal_set_elems")));
                };
                let mut t: Vec<Term> = t.to_vec();
                for (k, i) in idx.iter().enumerate() {
                    match t.get_mut(*i as usize) {
                        Some(slot) => *slot = reg!(*start + k as u32).clone(),
                        None => return Cold::Raise(error(Term::atom("vm_internal_set_elems"))),
                    }
                }
                put!(*dst, Term::tuple(t));
            }
            Instr::BsBuild { dst, segs } => {
                if let Err(c) = crate::interp::check_seg_sizes(
                    segs.iter().map(|g| (g.size.map(|r| &reg!(r)), g.unit)),
                ) {
                    return Cold::Raise(c);
                }
                let mut bb = crate::bitsyntax::BitBuilder::default();
                for g in segs.iter() {
                    let size = g.size.map(|r| &reg!(r));
                    if let Err(c) = crate::interp::push_seg(
                        &mut bb,
                        g.ty,
                        g.unit,
                        g.little,
                        &reg!(g.value),
                        size,
                    ) {
                        return Cold::Raise(c);
                    }
                }
                put!(*dst, bb.finish());
            }
            Instr::IsMap { a, fail } => {
                if !matches!(&reg!(*a), Term::Map(_)) {
                    return Cold::Jump(*fail);
                }
            }
            Instr::GetMapElem { a, key, dst, fail } => {
                let v = match &reg!(*a) {
                    Term::Map(map) => map.get(&MapKey(reg!(*key).clone())).cloned(),
                    _ => None,
                };
                match v {
                    Some(v) => put!(*dst, v),
                    None => return Cold::Jump(*fail),
                }
            }
            Instr::BsStart { a, bin, off, fail } => {
                if let Term::Bin(_) = &reg!(*a) {
                    let b = reg!(*a).clone();
                    put!(*bin, b);
                    put!(*off, Term::Int(0));
                } else {
                    return Cold::Jump(*fail);
                }
            }
            Instr::BsGet {
                bin,
                off,
                size,
                ty,
                unit,
                signed,
                little,
                last,
                dst,
                fail,
            } => {
                let (Term::Bin(b), Term::Int(o)) = (&reg!(*bin), &reg!(*off)) else {
                    return Cold::Raise(error(Term::atom("vm_internal_bs_get")));
                };
                let sz = size.map(|r| &reg!(r));
                match crate::interp::read_seg(
                    b,
                    *o as usize,
                    *ty,
                    *unit,
                    *signed,
                    *little,
                    sz,
                    *last,
                ) {
                    Some((v, next)) => {
                        put!(*off, Term::Int(next as i64));
                        put!(*dst, v);
                    }
                    None => return Cold::Jump(*fail),
                }
            }
            Instr::BsEnd { bin, off, fail } => {
                let done = matches!((&reg!(*bin), &reg!(*off)), (Term::Bin(b), Term::Int(o)) if *o as usize == b.len);
                if !done {
                    return Cold::Jump(*fail);
                }
            }
            Instr::BadGenerator { a } => {
                return Cold::Raise(err2(Atom::intern("bad_generator"), reg!(*a).clone()))
            }
            Instr::BadFilter { a } => {
                return Cold::Raise(err2(Atom::intern("bad_filter"), reg!(*a).clone()))
            }
            Instr::TryClause { a } => return Cold::Raise(err2(atom::TRY_CLAUSE, reg!(*a).clone())),
            Instr::RecvTimeout { t, dst } => {
                let d = match reg!(*t) {
                    Term::Atom(atom::INFINITY) | Term::Big(_) => Term::Nil,
                    Term::Int(n) if n >= 0 => Term::Int((self.rt.now_ms() + n as u64) as i64),
                    _ => return Cold::Raise(error(Term::atom("timeout_value"))),
                };
                put!(*dst, d);
            }
            Instr::RecvPoll => {
                if let Some(r) = self.rt.take_kill(self.pid) {
                    self.dying = true;
                    return Cold::Raise(crate::interp::raise(atom::EXIT, r));
                }
                self.rt.clone().drain_inbox(self);
            }
            Instr::LoopRec { cursor, dst, empty } => {
                let Term::Int(k) = reg!(*cursor) else {
                    return Cold::Raise(error(Term::atom("vm_internal_cursor")));
                };
                match self.mailbox.get(k as usize) {
                    Some(msg) => {
                        let msg = msg.clone();
                        put!(*dst, msg);
                    }
                    None => return Cold::Jump(*empty),
                }
            }
            Instr::LoopRecNext { cursor, to } => {
                if let Term::Int(k) = reg!(*cursor) {
                    put!(*cursor, Term::Int(k + 1));
                }
                return Cold::Jump(*to);
            }
            Instr::RemoveMessage { cursor } => {
                if let Term::Int(k) = reg!(*cursor) {
                    self.mailbox.remove(k as usize);
                }
            }
            Instr::Wait {
                deadline,
                poll,
                timeout,
            } => {
                let dl = match deadline {
                    Some(r) => match reg!(*r) {
                        Term::Int(d) => Some(d as u64),
                        _ => None,
                    },
                    None => None,
                };
                if let Some(d) = dl {
                    if self.rt.now_ms() >= d {
                        return Cold::Jump(*timeout);
                    }
                }
                self.cur = Some((m.name, f.name, f.arity, f.line));
                if !self.rt.clone().wait_for_message(self, dl) {
                    // Nothing can ever arrive (no other process, no timer): OTP would hang forever.
                    return Cold::Raise(crate::interp::raise(atom::EXIT, Term::atom("deadlock")));
                }
                return Cold::Jump(*poll);
            }
            Instr::MatchEsc { pat, a, fail } => {
                let v = reg!(*a).clone();
                match self.pmatch(&f.code.pats[*pat as usize], &v, bp, m) {
                    Ok(true) => {}
                    Ok(false) => return Cold::Jump(*fail),
                    Err(c) => return Cold::Raise(c),
                }
            }
            Instr::GuardEsc { e, fail } => {
                self.cur = Some((m.name, f.name, f.arity, f.line));
                if !matches!(
                    self.eval(&f.code.escapes[*e as usize], bp, m),
                    Ok(Term::Atom(atom::TRUE))
                ) {
                    return Cold::Jump(*fail);
                }
            }
            Instr::Esc { e, dst } => {
                self.cur = Some((m.name, f.name, f.arity, f.line));
                let r = self.eval(&f.code.escapes[*e as usize], bp, m);
                return Cold::Value(r, *dst);
            }
            // Every other instruction runs in `run_loop` itself.
            _ => {
                debug_assert!(false, "a hot instruction reached step_cold");
                return Cold::Raise(error(Term::atom("vm_internal_cold")));
            }
        }
        Cold::Next
    }
}

impl Proc {
    /// The fast path of `run_loop`: the instructions of tight sequential code (moves,
    /// small-integer arithmetic, clause tests and selection, list construction, local calls
    /// and returns) in a loop small enough that the instruction pointer, the frame pointer
    /// and the frame's base stay in machine registers (in `run_loop`, whose arms call out to
    /// everything, they are stored and reloaded around every instruction). It returns,
    /// having run none of it, at the first instruction it does not take on: any other
    /// instruction, an overflowing or non-integer operand, a return into another module or
    /// out of the loop's entry frame, a call that would yield or grow past `MAX_REGS`.
    /// `run_loop` then runs that instruction and calls this again.
    // `fp` is re-derived where the register file grows, then again on entering the frame.
    #[allow(unused_assignments)]
    #[inline(never)]
    fn run_fast<'a>(
        &mut self,
        m: &Rc<Module>,
        entry: usize,
        fs: &mut &'a FunDef,
        ips: &mut *const Instr,
        bps: &mut usize,
    ) {
        let mut f: &'a FunDef = fs;
        let mut ip = *ips;
        let mut bp = *bps;
        let mut fp: *mut Term = self.regs.as_mut_ptr().wrapping_add(bp);
        macro_rules! reg {
            ($r:expr) => {
                *{
                    debug_assert!(
                        ($r as usize) < f.code.frame as usize
                            && bp + ($r as usize) < self.regs.len()
                            && std::ptr::eq(fp, self.regs.as_mut_ptr().wrapping_add(bp)),
                        "register r{} outside the frame of {}/{}",
                        $r,
                        f.name.name(),
                        f.arity
                    );
                    // SAFETY: as in `run_loop`: the frame covers the registers its
                    // instructions name and `fp` is `regs[bp]`'s address, re-derived after
                    // anything that may move the file.
                    unsafe { &*fp.add($r as usize) }
                }
            };
        }
        macro_rules! put {
            ($r:expr, $v:expr) => {{
                let v: Term = $v;
                debug_assert!(
                    ($r as usize) < f.code.frame as usize
                        && bp + ($r as usize) < self.regs.len()
                        && std::ptr::eq(fp, self.regs.as_mut_ptr().wrapping_add(bp)),
                    "register r{} outside the frame of {}/{}",
                    $r,
                    f.name.name(),
                    f.arity
                );
                // SAFETY: as for `reg!`.
                let slot = unsafe { &mut *fp.add($r as usize) };
                if slot.is_immediate() {
                    // SAFETY: the old value owns nothing.
                    unsafe { std::ptr::write(slot, v) }
                } else {
                    *slot = v;
                }
            }};
        }
        macro_rules! jump {
            ($l:expr) => {{
                let l = $l as usize;
                debug_assert!(l < f.code.instrs.len(), "label {l} past the end");
                // SAFETY: labels point inside their function's code (see `run_loop`).
                ip = unsafe { f.code.instrs.as_ptr().add(l) };
            }};
        }
        // Leaves the fast loop before the current instruction (which `run_loop` runs).
        macro_rules! out {
            () => {{
                *fs = f;
                // SAFETY: `ip` was advanced past an instruction of `f`'s code.
                *ips = unsafe { ip.sub(1) };
                *bps = bp;
                return;
            }};
        }
        // Runs the function's native code when it has some (`jit.rs`) and `ip` is at its first
        // instruction, counting the call first (`jit_entry!`, a call) or not (`jit_resume!`,
        // where this loop starts). Native code entered here always hands back (a return at
        // native depth 0 does): the interpreter then rebuilds the frames of the native calls
        // still running, innermost last, and goes on at the instruction native code stopped
        // at.
        macro_rules! jit_resume {
            () => {{
                match f.jit.entry() {
                    // Native code starts only at a function's first instruction (its analysis
                    // of which registers hold immediates follows the code from there).
                    Some(code) if std::ptr::eq(ip, f.code.instrs.as_ptr()) => {
                        let pc = 0u64;
                        let mut ctx = crate::jit::Ctx {
                            regs: self.regs.as_mut_ptr(),
                            regs_len: self.regs.len() as u64,
                            regs_end: self.regs.as_mut_ptr().wrapping_add(self.regs.len()),
                            reductions: self.reductions,
                            bail_f: f,
                            bail_pc: pc,
                            bail_bp: bp as u64,
                            proc: self as *mut Proc,
                            module: m as *const Rc<Module>,
                            pool: crate::jit::cell_pool(),
                            pid: self.pid,
                            rt: Rc::as_ptr(&self.rt) as u64,
                        };
                        // As `can_ret!` checks: the caller's frame is this loop's own, which
                        // can take a value native code returns (depth 1).
                        let depth = self.calls.len();
                        let can_ret = depth > entry
                            // SAFETY: `depth > entry >= 0`.
                            && unsafe { self.calls.get_unchecked(depth - 1) }
                                .module
                                .is_none();
                        // SAFETY: `code` was compiled for `f`; its frame is `regs[bp..]`, which
                        // covers `f.code.frame` registers; `ctx` outlives the call.
                        let w = unsafe { code(&mut ctx, fp as u64, pc, u64::from(can_ret)) };
                        self.reductions = ctx.reductions;
                        if !w.bailed() {
                            // A return (`can_ret` allowed it; native code cleared the frame
                            // and recorded no frame): the value goes to the caller, as a
                            // return instruction's does.
                            debug_assert!(can_ret && self.jit_frames.is_empty());
                            // SAFETY: not a hand-back.
                            let v = unsafe { w.into_term() };
                            let dst = pop_frame!();
                            put!(dst, v);
                        } else {
                            for fr in self.jit_frames.drain(..).rev() {
                                self.calls.push(Frame {
                                    module: None,
                                    f: fr.f,
                                    // SAFETY: a return address native code took from `fr.f`'s code.
                                    ip: unsafe { (*fr.f).code.instrs.as_ptr().add(fr.pc) },
                                    dst: fr.dst,
                                    bp: fr.bp,
                                });
                            }
                            // SAFETY: the function native code stopped in, a function of `m` (native
                            // code calls local functions only).
                            f = unsafe { &*ctx.bail_f };
                            bp = ctx.bail_bp as usize;
                            // SAFETY: an instruction index of `f`'s code.
                            ip = unsafe { f.code.instrs.as_ptr().add(ctx.bail_pc as usize) };
                            fp = self.regs.as_mut_ptr().wrapping_add(bp);
                            if self.fast_err.is_some() {
                                // A BIF native code called raised: `run_loop` raises it, with `ip`
                                // past the BIF's instruction (as `run_fast`'s own BIF calls leave it).
                                *fs = f;
                                *ips = ip;
                                *bps = bp;
                                return;
                            }
                        }
                    }
                    _ => {}
                }
            }};
        }
        macro_rules! jit_entry {
            () => {{
                if f.jit.hit() {
                    // SAFETY: local callees are functions of `m`.
                    let idx = unsafe { (f as *const FunDef).offset_from(m.funs.as_ptr()) };
                    crate::jit::compile(m, idx as usize);
                }
                jit_resume!();
            }};
        }
        // Enters local function `$callee` with a new frame at `$base` (the caller suspended
        // with its result going to `$dst`), or for a tail call with its `$n` arguments moved
        // down to `bp`.
        macro_rules! call_local {
            ($callee:expr, $base:expr, $dst:expr) => {{
                let callee: &'a FunDef = $callee;
                let nbp = bp + $base as usize;
                can_call!(nbp + callee.code.frame as usize);
                self.calls.push(Frame {
                    module: None,
                    f,
                    ip,
                    dst: $dst,
                    bp,
                });
                bp = nbp;
                f = callee;
                ip = f.code.instrs.as_ptr();
                fp = self.regs.as_mut_ptr().wrapping_add(bp);
                jit_entry!();
            }};
        }
        macro_rules! tail_local {
            ($callee:expr, $base:expr, $n:expr) => {{
                let callee: &'a FunDef = $callee;
                can_call!(bp + callee.code.frame as usize);
                let (n, base) = ($n as usize, $base as usize);
                for i in 0..n {
                    // SAFETY: both registers are inside the running frame.
                    unsafe { std::ptr::swap(fp.add(i), fp.add(base + i)) };
                }
                // The old frame's values (swapped-out arguments included) are dead; the
                // arguments' registers `base..base + n` lie inside the frame.
                debug_assert!(base + n <= f.code.frame as usize);
                for k in n..f.code.frame as usize {
                    // SAFETY: the running frame's registers (as for `reg!`).
                    let slot = unsafe { &mut *fp.add(k) };
                    if !slot.is_immediate() {
                        *slot = Term::Nil;
                    }
                }
                f = callee;
                ip = f.code.instrs.as_ptr();
                jit_entry!();
            }};
        }
        // Leaves unless the running function returns to a caller in this loop and module.
        macro_rules! can_ret {
            () => {{
                let depth = self.calls.len();
                // SAFETY: `depth > entry >= 0`, so `depth - 1` is an element.
                if depth <= entry
                    || unsafe { self.calls.get_unchecked(depth - 1) }
                        .module
                        .is_some()
                {
                    out!();
                }
            }};
        }
        // Pops the caller's frame (`can_ret!` passed), releases what the callee's registers
        // own and makes the caller the running function; gives the register its result goes
        // to. The frame's fields are read in place (not the whole frame copied out), and the
        // result is stored only after this, by the caller of the macro, so a small integer
        // stays in a machine register instead of going through memory as a `Term`.
        macro_rules! pop_frame {
            () => {{
                let depth = self.calls.len();
                debug_assert!(depth > entry);
                // SAFETY: `can_ret!` checked that the top frame exists and is this loop's.
                let fr = unsafe { self.calls.get_unchecked(depth - 1) };
                debug_assert!(fr.module.is_none());
                let (cf, cip, cbp, dst) = (fr.f, fr.ip, fr.bp, fr.dst);
                // SAFETY: shrinking the length; the popped frame's only field that owns
                // anything, `module`, is `None`.
                unsafe { self.calls.set_len(depth - 1) };
                for k in 0..f.code.frame as usize {
                    // SAFETY: the running frame's registers (as for `reg!`).
                    let slot = unsafe { &mut *fp.add(k) };
                    if !slot.is_immediate() {
                        *slot = Term::Nil;
                    }
                }
                // SAFETY: the frame's function lives in `m` (its `module` is `None`).
                f = unsafe { &*cf };
                bp = cbp;
                ip = cip;
                fp = self.regs.as_mut_ptr().wrapping_add(bp);
                dst
            }};
        }
        // Checks a call whose frame ends at register `$need` can be made here (else leaves,
        // having changed nothing) and makes the register file cover it. The `MAX_REGS` test
        // is needed only when the file grows: it never grows past that.
        macro_rules! can_call {
            ($need:expr) => {{
                let need: usize = $need;
                let r = self.reductions + 1;
                if r & 2047 == 0 {
                    out!();
                }
                if self.regs.len() < need {
                    if need > MAX_REGS {
                        out!();
                    }
                    self.grow(need);
                    fp = self.regs.as_mut_ptr().wrapping_add(bp);
                }
                self.reductions = r;
            }};
        }
        jit_resume!();
        'fetch: loop {
            debug_assert!(
                (ip as usize) < f.code.instrs.as_ptr_range().end as usize,
                "ip past the end of {}",
                f.name.name()
            );
            // SAFETY: as in `run_loop`.
            let ins = unsafe { &*ip };
            ip = unsafe { ip.add(1) };
            let ret: Ret<'a> = 'run: {
                match ins {
                    Instr::Move { dst, src } => {
                        let v = reg!(*src).clone();
                        put!(*dst, v);
                    }
                    Instr::Take { dst, src } => {
                        // The frame check of a read, in debug builds.
                        let _ = &reg!(*src);
                        // SAFETY: as for `reg!`.
                        let v = unsafe { std::ptr::replace(fp.add(*src as usize), Term::Nil) };
                        put!(*dst, v);
                    }
                    Instr::Lit { dst, val } => put!(*dst, val.clone()),
                    Instr::Cons { dst, head, tail } => {
                        let c = Term::cons(reg!(*head).clone(), reg!(*tail).clone());
                        put!(*dst, c);
                    }
                    Instr::ConsTake { dst, head, tail } => {
                        // The debug builds' frame checks, then the move itself.
                        let _ = (&reg!(*head), &reg!(*tail));
                        // SAFETY: as for `reg!`; `lower.rs` emits this only for two
                        // different registers.
                        let (h, t) = unsafe {
                            (
                                std::ptr::replace(fp.add(*head as usize), Term::Nil),
                                std::ptr::replace(fp.add(*tail as usize), Term::Nil),
                            )
                        };
                        put!(*dst, Term::cons(h, t));
                    }
                    Instr::Tuple { dst, start, n } => {
                        let s = *start as usize;
                        // SAFETY: as in `run_loop`: the elements' registers are inside the
                        // running frame, and `take_from` leaves each a valid term (nil).
                        let regs =
                            unsafe { std::slice::from_raw_parts_mut(fp.add(s), *n as usize) };
                        let t = Tuple::take_from(regs);
                        put!(*dst, Term::Tuple(t));
                    }
                    Instr::Bif {
                        f: bif,
                        dst,
                        args,
                        fast,
                    } => {
                        // The BIFs computed in place, when their arguments make them
                        // succeed: no call, no argument copies, no result through memory.
                        let quick = match fast {
                            FastBif::No => None,
                            FastBif::SelfPid => Some(Term::Pid(self.pid)),
                            FastBif::Element => match (&reg!(args[0]), &reg!(args[1])) {
                                (Term::Int(i), Term::Tuple(t)) if *i >= 1 => {
                                    t.get(*i as usize - 1).cloned()
                                }
                                _ => None,
                            },
                            FastBif::TupleSize => match &reg!(args[0]) {
                                Term::Tuple(t) => Some(Term::Int(t.len() as i64)),
                                _ => None,
                            },
                        };
                        if let Some(v) = quick {
                            put!(*dst, v);
                            continue 'fetch;
                        }
                        // A BIF is called here as `run_loop` would call it (no reduction, no
                        // `cur`), so the loop is not left for it. It may run Erlang code or
                        // grow the register file: `fp` is re-derived after it. An exception
                        // goes to `run_loop` through `fast_err`, with `ip` past this
                        // instruction (the BIF ran and must not run again).
                        let r = match args.len() {
                            0 => bif(self, &[]),
                            1 => {
                                let a = [reg!(args[0]).clone()];
                                bif(self, &a)
                            }
                            2 => {
                                let a = [reg!(args[0]).clone(), reg!(args[1]).clone()];
                                bif(self, &a)
                            }
                            _ => out!(),
                        };
                        fp = self.regs.as_mut_ptr().wrapping_add(bp);
                        let r = match r {
                            Err(t @ Ctl::Tail) => self.finish_tail_in(t, m),
                            r => r,
                        };
                        fp = self.regs.as_mut_ptr().wrapping_add(bp);
                        match r {
                            Ok(v) => put!(*dst, v),
                            Err(c) => {
                                self.fast_err = Some(c);
                                *fs = f;
                                *ips = ip;
                                *bps = bp;
                                return;
                            }
                        }
                    }
                    Instr::Op { op, dst, a, b } => {
                        let r = match (&reg!(*a), &reg!(*b)) {
                            (Term::Int(x), Term::Int(y)) => int_op(*op, *x, *y),
                            (x, y) => float_op(*op, x, y),
                        };
                        match r {
                            Some(r) => put!(*dst, r),
                            None => out!(),
                        }
                    }
                    Instr::OpInt { op, dst, a, k } => {
                        let r = match reg!(*a) {
                            Term::Int(x) => int_op(*op, x, *k),
                            ref x => float_op(*op, x, &Term::Int(*k)),
                        };
                        match r {
                            Some(r) => put!(*dst, r),
                            None => out!(),
                        }
                    }
                    // Every return arm breaks out of the match with its value (one copy of the
                    // frame-popping code below, not one per arm: fewer copies keep `ip` in a
                    // machine register). A small integer travels as an `i64`, a literal by
                    // reference: neither goes through memory as a `Term`.
                    Instr::ReturnLit { val } => break 'run Ret::Lit(val),
                    Instr::ReturnOp { op, a, b } => {
                        if let (Term::Int(x), Term::Int(y)) = (&reg!(*a), &reg!(*b)) {
                            let (x, y) = (*x, *y);
                            if let Some(r) = int_arith(*op, x, y) {
                                match r {
                                    Some(r) => break 'run Ret::Int(r),
                                    None => out!(),
                                }
                            }
                            match int_op(*op, x, y) {
                                Some(r) => break 'run Ret::Term(r),
                                None => out!(),
                            }
                        }
                        match float_op(*op, &reg!(*a), &reg!(*b)) {
                            Some(r) => break 'run Ret::Term(r),
                            None => out!(),
                        }
                    }
                    Instr::ReturnOpInt { op, a, k } => {
                        if let Term::Int(x) = reg!(*a) {
                            if let Some(r) = int_arith(*op, x, *k) {
                                match r {
                                    Some(r) => break 'run Ret::Int(r),
                                    None => out!(),
                                }
                            }
                            match int_op(*op, x, *k) {
                                Some(r) => break 'run Ret::Term(r),
                                None => out!(),
                            }
                        }
                        match float_op(*op, &reg!(*a), &Term::Int(*k)) {
                            Some(r) => break 'run Ret::Term(r),
                            None => out!(),
                        }
                    }
                    Instr::Return { src } => {
                        // Checked before the register is emptied: leaving must change nothing.
                        can_ret!();
                        // SAFETY: as for `reg!`.
                        let v = unsafe { std::ptr::replace(fp.add(*src as usize), Term::Nil) };
                        break 'run Ret::Term(v);
                    }
                    Instr::Call { fun, base, dst } => {
                        call_local!(fun_of_ref(m, *fun as usize), *base, *dst)
                    }
                    Instr::TailCall { fun, base, n } => {
                        tail_local!(fun_of_ref(m, *fun as usize), *base, *n)
                    }
                    Instr::CallExt {
                        m: md,
                        f: fname,
                        base,
                        n,
                        tail,
                        dst,
                        bif: None,
                    } => match self.site_in(ins, *md, *fname, m, f) {
                        Some(callee) if *tail => tail_local!(callee, *base, *n),
                        Some(callee) => call_local!(callee, *base, *dst),
                        None => out!(),
                    },
                    Instr::GuardOp {
                        op,
                        dst,
                        a,
                        b,
                        fail: _,
                    } => match (&reg!(*a), &reg!(*b)) {
                        (Term::Int(x), Term::Int(y)) => match int_op(*op, *x, *y) {
                            Some(r) => put!(*dst, r),
                            None => out!(),
                        },
                        _ => out!(),
                    },
                    Instr::Jump { to } => jump!(*to),
                    Instr::IsInt { a, k, fail } => {
                        if !matches!(reg!(*a), Term::Int(x) if x == *k) {
                            jump!(*fail);
                        }
                    }
                    Instr::IsAtom { a, atom, fail } => {
                        if !matches!(reg!(*a), Term::Atom(x) if x == *atom) {
                            jump!(*fail);
                        }
                    }
                    Instr::IsNil { a, fail } => {
                        if !matches!(reg!(*a), Term::Nil) {
                            jump!(*fail);
                        }
                    }
                    Instr::GetList {
                        a,
                        head,
                        tail,
                        fail,
                    } => {
                        if let Term::Cons(c) = &reg!(*a) {
                            let (h, t) = (c.head.clone(), c.tail.clone());
                            put!(*head, h);
                            put!(*tail, t);
                        } else {
                            jump!(*fail);
                        }
                    }
                    Instr::GetHd { a, dst, fail } => {
                        if let Term::Cons(c) = &reg!(*a) {
                            let h = c.head.clone();
                            put!(*dst, h);
                        } else {
                            jump!(*fail);
                        }
                    }
                    Instr::GetTl { a, dst, fail } => {
                        if let Term::Cons(c) = &reg!(*a) {
                            let t = c.tail.clone();
                            put!(*dst, t);
                        } else {
                            jump!(*fail);
                        }
                    }
                    Instr::GetTlN { a, n, dst, fail } => {
                        let mut t = &reg!(*a);
                        let mut ok = true;
                        for _ in 0..*n {
                            match t {
                                Term::Cons(c) => t = &c.tail,
                                _ => {
                                    ok = false;
                                    break;
                                }
                            }
                        }
                        if ok {
                            let v = t.clone();
                            put!(*dst, v);
                        } else {
                            jump!(*fail);
                        }
                    }
                    Instr::HdIsInt { a, k, fail } => {
                        if !matches!(&reg!(*a), Term::Cons(c) if matches!(c.head, Term::Int(x) if x == *k))
                        {
                            jump!(*fail);
                        }
                    }
                    Instr::HdIsAtom { a, atom, fail } => {
                        if !matches!(&reg!(*a), Term::Cons(c) if matches!(c.head, Term::Atom(x) if x == *atom))
                        {
                            jump!(*fail);
                        }
                    }
                    Instr::IsTuple { a, n, fail } => {
                        if !matches!(&reg!(*a), Term::Tuple(t) if t.len() == *n as usize) {
                            jump!(*fail);
                        }
                    }
                    Instr::GetElem { a, i, dst } => {
                        let v = match &reg!(*a) {
                            Term::Tuple(t) => t.get(*i as usize).cloned(),
                            _ => None,
                        };
                        match v {
                            Some(v) => put!(*dst, v),
                            None => out!(),
                        }
                    }
                    Instr::IsLit { a, val, fail } => {
                        if !term::exact_eq(&reg!(*a), val) {
                            jump!(*fail);
                        }
                    }
                    Instr::IsEq { a, b, fail } => {
                        if !term::exact_eq(&reg!(*a), &reg!(*b)) {
                            jump!(*fail);
                        }
                    }
                    Instr::IsType { a, ty, fail } => {
                        if !ty.holds(&reg!(*a)) {
                            jump!(*fail);
                        }
                    }
                    Instr::CmpInt { op, a, k, fail } => match reg!(*a) {
                        Term::Int(x) => {
                            if !int_holds(*op, x, *k) {
                                jump!(*fail);
                            }
                        }
                        _ => out!(),
                    },
                    Instr::Cmp { op, a, b, fail } => match (&reg!(*a), &reg!(*b)) {
                        (Term::Int(x), Term::Int(y)) => {
                            if !int_holds(*op, *x, *y) {
                                jump!(*fail);
                            }
                        }
                        _ => out!(),
                    },
                    Instr::Switch { a, table } => jump!(table.target(&reg!(*a))),
                    Instr::Select { table } => {
                        // SAFETY: the running frame's registers, `f.code.frame` of them.
                        let frame =
                            unsafe { std::slice::from_raw_parts(fp, f.code.frame as usize) };
                        jump!(table.target(frame))
                    }
                    _ => out!(),
                }
                continue 'fetch;
            };
            // A return arm's value, to a caller in this loop and module (else leave).
            can_ret!();
            let dst = pop_frame!();
            match ret {
                Ret::Int(r) => put!(dst, Term::Int(r)),
                Ret::Lit(v) => put!(dst, v.clone()),
                Ret::Term(v) => put!(dst, v),
            }
        }
    }
}

/// The value a return instruction of `run_fast` hands to its one frame-popping sequence.
enum Ret<'a> {
    Int(i64),
    Lit(&'a Term),
    Term(Term),
}

impl Proc {
    /// For `run_fast`: the function of module `m` that the remote call site `site` (`md:f`)
    /// resolved to before, if it is in `m` itself (a `?MODULE:f(...)` call, a server loop);
    /// then the call is made as a local one, with the
    /// current function recorded as `run_loop`'s `call_ext` does.
    #[inline(never)]
    pub(crate) fn site_in<'a>(
        &mut self,
        site: &Instr,
        md: atom::Atom,
        f: atom::Atom,
        m: &Rc<Module>,
        cur: &FunDef,
    ) -> Option<&'a FunDef> {
        // A hit also means no native takes `md:f` (registering one starts a new epoch).
        match self.site_hit(site, md, f) {
            Some(Err((module, idx))) if Rc::ptr_eq(&module, m) => {
                self.cur = Some((m.name, cur.name, cur.arity, cur.line));
                Some(fun_of_ref(m, idx as usize))
            }
            _ => None,
        }
    }
}

/// `fun_of` for a module borrowed from a live `Rc`.
#[inline(always)]
fn fun_of_ref<'a>(m: &Module, idx: usize) -> &'a FunDef {
    debug_assert!(idx < m.funs.len(), "function #{idx} of {}", m.name.name());
    // SAFETY: as in `fun_of`: the module outlives every use of the reference (`run_loop`
    // holds it for as long as `run_fast` runs).
    unsafe { &*m.funs.as_ptr().add(idx) }
}
