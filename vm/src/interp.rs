//! The process state (`Proc`) and the tree evaluator: evaluates the subtrees that the
//! bytecode (`exec.rs`) escapes to (receive, try/catch, comprehensions, bit syntax, maps,
//! records) over the same frame registers, plus patterns, exceptions and sends. Calls made
//! from such a subtree re-enter the bytecode loop; in tail position they come back as a
//! `Ctl::Tail` for the loop to run in constant space.

use crate::arith;
use crate::atom::{self, Atom};
use crate::bitsyntax::{self, BitBuilder};
use crate::code::*;
use crate::runtime::Runtime;
use crate::term::{self, Fun, FunKind, MapKey, Term};
use num_traits::ToPrimitive;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

pub struct Exc {
    pub class: Atom,
    pub reason: Term,
    /// Frames collected while the exception unwinds: (module, function, arity, line).
    pub frames: Vec<(Atom, Atom, usize, u32)>,
    /// For function_clause/undef: the arguments of the failing call.
    pub args: Option<(Atom, Atom, Vec<Term>)>,
}

pub struct TailCall {
    pub module: Rc<Module>,
    pub idx: usize,
    pub args: Vec<Term>,
    pub fun: Option<Rc<Fun>>,
}

/// Why evaluation left the normal path: an exception, or a tail call for the caller's
/// trampoline to run (its target is in `Proc::pending_tail`). One word, so `Res` is 16
/// bytes and comes back in registers.
pub enum Ctl {
    Exc(Box<Exc>),
    Tail,
}

/// The tail call a `Ctl::Tail` stands for.
pub enum PendingTail {
    None,
    /// Function `.0` of the current module; its `.1` arguments sit on top of the register
    /// file (no allocation: the common loop case).
    Local(u32, u32),
    Call(Box<TailCall>),
}

pub type Res = Result<Term, Ctl>;

pub fn raise(class: Atom, reason: Term) -> Ctl {
    Ctl::Exc(Box::new(Exc {
        class,
        reason,
        frames: Vec::new(),
        args: None,
    }))
}
pub fn error(reason: Term) -> Ctl {
    raise(atom::ERROR, reason)
}
pub fn badarg() -> Ctl {
    error(Term::Atom(atom::BADARG))
}
pub fn badarith() -> Ctl {
    error(Term::Atom(atom::BADARITH))
}
fn err2(a: Atom, v: Term) -> Ctl {
    error(Term::tuple(vec![Term::Atom(a), v]))
}

pub struct Proc {
    pub rt: Rc<Runtime>,
    /// This process's coroutine handle, to give the thread back to the scheduler.
    pub yielder: *const corosensei::Yielder<bool, ()>,
    pub pid: u64,
    pub regs: Vec<Term>,
    /// Address of a local near the bottom of this process's Rust stack.
    pub stack_base: usize,
    pub stack_limit: usize,
    pub mailbox: VecDeque<Term>,
    pub reductions: u64,
    pub dict: Vec<(Term, Term)>,
    pub trap_exit: bool,
    pub group_leader: Term,
    /// Set once an exit signal kills this process: `catch` and `try` no longer stop it.
    pub dying: bool,
    /// The function being evaluated (module, name, arity): the innermost frame of a stack
    /// trace built where an exception is caught.
    pub cur: Option<(Atom, Atom, usize, u32)>,
    /// The target of the `Ctl::Tail` being returned.
    pub pending_tail: PendingTail,
    /// An exception a BIF raised in `run_fast` (`exec.rs`), for `run_loop` to raise: the
    /// BIF ran, so its instruction cannot be handed back to be run again.
    pub(crate) fast_err: Option<Ctl>,
    /// The bytecode loop's suspended callers (`exec.rs`).
    pub(crate) calls: Vec<crate::exec::Frame>,
    /// The frames native code left when it handed back (`jit.rs`), innermost first.
    pub(crate) jit_frames: Vec<crate::jit::BailFrame>,
    /// The bytecode loop's active exception handlers (`try`, `catch`), innermost last.
    pub(crate) handlers: Vec<crate::exec::Handler>,
}

const MAX_STACK_USE: usize = 3 << 30;

impl Proc {
    pub fn new(rt: Rc<Runtime>, pid: u64) -> Proc {
        Proc {
            rt,
            yielder: std::ptr::null(),
            pid,
            regs: Vec::with_capacity(32),
            stack_base: 0,
            stack_limit: MAX_STACK_USE,
            mailbox: VecDeque::new(),
            reductions: 0,
            dict: Vec::new(),
            trap_exit: false,
            group_leader: Term::Nil,
            dying: false,
            cur: None,
            pending_tail: PendingTail::None,
            fast_err: None,
            calls: Vec::new(),
            jit_frames: Vec::new(),
            handlers: Vec::new(),
        }
    }

    /// Gives the thread back to the scheduler until it resumes this process; false when it
    /// resumes it to report a deadlock.
    pub fn suspend(&mut self) -> bool {
        if self.yielder.is_null() {
            return false;
        }
        // SAFETY: set by the coroutine that runs this process, whose stack frame (and so the
        // Yielder) outlives every use of the Proc inside it.
        unsafe { (*self.yielder).suspend(()) }
    }

    pub(crate) fn check_stack(&self) -> Result<(), Ctl> {
        let here = 0u8;
        let addr = &here as *const u8 as usize;
        if self.stack_base != 0 && self.stack_base.saturating_sub(addr) > self.stack_limit {
            return Err(error(Term::Atom(atom::SYSTEM_LIMIT)));
        }
        Ok(())
    }

    pub fn invoke(
        &mut self,
        module: Rc<Module>,
        idx: usize,
        args: Vec<Term>,
        fun: Option<Rc<Fun>>,
    ) -> Res {
        self.invoke_ref(&module, idx, args, fun)
    }

    /// Calls function `idx` of `module` (or a closure `fun`) with `args`.
    pub fn invoke_ref(
        &mut self,
        module: &Rc<Module>,
        idx: usize,
        args: Vec<Term>,
        fun: Option<Rc<Fun>>,
    ) -> Res {
        let base = self.regs.len();
        self.regs.extend(args);
        self.invoke_at(module, idx, base, fun)
    }

    /// Runs function `idx` whose arguments are already in `regs[bp..bp + arity]` (they become
    /// the first registers of its frame): the bytecode loop (`exec.rs`) runs it and every call
    /// it makes, until it returns.
    fn invoke_at(
        &mut self,
        module: &Rc<Module>,
        idx: usize,
        bp: usize,
        fun: Option<Rc<Fun>>,
    ) -> Res {
        self.run_bc(module, idx, bp, fun)
    }

    /// Every 2048 reductions: let others run, then take a pending kill.
    #[inline(never)]
    pub(crate) fn yield_point(&mut self) -> Result<(), Ctl> {
        self.rt.clone().maybe_yield(self);
        if let Some(r) = self.rt.take_kill(self.pid) {
            self.dying = true;
            return Err(raise(atom::EXIT, r));
        }
        Ok(())
    }

    /// Puts a closure's captured values (and itself, for a named fun) into its frame.
    #[inline(never)]
    pub(crate) fn bind_closure(&mut self, f: &FunDef, fun: &Rc<Fun>, bp: usize) {
        if let FunKind::Local { env, .. } = &fun.kind {
            for (s, v) in f.env_slots.iter().zip(env.iter()) {
                self.regs[bp + *s as usize] = v.clone();
            }
        }
        if let Some(s) = f.self_slot {
            self.regs[bp + s as usize] = Term::Fun(fun.clone());
        }
    }

    #[inline]
    pub fn body(&mut self, es: &[E], bp: usize, m: &Rc<Module>) -> Res {
        let n = es.len();
        for e in &es[..n - 1] {
            self.eval(e, bp, m)?;
        }
        self.eval_leaf(&es[n - 1], bp, m)
    }

    #[inline]
    fn guard(&mut self, g: &[Vec<E>], bp: usize, m: &Rc<Module>) -> bool {
        if g.is_empty() {
            return true;
        }
        self.guard_slow(g, bp, m)
    }

    fn guard_slow(&mut self, g: &[Vec<E>], bp: usize, m: &Rc<Module>) -> bool {
        'alt: for conj in g {
            for e in conj {
                match self.eval(e, bp, m) {
                    Ok(v) if v.is_true() => {}
                    _ => continue 'alt,
                }
            }
            return true;
        }
        false
    }

    fn args(&mut self, es: &[E], bp: usize, m: &Rc<Module>) -> Result<Vec<Term>, Ctl> {
        let mut v = Vec::with_capacity(es.len());
        for e in es {
            v.push(self.eval(e, bp, m)?);
        }
        Ok(v)
    }

    /// `eval` with the leaf expressions (variables, constants, `Var op Int`) done in place:
    /// no call, and the result stays in registers instead of coming back through memory.
    #[inline(always)]
    fn eval_leaf(&mut self, e: &E, bp: usize, m: &Rc<Module>) -> Res {
        match e {
            E::Var(s) => Ok(self.regs[bp + *s as usize].clone()),
            E::Lit(t) => Ok(t.clone()),
            E::OpVarInt(op, s, k) => {
                if let Term::Int(x) = self.regs[bp + *s as usize] {
                    if let Some(r) = int_op(*op, x, *k) {
                        return Ok(r);
                    }
                }
                self.eval(e, bp, m)
            }
            // Skips `eval`'s large frame on the way into a call.
            E::CallLocal(i, es, tail) => self.call_local(*i, es, *tail, bp, m),
            _ => self.eval(e, bp, m),
        }
    }

    /// A call to function `i` of this module. Arguments go straight onto the register file,
    /// where they become the first slots of the callee's frame; a tail call leaves them there
    /// for the caller's trampoline.
    fn call_local(&mut self, i: usize, es: &[E], tail: bool, bp: usize, m: &Rc<Module>) -> Res {
        let base = self.regs.len();
        for e in es {
            match self.eval_leaf(e, bp, m) {
                Ok(v) => self.regs.push(v),
                Err(c) => {
                    self.regs.truncate(base);
                    return Err(c);
                }
            }
        }
        if tail {
            self.pending_tail = PendingTail::Local(i as u32, es.len() as u32);
            return Err(Ctl::Tail);
        }
        self.invoke_at(m, i, base, None)
    }

    /// Evaluates an expression. The common node kinds are handled here, in a function with a
    /// small stack frame (every Erlang call passes through it); the rest go to `eval_cold`,
    /// whose frame is large.
    pub fn eval(&mut self, e: &E, bp: usize, m: &Rc<Module>) -> Res {
        match e {
            E::Lit(t) => Ok(t.clone()),
            E::Var(s) => Ok(self.regs[bp + *s as usize].clone()),
            E::Op2(op, a, b) => {
                let a = self.eval_leaf(a, bp, m)?;
                let b = self.eval_leaf(b, bp, m)?;
                if let (Term::Int(x), Term::Int(y)) = (&a, &b) {
                    if let Some(r) = int_op(*op, *x, *y) {
                        return Ok(r);
                    }
                }
                self.op2(*op, a, b)
            }
            E::OpVarInt(..) | E::OpVarVar(..) => self.eval_cold(e, bp, m),
            E::CallLocal(i, es, tail) => self.call_local(*i, es, *tail, bp, m),
            E::Block(es) => self.body(es, bp, m),
            _ => self.eval_cold(e, bp, m),
        }
    }

    #[inline(never)]
    fn eval_cold(&mut self, e: &E, bp: usize, m: &Rc<Module>) -> Res {
        match e {
            E::Lit(t) => Ok(t.clone()),
            E::Var(s) => Ok(self.regs[bp + *s as usize].clone()),
            E::At(_, x) => self.eval(x, bp, m),
            E::Tuple(es) => Ok(Term::tuple(self.args(es, bp, m)?)),
            E::Cons(hs, t) => {
                if let [h] = hs.as_slice() {
                    let h = self.eval(h, bp, m)?;
                    let t = self.eval(t, bp, m)?;
                    return Ok(Term::cons(h, t));
                }
                // Heads first, in order, then the tail (the order [H|T] always had).
                let mut vals = Vec::with_capacity(hs.len());
                for h in hs {
                    vals.push(self.eval(h, bp, m)?);
                }
                let mut acc = self.eval(t, bp, m)?;
                for v in vals.into_iter().rev() {
                    acc = Term::cons(v, acc);
                }
                Ok(acc)
            }
            E::Op2(op, a, b) => {
                let a = self.eval_leaf(a, bp, m)?;
                let b = self.eval_leaf(b, bp, m)?;
                // Small-integer fast paths; everything else goes through `op2`.
                if let (Term::Int(x), Term::Int(y)) = (&a, &b) {
                    if let Some(r) = int_op(*op, *x, *y) {
                        return Ok(r);
                    }
                }
                self.op2(*op, a, b)
            }
            E::OpVarInt(op, s, k) => {
                let a = &self.regs[bp + *s as usize];
                if let Term::Int(x) = a {
                    if let Some(r) = int_op(*op, *x, *k) {
                        return Ok(r);
                    }
                }
                let a = a.clone();
                self.op2(*op, a, Term::Int(*k))
            }
            E::OpVarVar(op, x, y) => {
                let (a, b) = (&self.regs[bp + *x as usize], &self.regs[bp + *y as usize]);
                if let (Term::Int(x), Term::Int(y)) = (a, b) {
                    if let Some(r) = int_op(*op, *x, *y) {
                        return Ok(r);
                    }
                }
                let (a, b) = (a.clone(), b.clone());
                self.op2(*op, a, b)
            }
            E::Op1(op, a) => {
                let a = self.eval(a, bp, m)?;
                match op {
                    Op1::Neg => arith::neg(&a),
                    Op1::Plus => {
                        if a.is_number() {
                            Ok(a)
                        } else {
                            Err(badarith())
                        }
                    }
                    Op1::Bnot => arith::bnot(&a),
                    Op1::Not => match a {
                        Term::Atom(atom::TRUE) => Ok(Term::Atom(atom::FALSE)),
                        Term::Atom(atom::FALSE) => Ok(Term::Atom(atom::TRUE)),
                        _ => Err(badarg()),
                    },
                }
            }
            E::AndAlso(a, b) => match self.eval(a, bp, m)? {
                Term::Atom(atom::FALSE) => Ok(Term::Atom(atom::FALSE)),
                Term::Atom(atom::TRUE) => self.eval(b, bp, m),
                other => Err(err2(atom::BADARG, other)),
            },
            E::OrElse(a, b) => match self.eval(a, bp, m)? {
                Term::Atom(atom::TRUE) => Ok(Term::Atom(atom::TRUE)),
                Term::Atom(atom::FALSE) => self.eval(b, bp, m),
                other => Err(err2(atom::BADARG, other)),
            },
            E::Match(p, v) => {
                let v = self.eval(v, bp, m)?;
                if self.pmatch(p, &v, bp, m)? {
                    Ok(v)
                } else {
                    Err(err2(atom::BADMATCH, v))
                }
            }
            E::CallLocal(i, es, tail) => self.call_local(*i, es, *tail, bp, m),
            E::CallBif(f, _, _, es) => match es.len() {
                // Small argument lists live on the Rust stack: no allocation per BIF call.
                0 => f(self, &[]),
                1 => {
                    let a = [self.eval(&es[0], bp, m)?];
                    f(self, &a)
                }
                2 => {
                    let a0 = self.eval(&es[0], bp, m)?;
                    let a = [a0, self.eval(&es[1], bp, m)?];
                    f(self, &a)
                }
                _ => {
                    let args = self.args(es, bp, m)?;
                    f(self, &args)
                }
            },
            E::CallRemote(md, f, es, tail) => {
                let args = self.args(es, bp, m)?;
                self.call_mfa(*md, *f, args, *tail)
            }
            E::CallDyn(me, fe, es, tail) => {
                let mt = self.eval(me, bp, m)?;
                let ft = self.eval(fe, bp, m)?;
                let args = self.args(es, bp, m)?;
                match (mt, ft) {
                    (Term::Atom(ma), Term::Atom(fa)) => self.call_mfa(ma, fa, args, *tail),
                    (mt, ft) => Err(err2(atom::BADFUN, Term::tuple(vec![mt, ft]))),
                }
            }
            E::Apply(fe, es, tail) => {
                let f = self.eval(fe, bp, m)?;
                let args = self.args(es, bp, m)?;
                self.apply_fun(f, args, *tail)
            }
            E::Case(s, clauses) => {
                let v = self.eval(s, bp, m)?;
                for c in clauses {
                    if self.pmatch(&c.pats[0], &v, bp, m)? && self.guard(&c.guard, bp, m) {
                        return self.body(&c.body, bp, m);
                    }
                }
                Err(err2(atom::CASE_CLAUSE, v))
            }
            E::If(clauses) => {
                for c in clauses {
                    if self.guard(&c.guard, bp, m) {
                        return self.body(&c.body, bp, m);
                    }
                }
                Err(error(Term::Atom(atom::IF_CLAUSE)))
            }
            E::Block(es) => self.body(es, bp, m),
            E::Catch(x) => match self.eval(x, bp, m) {
                Ok(v) => Ok(v),
                Err(Ctl::Exc(e)) if !self.dying => Ok(self.catch_value(*e)),
                Err(e @ Ctl::Exc(_)) => Err(e),
                Err(t) => self.finish_tail_in(t, m).or_else(|c| match c {
                    Ctl::Exc(e) if !self.dying => Ok(self.catch_value(*e)),
                    t => Err(t),
                }),
            },
            E::Try(body, of, catches, after) => self.eval_try(body, of, catches, after, bp, m),
            E::Receive(clauses, after) => self.eval_receive(clauses, after.as_ref(), bp, m),
            E::MakeFun(idx, caps) => {
                let env: Vec<Term> = caps
                    .iter()
                    .map(|s| self.regs[bp + *s as usize].clone())
                    .collect();
                let arity = m.funs[*idx].arity;
                Ok(Term::Fun(Rc::new(Fun {
                    kind: FunKind::Local {
                        module: m.clone(),
                        index: *idx,
                        env,
                    },
                    arity,
                })))
            }
            E::FunRef(me, fe, ae) => {
                let mt = self.eval(me, bp, m)?;
                let ft = self.eval(fe, bp, m)?;
                let at = self.eval(ae, bp, m)?;
                match (mt, ft, at) {
                    (Term::Atom(ma), Term::Atom(fa), Term::Int(a)) if (0..=255).contains(&a) => {
                        Ok(Term::Fun(Rc::new(Fun {
                            kind: FunKind::External {
                                module: ma,
                                function: fa,
                            },
                            arity: a as usize,
                        })))
                    }
                    _ => Err(badarg()),
                }
            }
            E::ListComp(body, quals) => {
                let mut out = Vec::new();
                self.comp(quals, 0, body, bp, m, &mut |_, v| {
                    out.push(v);
                    Ok(())
                })?;
                Ok(Term::list(out))
            }
            E::BinComp(body, quals) => {
                if let Some(bad) = self.bin_comp_lists_check(body, quals, bp, m)? {
                    return Err(bad);
                }
                let mut bb = BitBuilder::default();
                self.comp(quals, 0, body, bp, m, &mut |_, v| match v {
                    Term::Bin(b) => {
                        bb.push_bits(&b);
                        Ok(())
                    }
                    _ => Err(badarg()),
                })?;
                Ok(bb.finish())
            }
            E::MapNew(kvs) => {
                let mut map = BTreeMap::new();
                for (k, v) in kvs {
                    let k = self.eval(k, bp, m)?;
                    let v = self.eval(v, bp, m)?;
                    map.insert(MapKey(k), v);
                }
                Ok(Term::Map(Rc::new(map)))
            }
            E::MapUpdate(base, kvs) => {
                let b = self.eval(base, bp, m)?;
                let Term::Map(mut map) = b else {
                    return Err(err2(atom::BADMAP, b));
                };
                for (k, exact, v) in kvs {
                    let k = self.eval(k, bp, m)?;
                    let v = self.eval(v, bp, m)?;
                    let key = MapKey(k);
                    if *exact && !map.contains_key(&key) {
                        return Err(err2(atom::BADKEY, key.0));
                    }
                    Rc::make_mut(&mut map).insert(key, v);
                }
                Ok(Term::Map(map))
            }
            E::RecField(base, name, size, idx) => {
                let b = self.eval(base, bp, m)?;
                match &b {
                    Term::Tuple(t) if t.len() == *size && t[0].is_atom(*name) => {
                        Ok(t[*idx].clone())
                    }
                    _ => Err(err2(atom::BADRECORD, b)),
                }
            }
            E::RecUpdate(base, name, size, ups) => {
                let b = self.eval(base, bp, m)?;
                let mut t = match &b {
                    Term::Tuple(t) if t.len() == *size && t[0].is_atom(*name) => t.to_vec(),
                    _ => return Err(err2(atom::BADRECORD, b)),
                };
                for (i, e) in ups {
                    t[*i] = self.eval(e, bp, m)?;
                }
                Ok(Term::tuple(t))
            }
            E::Bin(segs) => self.build_bin(segs, bp, m),
        }
    }

    /// Runs a pending tail call to completion (used where a tail position is not really one,
    /// e.g. inside `catch`).
    pub(crate) fn finish_tail_in(&mut self, c: Ctl, m: &Rc<Module>) -> Res {
        match c {
            Ctl::Tail => match std::mem::replace(&mut self.pending_tail, PendingTail::None) {
                PendingTail::Local(i, n) => {
                    let base = self.regs.len() - n as usize;
                    self.invoke_at(m, i as usize, base, None)
                }
                PendingTail::Call(tc) => {
                    let tc = *tc;
                    self.invoke(tc.module, tc.idx, tc.args, tc.fun)
                }
                PendingTail::None => Err(lost_tail()),
            },
            e => Err(e),
        }
    }

    /// Runs a pending tail call produced by a call made with `tail = false` (only remote or
    /// fun calls can be pending there: local tail calls stay inside function bodies).
    fn finish_tail(&mut self, c: Ctl) -> Res {
        match c {
            Ctl::Tail => match std::mem::replace(&mut self.pending_tail, PendingTail::None) {
                PendingTail::Call(tc) => {
                    let tc = *tc;
                    self.invoke(tc.module, tc.idx, tc.args, tc.fun)
                }
                _ => Err(lost_tail()),
            },
            e => Err(e),
        }
    }

    pub(crate) fn catch_value(&mut self, e: Exc) -> Term {
        match e.class {
            atom::THROW => e.reason,
            atom::EXIT => Term::tuple(vec![Term::Atom(atom::EXIT_TAG), e.reason]),
            _ => {
                let st = self.stack_term(&e);
                Term::tuple(vec![
                    Term::Atom(atom::EXIT_TAG),
                    Term::tuple(vec![e.reason, st]),
                ])
            }
        }
    }

    pub fn stack_term(&self, e: &Exc) -> Term {
        let mut v = Vec::new();
        if let Some((m, f, args)) = &e.args {
            v.push(Term::tuple(vec![
                Term::Atom(*m),
                Term::Atom(*f),
                Term::list(args.clone()),
                Term::Nil,
            ]));
        }
        for (m, f, a, _line) in &e.frames {
            if let Some((am, af, aa)) = &e.args {
                if am == m && af == f && aa.len() == *a && v.len() == 1 {
                    continue;
                }
            }
            v.push(Term::tuple(vec![
                Term::Atom(*m),
                Term::Atom(*f),
                Term::Int(*a as i64),
                Term::Nil,
            ]));
        }
        if let Some((m, f, a, _)) = self.cur {
            if !matches!(e.frames.last(), Some((lm, lf, la, _)) if (*lm, *lf, *la) == (m, f, a)) {
                v.push(Term::tuple(vec![
                    Term::Atom(m),
                    Term::Atom(f),
                    Term::Int(a as i64),
                    Term::Nil,
                ]));
            }
        }
        Term::list(v)
    }

    fn eval_try(
        &mut self,
        body: &[E],
        of: &[CClause],
        catches: &[CClause],
        after: &[E],
        bp: usize,
        m: &Rc<Module>,
    ) -> Res {
        let r = match self.body(body, bp, m) {
            Err(t @ Ctl::Tail) => self.finish_tail_in(t, m),
            r => r,
        };
        let r = match r {
            Ok(v) => {
                if of.is_empty() {
                    Ok(v)
                } else {
                    let mut res = None;
                    for c in of {
                        match self.pmatch(&c.pats[0], &v, bp, m) {
                            Ok(true) if self.guard(&c.guard, bp, m) => {
                                res = Some(self.body(&c.body, bp, m));
                                break;
                            }
                            Ok(_) => {}
                            Err(e) => {
                                res = Some(Err(e));
                                break;
                            }
                        }
                    }
                    let r = res.unwrap_or_else(|| Err(err2(atom::TRY_CLAUSE, v)));
                    match r {
                        Err(t @ Ctl::Tail) => self.finish_tail_in(t, m),
                        r => r,
                    }
                }
            }
            Err(Ctl::Exc(e)) if self.dying => Err(Ctl::Exc(e)),
            Err(Ctl::Exc(e)) => {
                let mut res = None;
                let cls = Term::Atom(e.class);
                let st = self.stack_term(&e);
                for c in catches {
                    let ok = self.pmatch(&c.pats[0], &cls, bp, m)?
                        && self.pmatch(&c.pats[1], &e.reason, bp, m)?
                        && self.pmatch(&c.pats[2], &st, bp, m)?
                        && self.guard(&c.guard, bp, m);
                    if ok {
                        res = Some(self.body(&c.body, bp, m));
                        break;
                    }
                }
                match res {
                    Some(Err(t @ Ctl::Tail)) => self.finish_tail_in(t, m),
                    Some(r) => r,
                    None => Err(Ctl::Exc(e)),
                }
            }
            Err(t) => Err(t),
        };
        if !after.is_empty() {
            match self.body(after, bp, m) {
                Ok(_) => {}
                Err(t @ Ctl::Tail) => {
                    self.finish_tail_in(t, m)?;
                }
                Err(e) => return Err(e),
            }
        }
        r
    }

    fn eval_receive(
        &mut self,
        clauses: &[CClause],
        after: Option<&(Box<E>, Vec<E>)>,
        bp: usize,
        m: &Rc<Module>,
    ) -> Res {
        let timeout = match after {
            Some((t, _)) => match self.eval(t, bp, m)? {
                Term::Atom(atom::INFINITY) => None,
                Term::Int(n) if n >= 0 => Some(n as u64),
                Term::Big(_) => None,
                _ => return Err(error(Term::atom("timeout_value"))),
            },
            None => None,
        };
        let deadline = timeout.map(|ms| self.rt.now_ms() + ms);
        let mut scanned = 0usize;
        loop {
            if let Some(r) = self.rt.take_kill(self.pid) {
                self.dying = true;
                return Err(raise(atom::EXIT, r));
            }
            self.rt.clone().drain_inbox(self);
            while scanned < self.mailbox.len() {
                let msg = self.mailbox[scanned].clone();
                for c in clauses {
                    if self.pmatch(&c.pats[0], &msg, bp, m)? && self.guard(&c.guard, bp, m) {
                        self.mailbox.remove(scanned);
                        return self.body(&c.body, bp, m);
                    }
                }
                scanned += 1;
            }
            if let Some(d) = deadline {
                if self.rt.now_ms() >= d || timeout == Some(0) {
                    let (_, body) = after.expect("deadline implies after");
                    return self.body(body, bp, m);
                }
            }
            if !self.rt.clone().wait_for_message(self, deadline) {
                // Nothing can ever arrive (no other process, no timer): OTP would hang forever.
                return Err(raise(atom::EXIT, Term::atom("deadlock")));
            }
            if let Some(r) = self.rt.take_kill(self.pid) {
                self.dying = true;
                return Err(raise(atom::EXIT, r));
            }
        }
    }

    /// OTP computes the size of a binary comprehension up front when it can: the body is a
    /// binary of fixed-size segments, every qualifier is a list generator over a plain
    /// variable, with no filters. It takes `length/1` of each generator list first, so an
    /// improper list fails as `{bad_generator, WholeList}` before any element is produced
    /// (elsewhere the error names the bad tail). Only pure generator expressions are checked
    /// here, so evaluating them twice is unobservable.
    fn bin_comp_lists_check(
        &mut self,
        body: &E,
        quals: &[CQual],
        bp: usize,
        m: &Rc<Module>,
    ) -> Result<Option<Ctl>, Ctl> {
        let E::Bin(segs) = body else {
            return Ok(None);
        };
        let fixed = segs.iter().all(|s| {
            matches!(s.ty, SegType::Integer | SegType::Float)
                && matches!(s.size, None | Some(E::Lit(Term::Int(_))))
        });
        if !fixed {
            return Ok(None);
        }
        let mut bound: Vec<u32> = Vec::new();
        for q in quals {
            match q {
                CQual::Gen(p, g) => {
                    if !pure_without(g, &bound) {
                        return Ok(None);
                    }
                    match p {
                        Pat::Bind(s) => bound.push(*s),
                        Pat::Any => {}
                        _ => return Ok(None),
                    }
                }
                _ => return Ok(None),
            }
        }
        for q in quals {
            if let CQual::Gen(_, g) = q {
                let v = self.eval(g, bp, m)?;
                let mut t = &v;
                while let Term::Cons(c) = t {
                    t = &c.tail;
                }
                if !matches!(t, Term::Nil) {
                    return Ok(Some(err2(Atom::intern("bad_generator"), v)));
                }
            }
        }
        Ok(None)
    }

    fn comp(
        &mut self,
        quals: &[CQual],
        i: usize,
        body: &E,
        bp: usize,
        m: &Rc<Module>,
        emit: &mut dyn FnMut(&mut Self, Term) -> Result<(), Ctl>,
    ) -> Result<(), Ctl> {
        if i == quals.len() {
            let v = self.eval(body, bp, m)?;
            return emit(self, v);
        }
        match &quals[i] {
            CQual::GuardFilter(f) => match self.eval(f, bp, m) {
                Ok(Term::Atom(atom::TRUE)) => self.comp(quals, i + 1, body, bp, m, emit),
                Ok(_) | Err(Ctl::Exc(_)) => Ok(()),
                Err(t) => Err(t),
            },
            CQual::Filter(f) => {
                let v = self.eval(f, bp, m)?;
                match v {
                    Term::Atom(atom::TRUE) => self.comp(quals, i + 1, body, bp, m, emit),
                    Term::Atom(atom::FALSE) => Ok(()),
                    // A non-boolean from a guard-like filter that raised is false; a plain
                    // value that is not a boolean is bad_filter in OTP.
                    other => Err(err2(Atom::intern("bad_filter"), other)),
                }
            }
            CQual::Gen(p, g) => {
                let mut l = self.eval(g, bp, m)?;
                loop {
                    match l {
                        Term::Nil => return Ok(()),
                        Term::Cons(c) => {
                            if self.pmatch(p, &c.head, bp, m)? {
                                self.comp(quals, i + 1, body, bp, m, emit)?;
                            }
                            l = c.tail.clone();
                        }
                        other => return Err(err2(Atom::intern("bad_generator"), other)),
                    }
                }
            }
            CQual::BinGen(p, g) => {
                let v = self.eval(g, bp, m)?;
                let Term::Bin(b) = v else {
                    return Err(err2(Atom::intern("bad_generator"), v));
                };
                let Pat::Bin(segs) = p else {
                    return Err(badarg());
                };
                let mut off = 0;
                loop {
                    match self.match_bin_segs(segs, &b, off, bp, m, true)? {
                        Some(next) if next > off => {
                            off = next;
                            self.comp(quals, i + 1, body, bp, m, emit)?;
                        }
                        _ => return Ok(()),
                    }
                }
            }
        }
    }

    pub fn op2(&mut self, op: Op2, a: Term, b: Term) -> Res {
        use std::cmp::Ordering::*;
        use Op2::*;
        match op {
            Add | Sub | Mul | FDiv | IDiv | Rem | Band | Bor | Bxor | Bsl | Bsr => {
                arith::arith(op, &a, &b)
            }
            Eq => Ok(Term::bool(term::eq(&a, &b))),
            Ne => Ok(Term::bool(!term::eq(&a, &b))),
            ExactEq => Ok(Term::bool(term::exact_eq(&a, &b))),
            ExactNe => Ok(Term::bool(!term::exact_eq(&a, &b))),
            Lt => Ok(Term::bool(lt(&a, &b))),
            Ge => Ok(Term::bool(!lt(&a, &b))),
            Gt => Ok(Term::bool(lt(&b, &a))),
            Le => Ok(Term::bool(!lt(&b, &a))),
            And | Or | Xor => {
                let x = as_bool(&a).ok_or_else(badarg)?;
                let y = as_bool(&b).ok_or_else(badarg)?;
                Ok(Term::bool(match op {
                    And => x && y,
                    Or => x || y,
                    _ => x != y,
                }))
            }
            Append => {
                let Some(items) = a.list_to_vec() else {
                    return Err(badarg());
                };
                Ok(Term::list_with_tail(items, b))
            }
            Subtract => {
                let (Some(mut xs), Some(ys)) = (a.list_to_vec(), b.list_to_vec()) else {
                    return Err(badarg());
                };
                for y in &ys {
                    if let Some(p) = xs.iter().position(|x| term::exact_eq(x, y)) {
                        xs.remove(p);
                    }
                }
                let _ = Equal;
                Ok(Term::list(xs))
            }
            Send => {
                self.send(&a, b.clone())?;
                Ok(b)
            }
        }
    }

    pub fn send(&mut self, to: &Term, msg: Term) -> Result<(), Ctl> {
        let pid = match to {
            Term::Pid(p) => *p,
            Term::Atom(a) => match self.rt.whereis(*a) {
                Some(p) => p,
                None => return Err(badarg()),
            },
            Term::Tuple(t) if t.len() == 2 => match &t[0] {
                Term::Atom(a) => match self.rt.whereis(*a) {
                    Some(p) => p,
                    None => return Err(badarg()),
                },
                _ => return Err(badarg()),
            },
            _ => return Err(badarg()),
        };
        if pid == self.pid {
            self.mailbox.push_back(msg);
        } else {
            self.rt.deliver(pid, msg);
        }
        Ok(())
    }

    /// Calls `module:function(args)`: native BIFs first, then loaded Erlang modules.
    pub fn call_mfa(&mut self, md: Atom, f: Atom, args: Vec<Term>, tail: bool) -> Res {
        if self.rt.has_natives.get() {
            if let Some(r) = crate::embed::call_native(self, md, f, &args) {
                return r;
            }
        }
        if let Some(b) = crate::bifs::lookup(md.name(), f.name(), args.len()) {
            return b(self, &args);
        }
        let Some(module) = self.rt.module(md) else {
            return Err(undef(md, f, args));
        };
        let Some(&idx) = module.exports.get(&(f, args.len())) else {
            return Err(undef(md, f, args));
        };
        if tail {
            self.pending_tail = PendingTail::Call(Box::new(TailCall {
                module,
                idx,
                args,
                fun: None,
            }));
            return Err(Ctl::Tail);
        }
        self.invoke(module, idx, args, None)
    }

    pub fn apply_fun(&mut self, f: Term, args: Vec<Term>, tail: bool) -> Res {
        let Term::Fun(fun) = &f else {
            return Err(err2(atom::BADFUN, f));
        };
        if fun.arity != args.len() {
            return Err(err2(
                atom::BADARITY,
                Term::tuple(vec![f.clone(), Term::list(args)]),
            ));
        }
        match &fun.kind {
            FunKind::Local { module, index, .. } => {
                if tail {
                    self.pending_tail = PendingTail::Call(Box::new(TailCall {
                        module: module.clone(),
                        idx: *index,
                        args,
                        fun: Some(fun.clone()),
                    }));
                    return Err(Ctl::Tail);
                }
                self.invoke(module.clone(), *index, args, Some(fun.clone()))
            }
            FunKind::External { module, function } => self.call_mfa(*module, *function, args, tail),
        }
    }

    /// Calls a fun from Rust (BIFs that take funs), running any tail call to completion.
    pub fn call_fun(&mut self, f: &Term, args: Vec<Term>) -> Res {
        match self.apply_fun(f.clone(), args, false) {
            Err(t @ Ctl::Tail) => self.finish_tail(t),
            r => r,
        }
    }

    pub fn call_mfa_sync(&mut self, md: Atom, f: Atom, args: Vec<Term>) -> Res {
        match self.call_mfa(md, f, args, false) {
            Err(t @ Ctl::Tail) => self.finish_tail(t),
            r => r,
        }
    }

    // ---- patterns ----

    pub fn pmatch(&mut self, p: &Pat, v: &Term, bp: usize, m: &Rc<Module>) -> Result<bool, Ctl> {
        Ok(match p {
            Pat::Any => true,
            Pat::Bind(s) => {
                self.regs[bp + *s as usize] = v.clone();
                true
            }
            Pat::Check(s) => term::exact_eq(&self.regs[bp + *s as usize], v),
            Pat::Lit(t) => term::exact_eq(t, v),
            Pat::Nil => matches!(v, Term::Nil),
            Pat::Cons(h, t) => match v {
                Term::Cons(c) => {
                    self.pmatch(h, &c.head, bp, m)? && self.pmatch(t, &c.tail, bp, m)?
                }
                _ => false,
            },
            Pat::Tuple(ps) => match v {
                Term::Tuple(ts) if ts.len() == ps.len() => {
                    for (p, t) in ps.iter().zip(ts.iter()) {
                        if !self.pmatch(p, t, bp, m)? {
                            return Ok(false);
                        }
                    }
                    true
                }
                _ => false,
            },
            Pat::Alias(a, b) => self.pmatch(a, v, bp, m)? && self.pmatch(b, v, bp, m)?,
            Pat::Map(kps) => match v {
                Term::Map(map) => {
                    for (k, p) in kps {
                        let k = match self.eval(k, bp, m) {
                            Ok(k) => k,
                            Err(_) => return Ok(false),
                        };
                        match map.get(&MapKey(k)) {
                            Some(val) => {
                                if !self.pmatch(p, val, bp, m)? {
                                    return Ok(false);
                                }
                            }
                            None => return Ok(false),
                        }
                    }
                    true
                }
                _ => false,
            },
            Pat::Bin(segs) => match v {
                Term::Bin(b) => {
                    let b = b.clone();
                    matches!(self.match_bin_segs(segs, &b, 0, bp, m, false)?, Some(end) if end == b.len)
                }
                _ => false,
            },
        })
    }

    /// Matches segments starting at bit `off`; returns the offset after the last segment.
    /// With `partial`, the pattern need not consume everything (binary generators).
    fn match_bin_segs(
        &mut self,
        segs: &[BinSeg<Pat>],
        b: &Rc<term::Bits>,
        mut off: usize,
        bp: usize,
        m: &Rc<Module>,
        partial: bool,
    ) -> Result<Option<usize>, Ctl> {
        for (i, s) in segs.iter().enumerate() {
            let size = match &s.size {
                Some(e) => match self.eval(e, bp, m) {
                    Ok(t) => Some(t),
                    Err(_) => return Ok(None),
                },
                None => None,
            };
            let last = i + 1 == segs.len() || partial;
            let Some((val, next)) = read_seg(
                b,
                off,
                s.ty,
                s.unit,
                s.signed,
                s.little,
                size.as_ref(),
                last,
            ) else {
                return Ok(None);
            };
            off = next;
            if !self.pmatch(&s.value, &val, bp, m)? {
                return Ok(None);
            }
        }
        Ok(Some(off))
    }

    fn build_bin(&mut self, segs: &[BinSeg<E>], bp: usize, m: &Rc<Module>) -> Res {
        let mut vals = Vec::with_capacity(segs.len());
        for s in segs {
            let v = self.eval(&s.value, bp, m)?;
            let size = match &s.size {
                Some(e) => Some(self.eval(e, bp, m)?),
                None => None,
            };
            vals.push((v, size));
        }
        check_seg_sizes(
            segs.iter()
                .zip(&vals)
                .map(|(s, (_, z))| (z.as_ref(), s.unit)),
        )?;
        let mut bb = BitBuilder::default();
        for (s, (v, size)) in segs.iter().zip(&vals) {
            push_seg(&mut bb, s.ty, s.unit, s.little, v, size.as_ref())?;
        }
        Ok(bb.finish())
    }
}

/// Reads one segment of a binary being matched at bit offset `off`: its value and the offset
/// after it, or `None` when it does not match (too short, bad size, invalid UTF, a binary
/// segment without size that is not `last`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_seg(
    b: &Rc<term::Bits>,
    mut off: usize,
    ty: SegType,
    unit: u32,
    signed: bool,
    little: bool,
    size: Option<&Term>,
    last: bool,
) -> Option<(Term, usize)> {
    let remaining = b.len - off;
    let size_bits = match size {
        Some(t) => {
            let sz = match t {
                Term::Int(n) if *n >= 0 => *n as usize,
                Term::Atom(a) if a.name() == "all" => remaining / unit as usize,
                _ => return None,
            };
            Some(sz.saturating_mul(unit as usize))
        }
        None => None,
    };
    let val = match ty {
        SegType::Integer => {
            let n = size_bits.unwrap_or(8);
            if n > remaining {
                return None;
            }
            let v = bitsyntax::read_int(b, off, n, signed, little);
            off += n;
            v
        }
        SegType::Float => {
            let n = size_bits.unwrap_or(64);
            if n > remaining {
                return None;
            }
            let f = match n {
                64 => {
                    let raw = bitsyntax::read_int(b, off, 64, false, little);
                    let u = raw.to_bigint().and_then(|x| x.to_u64()).unwrap_or(0);
                    f64::from_bits(u)
                }
                32 => {
                    let raw = bitsyntax::read_int(b, off, 32, false, little);
                    let u = raw.to_bigint().and_then(|x| x.to_u32()).unwrap_or(0);
                    f32::from_bits(u) as f64
                }
                16 => {
                    let raw = bitsyntax::read_int(b, off, 16, false, little);
                    let u = raw.to_bigint().and_then(|x| x.to_u16()).unwrap_or(0);
                    half_to_f64(u)
                }
                _ => return None,
            };
            if !f.is_finite() {
                return None;
            }
            off += n;
            Term::Float(f)
        }
        SegType::Binary | SegType::Bits => {
            let n = match size_bits {
                Some(n) => n,
                None => {
                    if !last {
                        // Only the last segment may omit its size.
                        return None;
                    }
                    remaining
                }
            };
            if n > remaining {
                return None;
            }
            if ty == SegType::Binary && n % 8 != 0 {
                return None;
            }
            let v = bitsyntax::sub(b, off, n);
            off += n;
            v
        }
        SegType::Utf8 => match bitsyntax::decode_utf8(b, off) {
            Some((c, used)) => {
                off += used;
                Term::Int(c as i64)
            }
            None => return None,
        },
        SegType::Utf16 => match bitsyntax::decode_utf16(b, off, little) {
            Some((c, used)) => {
                off += used;
                Term::Int(c as i64)
            }
            None => return None,
        },
        SegType::Utf32 => {
            if remaining < 32 {
                return None;
            }
            let v = bitsyntax::read_int(b, off, 32, false, little);
            match v {
                Term::Int(c) if char::from_u32(c as u32).is_some() => {
                    off += 32;
                    v
                }
                _ => return None,
            }
        }
    };
    Some((val, off))
}

/// Appends one segment of a binary being built: value `v`, size `size` (times `unit`) if
/// given; `badarg` when they do not fit the type.
/// OTP sizes a whole binary before it writes any segment: a size too large to compute
/// (a bignum, or a size times unit past the machine word) is `system_limit` even when an
/// earlier segment's value is bad.
pub(crate) fn check_seg_sizes<'a>(
    sizes: impl Iterator<Item = (Option<&'a Term>, u32)>,
) -> Result<(), Ctl> {
    for (size, unit) in sizes {
        match size {
            Some(Term::Big(n)) if n.sign() == num_bigint::Sign::Plus => return Err(system_limit()),
            Some(Term::Int(n)) if *n >= 0 && (*n as u64).checked_mul(u64::from(unit)).is_none() => {
                return Err(system_limit())
            }
            _ => {}
        }
    }
    Ok(())
}

fn system_limit() -> Ctl {
    error(Term::Atom(atom::SYSTEM_LIMIT))
}

pub(crate) fn push_seg(
    bb: &mut BitBuilder,
    ty: SegType,
    unit: u32,
    little: bool,
    v: &Term,
    size: Option<&Term>,
) -> Result<(), Ctl> {
    let size = match size {
        Some(t) => match t {
            Term::Int(n) if *n >= 0 => Some(
                (*n as usize)
                    .checked_mul(unit as usize)
                    .ok_or_else(system_limit)?,
            ),
            Term::Big(n) if n.sign() == num_bigint::Sign::Plus => return Err(system_limit()),
            Term::Atom(a) if a.name() == "all" => None,
            _ => return Err(badarg()),
        },
        None => None,
    };
    match ty {
        SegType::Integer => {
            let n = size.unwrap_or(8);
            if n > 1 << 28 {
                return Err(badarg());
            }
            match v {
                Term::Int(i) => bb.push_small(*i, n, little),
                Term::Big(b) => bb.push_int(b, n, little),
                _ => return Err(badarg()),
            }
        }
        SegType::Float => {
            let f = v.to_f64().ok_or_else(badarg)?;
            match size.unwrap_or(64) {
                64 => bb.push_small(f.to_bits() as i64, 64, little),
                32 => bb.push_small((f as f32).to_bits() as i64, 32, little),
                16 => bb.push_small(f64_to_half(f) as i64, 16, little),
                _ => return Err(badarg()),
            }
        }
        SegType::Binary | SegType::Bits => {
            let Term::Bin(b) = v else {
                return Err(badarg());
            };
            if ty == SegType::Binary && size.is_none() && !b.is_binary() {
                return Err(badarg());
            }
            match size {
                Some(n) => {
                    if n > b.len {
                        return Err(badarg());
                    }
                    let Term::Bin(sb) = bitsyntax::sub(b, 0, n) else {
                        unreachable!()
                    };
                    bb.push_bits(&sb);
                }
                None => bb.push_bits(b),
            }
        }
        SegType::Utf8 | SegType::Utf16 | SegType::Utf32 => {
            let c = match *v {
                Term::Int(c) if (0..=0x10ffff).contains(&c) && !(0xd800..0xe000).contains(&c) => {
                    c as u32
                }
                _ => return Err(badarg()),
            };
            match ty {
                SegType::Utf8 => {
                    let mut buf = [0u8; 4];
                    let ch = char::from_u32(c).ok_or_else(badarg)?;
                    bb.push_bytes(ch.encode_utf8(&mut buf).as_bytes());
                }
                SegType::Utf16 => bb.push_bytes(&bitsyntax::encode_utf16(c, little)),
                _ => bb.push_small(c as i64, 32, little),
            }
        }
    }
    Ok(())
}

fn half_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f64;
    if exp == 0 {
        sign * frac * 2f64.powi(-24)
    } else if exp == 31 {
        f64::INFINITY
    } else {
        sign * (1.0 + frac / 1024.0) * 2f64.powi(exp - 15)
    }
}

fn f64_to_half(f: f64) -> u16 {
    bitsyntax::f64_to_f16(f)
}

/// A `Ctl::Tail` whose target was lost: an interpreter bug, reported as an exception rather
/// than a crash.
pub(crate) fn lost_tail() -> Ctl {
    error(Term::tuple(vec![
        Term::atom("vm_internal"),
        Term::atom("lost_tail_call"),
    ]))
}

pub fn undef(m: Atom, f: Atom, args: Vec<Term>) -> Ctl {
    Ctl::Exc(Box::new(Exc {
        class: atom::ERROR,
        reason: Term::Atom(atom::UNDEF),
        frames: Vec::new(),
        args: Some((m, f, args)),
    }))
}

/// `x op y` on small integers when the result is a small integer (or a boolean); None sends
/// the operation down the general path (overflow to bignums, division by zero, other ops).
#[inline(always)]
pub(crate) fn int_op(op: Op2, x: i64, y: i64) -> Option<Term> {
    Some(match op {
        Op2::Add => Term::Int(x.checked_add(y)?),
        Op2::Sub => Term::Int(x.checked_sub(y)?),
        Op2::Mul => Term::Int(x.checked_mul(y)?),
        Op2::Lt => Term::bool(x < y),
        Op2::Le => Term::bool(x <= y),
        Op2::Gt => Term::bool(x > y),
        Op2::Ge => Term::bool(x >= y),
        Op2::Eq | Op2::ExactEq => Term::bool(x == y),
        Op2::Ne | Op2::ExactNe => Term::bool(x != y),
        Op2::Band => Term::Int(x & y),
        Op2::Bor => Term::Int(x | y),
        Op2::Bxor => Term::Int(x ^ y),
        // Division by zero and shifts out of range take the general path (`arith.rs`).
        Op2::IDiv if y != 0 => Term::Int(x.checked_div(y)?),
        Op2::Rem if y != 0 => Term::Int(x.checked_rem(y)?),
        Op2::Bsl if (0..63).contains(&y) && (x.unsigned_abs() >> (62 - y)) == 0 => {
            Term::Int(x << y)
        }
        Op2::Bsr if (0..64).contains(&y) => Term::Int(x >> y),
        // Every bit shifted out: the sign is left (Estone's int_arith shifts by the loop count).
        Op2::Bsr if y >= 64 => Term::Int(x >> 63),
        Op2::Bsl if x == 0 && y >= 0 => Term::Int(0),
        _ => return None,
    })
}

/// Whether `e` is free of side effects and reads none of the `slots` (generator variables).
fn pure_without(e: &E, slots: &[u32]) -> bool {
    match e {
        E::Lit(_) => true,
        E::Var(s) => !slots.contains(s),
        E::Cons(hs, t) => hs.iter().all(|h| pure_without(h, slots)) && pure_without(t, slots),
        E::Tuple(es) => es.iter().all(|x| pure_without(x, slots)),
        _ => false,
    }
}

fn as_bool(t: &Term) -> Option<bool> {
    match t {
        Term::Atom(atom::TRUE) => Some(true),
        Term::Atom(atom::FALSE) => Some(false),
        _ => None,
    }
}

fn lt(a: &Term, b: &Term) -> bool {
    match (a, b) {
        (Term::Int(x), Term::Int(y)) => x < y,
        _ => term::cmp_terms(a, b, false) == std::cmp::Ordering::Less,
    }
}
