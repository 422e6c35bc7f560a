//! Lowers a function's slot-resolved clauses (`code.rs`) to register bytecode (`bytecode.rs`).
//!
//! Clause selection is compiled: the clauses of a function, `case` or `if` become a sequence of
//! test instructions, each jumping to the next clause's label when it fails, preceded by a
//! `switch` on the first column when enough clauses differ on its shape (`dispatch.rs`). Patterns
//! destructure the value in place (`get_list`, `is_tuple` + `get_elem` write straight into the
//! variables' registers); guards are tests with the same fail labels, never values. Constructs
//! not lowered yet (binary comprehensions, bit and map patterns with sizes or keys that are
//! not guard expressions) become one escape instruction that hands the subtree to the tree evaluator
//! on the same frame registers.

use crate::atom;
use crate::bytecode::{BuildSeg, Code, FastBif, Instr, Label, Reg, TypeTest};
use crate::code::{CClause, CQual, FunDef, Op2, Pat, E};
use crate::dispatch::{self, Plan};
use crate::term::Term;

mod pure;
mod reuse;

/// Stack left before lowering a nested expression grows it, and the size of each new chunk.
const RED_ZONE: usize = 128 * 1024;
const STACK_CHUNK: usize = 4 * 1024 * 1024;

/// Where an expression's value goes: a register, or back to the caller (tail position).
#[derive(Clone, Copy)]
enum Dest {
    Reg(Reg),
    Tail,
}

struct Lower {
    code: Code,
    /// Label id to pc, filled as labels are placed.
    labels: Vec<Option<u32>>,
    /// Next free temporary register.
    top: Reg,
    /// What is known of variables bound earlier in the bodies being lowered.
    facts: pure::Facts,
    /// How many times each variable slot occurs in the function (bindings included).
    reads: Vec<usize>,
}

/// Lowers `f`'s clauses into `f.code` (the clauses are consumed: escaped subtrees move into
/// the code's tables).
pub fn lower_fun(f: &mut FunDef) {
    let mut clauses = std::mem::take(&mut f.clauses);
    let mut n_slots = f.n_slots.max(f.arity);
    for c in clauses.iter_mut() {
        alias_args(c);
        reuse::clause(c, &mut n_slots);
    }
    compact_slots(f, &mut clauses, &mut n_slots);
    f.n_slots = n_slots;
    let slots = n_slots as Reg;
    let mut reads = vec![0; n_slots];
    for c in clauses.iter_mut() {
        for (r, n) in reads.iter_mut().zip(occurrences(c, n_slots)) {
            *r += n;
        }
    }
    let mut l = Lower {
        code: Code {
            frame: slots,
            ..Code::default()
        },
        labels: Vec::new(),
        top: slots,
        facts: pure::Facts::new(),
        reads,
    };
    let args: Vec<Reg> = (0..f.arity as Reg).collect();
    l.clauses(clauses, &args, Dest::Tail, Instr::FunctionClause);
    let max_target = l.resolve();
    take_dead_moves(&mut l.code.instrs);
    let past_end = max_target.is_some_and(|t| t as usize >= l.code.instrs.len());
    // `exec.rs` fetches instructions without a bounds check: no label may point past the
    // last instruction and the last one may not fall through (neither happens for a
    // function body, whose value is returned; the sentinel makes it hold by construction).
    if past_end || !l.code.instrs.last().is_some_and(Instr::ends_block) {
        l.code.instrs.push(Instr::FunctionClause);
    }
    // Cover every register an instruction names, so `exec.rs` may index without checks.
    let top = l
        .code
        .instrs
        .iter()
        .map(|i| i.max_reg() + 1)
        .max()
        .unwrap_or(0);
    l.code.frame = l.code.frame.max(top).max(f.arity as Reg);
    f.code = l.code;
}

/// Turns each `move` whose source register no path reads again into a `take`: the value
/// moves instead of being counted once more and released when the frame is cleared
/// (`rev([H | T], Acc) -> rev(T, [H | Acc])` moves `T` into the tail call's window).
/// Decided on straight-line code only: the instructions after the move, up to one that
/// ends the function's frame (a return or tail call), must neither branch nor read the
/// register (a write to it ends the search: the old value was dead). A function with an
/// exception handler is left alone (a handler landing may read the register).
fn take_dead_moves(instrs: &mut [Instr]) {
    if instrs
        .iter()
        .any(|i| matches!(i, Instr::TryEnter { .. } | Instr::CatchValue { .. }))
    {
        return;
    }
    for i in 0..instrs.len() {
        match instrs[i] {
            Instr::Move { dst, src } if dst != src && dead_after(&instrs[i + 1..], src) => {
                instrs[i] = Instr::Take { dst, src };
            }
            // A cell whose head and tail both die here takes them (a written-over
            // destination is no read: the cell was built first).
            Instr::Cons { dst, head, tail }
                if head != tail
                    && dead_after(&instrs[i + 1..], head)
                    && dead_after(&instrs[i + 1..], tail) =>
            {
                instrs[i] = Instr::ConsTake { dst, head, tail };
            }
            _ => {}
        }
    }
}

/// Whether register `r` is not read again on the straight-line path through `rest` (see
/// `take_dead_moves`); false whenever unsure.
fn dead_after(rest: &[Instr], r: Reg) -> bool {
    let window = |base: Reg, n: u32| (base..base + n).contains(&r);
    for ins in rest {
        match ins {
            Instr::Move { dst, src } | Instr::Take { dst, src } => {
                if *src == r {
                    return false;
                }
                if *dst == r {
                    return true;
                }
            }
            Instr::Lit { dst, .. } => {
                if *dst == r {
                    return true;
                }
            }
            Instr::Cons { dst, head, tail } | Instr::ConsTake { dst, head, tail } => {
                if *head == r || *tail == r {
                    return false;
                }
                if *dst == r {
                    return true;
                }
            }
            Instr::Tuple { dst, start, n } => {
                if window(*start, *n) {
                    return false;
                }
                if *dst == r {
                    return true;
                }
            }
            Instr::Op { dst, a, b, .. } => {
                if *a == r || *b == r {
                    return false;
                }
                if *dst == r {
                    return true;
                }
            }
            Instr::OpInt { dst, a, .. } => {
                if *a == r {
                    return false;
                }
                if *dst == r {
                    return true;
                }
            }
            Instr::Bif { dst, args, .. } => {
                if args.contains(&r) {
                    return false;
                }
                if *dst == r {
                    return true;
                }
            }
            // A callee's frame starts at `base`: it reads nothing below.
            Instr::Call { base, dst, .. }
            | Instr::CallExt {
                base,
                dst,
                tail: false,
                ..
            } => {
                if r >= *base {
                    return false;
                }
                if *dst == r {
                    return true;
                }
            }
            Instr::TailCall { base, n, .. }
            | Instr::CallExt {
                base,
                n,
                tail: true,
                ..
            } => return !window(*base, *n),
            Instr::Return { src } => return *src != r,
            Instr::ReturnLit { .. } => return true,
            Instr::ReturnOp { a, b, .. } => return *a != r && *b != r,
            Instr::ReturnOpInt { a, .. } => return *a != r,
            _ => return false,
        }
    }
    false
}

/// Renumbers the variable slots densely, dropping those no clause names any more (a head
/// variable aliased to its argument register, one `reuse` stopped binding): the temporaries
/// start right above the slots in use, so the frame, which is cleared on every call,
/// return and tail call, is smaller (`count_elems(T, P, End)` reads its three arguments'
/// own registers: their three slots went unused). Arguments keep `r0..`; a fun's
/// environment and self slots are renamed with the rest.
fn compact_slots(f: &mut FunDef, clauses: &mut [CClause], n_slots: &mut usize) {
    let mut used = vec![false; *n_slots];
    for u in used.iter_mut().take(f.arity) {
        *u = true;
    }
    let mut mark = |x: &mut u32| {
        let x = *x as usize;
        if x >= used.len() {
            used.resize(x + 1, false);
        }
        used[x] = true;
    };
    for c in clauses.iter_mut() {
        visit_clause(c, &mut mark);
    }
    for s in f.env_slots.iter_mut() {
        mark(s);
    }
    if let Some(s) = f.self_slot.as_mut() {
        mark(s);
    }
    if used.iter().all(|u| *u) {
        return;
    }
    let mut map = vec![0u32; used.len()];
    let mut next = 0u32;
    for (m, u) in map.iter_mut().zip(&used) {
        if *u {
            *m = next;
            next += 1;
        }
    }
    let mut rename = |x: &mut u32| *x = map[*x as usize];
    for c in clauses.iter_mut() {
        visit_clause(c, &mut rename);
    }
    for s in f.env_slots.iter_mut() {
        rename(s);
    }
    if let Some(s) = f.self_slot.as_mut() {
        rename(s);
    }
    *n_slots = (next as usize).max(f.arity);
}

/// A function clause whose head binds an argument to a plain variable (`f(N) -> ...`) reads
/// the argument's own register instead of copying it: argument registers are not written
/// while a clause runs (calls build their arguments above the frame; a tail call is last).
fn alias_args(c: &mut CClause) {
    let mut moves: Vec<(u32, u32)> = Vec::new();
    for k in 0..c.pats.len() {
        let Pat::Bind(s) = c.pats[k] else { continue };
        let to = k as u32;
        if s == to {
            continue;
        }
        c.pats[k] = Pat::Any;
        moves.push((s, to));
    }
    // One walk renames them all (a variable is bound once: the pairs never chain).
    if !moves.is_empty() {
        visit_clause(c, &mut |x| {
            if let Some(&(_, to)) = moves.iter().find(|(from, _)| from == x) {
                *x = to;
            }
        });
    }
}

/// Calls `f` on every variable slot a pattern names (bindings, checks, map keys, sizes).
fn visit_pat(p: &mut Pat, f: &mut dyn FnMut(&mut u32)) {
    visit_pat_at(p, f, 0)
}

/// Checks the stack every `GROW_EVERY` levels only: asking on every node cost as much as
/// the walk itself.
const GROW_EVERY: usize = 16;

fn visit_pat_at(p: &mut Pat, f: &mut dyn FnMut(&mut u32), depth: usize) {
    if depth.is_multiple_of(GROW_EVERY) {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || visit_pat_inner(p, f, depth + 1))
    } else {
        visit_pat_inner(p, f, depth + 1)
    }
}

fn visit_pat_inner(p: &mut Pat, f: &mut dyn FnMut(&mut u32), d: usize) {
    match p {
        Pat::Any | Pat::Lit(_) | Pat::Nil => {}
        Pat::Bind(x) | Pat::Check(x) => f(x),
        Pat::Tuple(ps) => ps.iter_mut().for_each(|q| visit_pat_at(q, f, d)),
        Pat::Cons(h, t) | Pat::Alias(h, t) => {
            visit_pat_at(h, f, d);
            visit_pat_at(t, f, d);
        }
        Pat::Bin(segs) => {
            for sg in segs {
                visit_pat_at(&mut sg.value, f, d);
                if let Some(e) = &mut sg.size {
                    visit_at(e, f, d);
                }
            }
        }
        Pat::Map(kps) => {
            for (k, q) in kps {
                visit_at(k, f, d);
                visit_pat_at(q, f, d);
            }
        }
    }
}

fn visit_clause(c: &mut CClause, f: &mut dyn FnMut(&mut u32)) {
    c.pats.iter_mut().for_each(|p| visit_pat(p, f));
    c.guard.iter_mut().flatten().for_each(|e| visit(e, f));
    c.body.iter_mut().for_each(|e| visit(e, f));
}

/// Calls `f` on every variable slot an expression of this frame names (a closure's body is
/// another function: only the slots it captures are named here).
fn visit(e: &mut E, f: &mut dyn FnMut(&mut u32)) {
    visit_at(e, f, 0)
}

fn visit_at(e: &mut E, f: &mut dyn FnMut(&mut u32), depth: usize) {
    if depth.is_multiple_of(GROW_EVERY) {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || visit_inner(e, f, depth + 1))
    } else {
        visit_inner(e, f, depth + 1)
    }
}

fn visit_inner(e: &mut E, f: &mut dyn FnMut(&mut u32), d: usize) {
    match e {
        E::Lit(_) => {}
        E::Var(x) | E::OpVarInt(_, x, _) => f(x),
        E::OpVarVar(_, x, y) => {
            f(x);
            f(y);
        }
        E::Tuple(es) | E::Block(es) => es.iter_mut().for_each(|x| visit_at(x, f, d)),
        E::Cons(hs, t) => {
            hs.iter_mut().for_each(|x| visit_at(x, f, d));
            visit_at(t, f, d);
        }
        E::Bin(segs) => {
            for sg in segs {
                visit_at(&mut sg.value, f, d);
                if let Some(x) = &mut sg.size {
                    visit_at(x, f, d);
                }
            }
        }
        E::Op2(_, a, b) | E::AndAlso(a, b) | E::OrElse(a, b) => {
            visit_at(a, f, d);
            visit_at(b, f, d);
        }
        E::Op1(_, a) | E::Catch(a) | E::At(_, a) => visit_at(a, f, d),
        E::Match(p, v) => {
            visit_pat_at(p, f, d);
            visit_at(v, f, d);
        }
        E::CallLocal(_, args, _) | E::CallRemote(_, _, args, _) | E::CallBif(_, _, _, args) => {
            args.iter_mut().for_each(|x| visit_at(x, f, d))
        }
        E::CallDyn(m, g, args, _) => {
            visit_at(m, f, d);
            visit_at(g, f, d);
            args.iter_mut().for_each(|x| visit_at(x, f, d));
        }
        E::Apply(g, args, _) => {
            visit_at(g, f, d);
            args.iter_mut().for_each(|x| visit_at(x, f, d));
        }
        E::Case(v, cls) => {
            visit_at(v, f, d);
            cls.iter_mut().for_each(|c| visit_clause(c, f));
        }
        E::If(cls) => cls.iter_mut().for_each(|c| visit_clause(c, f)),
        E::Receive(cls, after) => {
            cls.iter_mut().for_each(|c| visit_clause(c, f));
            if let Some((t, body)) = after {
                visit_at(t, f, d);
                body.iter_mut().for_each(|x| visit_at(x, f, d));
            }
        }
        E::Try(body, of, catches, after) => {
            body.iter_mut().for_each(|x| visit_at(x, f, d));
            of.iter_mut().for_each(|c| visit_clause(c, f));
            catches.iter_mut().for_each(|c| visit_clause(c, f));
            after.iter_mut().for_each(|x| visit_at(x, f, d));
        }
        E::MakeFun(_, caps) => caps.iter_mut().for_each(&mut *f),
        E::FunRef(m, g, a) => {
            visit_at(m, f, d);
            visit_at(g, f, d);
            visit_at(a, f, d);
        }
        E::ListComp(body, quals) | E::BinComp(body, quals) => {
            visit_at(body, f, d);
            for q in quals {
                match q {
                    CQual::Gen(p, x) | CQual::BinGen(p, x) => {
                        visit_pat_at(p, f, d);
                        visit_at(x, f, d);
                    }
                    CQual::Filter(x) | CQual::GuardFilter(x) => visit_at(x, f, d),
                }
            }
        }
        E::MapNew(kvs) => {
            for (k, v) in kvs {
                visit_at(k, f, d);
                visit_at(v, f, d);
            }
        }
        E::MapUpdate(b, kvs) => {
            visit_at(b, f, d);
            for (k, _, v) in kvs {
                visit_at(k, f, d);
                visit_at(v, f, d);
            }
        }
        E::RecField(b, ..) => visit_at(b, f, d),
        E::RecUpdate(b, _, _, ups) => {
            visit_at(b, f, d);
            for (_, v) in ups {
                visit_at(v, f, d);
            }
        }
    }
}

/// How many times each slot below `n_slots` occurs in a clause (bindings included).
fn occurrences(c: &mut CClause, n_slots: usize) -> Vec<usize> {
    let mut seen = vec![0; n_slots];
    visit_clause(c, &mut |x| {
        if let Some(n) = seen.get_mut(*x as usize) {
            *n += 1;
        }
    });
    seen
}

/// After `reuse` rewrote a function clause, a head variable that nothing reads any more
/// (`T` in `pat4(I, [0 | T]) -> pat4(I - 1, [0 | T])` once the list is the argument itself)
/// is not bound: matching then does not extract it. A variable's only occurrence being its
/// binding means no read (a head variable cannot be bound again in the body).
fn unbind_unread(c: &mut CClause, n_slots: usize) {
    let seen = occurrences(c, n_slots);
    fn drop_binds(p: &mut Pat, seen: &[usize]) {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || drop_binds_inner(p, seen))
    }
    fn drop_binds_inner(p: &mut Pat, seen: &[usize]) {
        match p {
            Pat::Bind(s) if seen.get(*s as usize) == Some(&1) => *p = Pat::Any,
            Pat::Tuple(ps) => ps.iter_mut().for_each(|q| drop_binds(q, seen)),
            Pat::Cons(h, t) | Pat::Alias(h, t) => {
                drop_binds(h, seen);
                drop_binds(t, seen);
            }
            _ => {}
        }
    }
    c.pats.iter_mut().for_each(|p| drop_binds(p, &seen));
}

/// The small integer `e` is, if it is a literal one.
fn int_lit(e: &E) -> Option<i64> {
    match e {
        E::Lit(Term::Int(k)) => Some(*k),
        E::At(_, x) => int_lit(x),
        _ => None,
    }
}

/// Integer operators `arith::arith` computes (and [`Lower::fold`] may fold).
fn folds(op: Op2) -> bool {
    use Op2::*;
    matches!(
        op,
        Add | Sub | Mul | IDiv | Rem | Band | Bor | Bxor | Bsl | Bsr
    )
}

/// Operators whose operands may trade places (`badarith` names neither).
fn commutes(op: Op2) -> bool {
    use Op2::*;
    matches!(op, Add | Mul | Band | Bor | Bxor)
}

/// `x op y` when it succeeds with a small integer.
fn fold_int(op: Op2, x: i64, y: i64) -> Option<i64> {
    match crate::arith::arith(op, &Term::Int(x), &Term::Int(y)) {
        Ok(Term::Int(v)) => Some(v),
        _ => None,
    }
}

fn is_cmp(op: Op2) -> bool {
    use Op2::*;
    matches!(op, Eq | Ne | ExactEq | ExactNe | Lt | Le | Gt | Ge)
}

/// Whether a guard operand can be lowered with `guard_op`/`guard_bif` (exceptions jump to
/// the guard's fail label): variables, constants, operators and BIFs over such operands.
fn guard_value(e: &E) -> bool {
    match e {
        E::Var(_) | E::Lit(_) => true,
        E::At(_, x) => guard_value(x),
        E::OpVarInt(op, ..) | E::OpVarVar(op, ..) => *op != Op2::Send,
        E::Op2(op, a, b) => *op != Op2::Send && guard_value(a) && guard_value(b),
        E::CallBif(_, _, _, args) => args.iter().all(guard_value),
        _ => false,
    }
}

impl Lower {
    fn emit(&mut self, i: Instr) {
        self.code.instrs.push(i);
    }
    fn label(&mut self) -> Label {
        self.labels.push(None);
        (self.labels.len() - 1) as Label
    }
    fn place(&mut self, l: Label) {
        self.labels[l as usize] = Some(self.code.instrs.len() as u32);
    }
    fn temp(&mut self) -> Reg {
        let r = self.top;
        self.top += 1;
        self.code.frame = self.code.frame.max(self.top);
        r
    }
    fn target(&mut self, d: Dest) -> Reg {
        match d {
            Dest::Reg(r) => r,
            Dest::Tail => self.temp(),
        }
    }
    fn finish(&mut self, d: Dest, r: Reg) {
        if let Dest::Tail = d {
            self.emit(Instr::Return { src: r });
        }
    }

    /// Rewrites label ids into instruction indices; returns the highest index jumped to.
    fn resolve(&mut self) -> Option<u32> {
        let labels = std::mem::take(&mut self.labels);
        let mut max: Option<u32> = None;
        let mut at = |l: &mut Label| {
            *l = labels[*l as usize].expect("every label is placed");
            max = max.max(Some(*l));
        };
        for i in self.code.instrs.iter_mut() {
            match i {
                Instr::Jump { to }
                | Instr::TryEnter { handler: to, .. }
                | Instr::LoopRecNext { to, .. } => at(to),
                Instr::LoopRec { empty, .. } => at(empty),
                Instr::Wait { poll, timeout, .. } => {
                    at(poll);
                    at(timeout);
                }
                Instr::IsInt { fail, .. }
                | Instr::IsAtom { fail, .. }
                | Instr::IsLit { fail, .. }
                | Instr::IsEq { fail, .. }
                | Instr::IsNil { fail, .. }
                | Instr::GetList { fail, .. }
                | Instr::GetHd { fail, .. }
                | Instr::GetTl { fail, .. }
                | Instr::GetTlN { fail, .. }
                | Instr::HdIsInt { fail, .. }
                | Instr::HdIsAtom { fail, .. }
                | Instr::IsTuple { fail, .. }
                | Instr::IsMap { fail, .. }
                | Instr::IsType { fail, .. }
                | Instr::BsStart { fail, .. }
                | Instr::BsGet { fail, .. }
                | Instr::BsEnd { fail, .. }
                | Instr::GetMapElem { fail, .. }
                | Instr::Cmp { fail, .. }
                | Instr::CmpInt { fail, .. }
                | Instr::BifTest { fail, .. }
                | Instr::GuardOp { fail, .. }
                | Instr::GuardBif { fail, .. }
                | Instr::MatchEsc { fail, .. }
                | Instr::GuardEsc { fail, .. } => at(fail),
                Instr::Switch { table, .. } => {
                    for l in table.table.values_mut() {
                        at(l);
                    }
                    at(&mut table.default);
                    // The dense copy of the same labels (small-integer keys).
                    if let Some((_, dense)) = &mut table.dense {
                        for l in dense.iter_mut() {
                            at(l);
                        }
                    }
                }
                Instr::Select { table } => {
                    for l in table.leaf.iter_mut() {
                        at(l);
                    }
                }
                _ => {}
            }
        }
        max
    }

    fn escape(&mut self, e: E, d: Dest) {
        let idx = self.code.escapes.len() as u32;
        self.code.escapes.push(e);
        match d {
            Dest::Reg(r) => self.emit(Instr::Esc { e: idx, dst: r }),
            Dest::Tail => self.emit(Instr::EscTail { e: idx }),
        }
    }

    /// The register holding `e`'s value: a variable's own register, else a new temporary.
    fn operand(&mut self, e: E) -> Reg {
        match e {
            E::Var(s) => s,
            E::At(_, x) => self.operand(*x),
            e => {
                let t = self.temp();
                self.expr(e, Dest::Reg(t));
                t
            }
        }
    }

    /// The value of `e` when it is an integer known at compile time: a literal, a variable
    /// bound earlier to one (`pure::Facts`), or integer arithmetic on such values that
    /// succeeds (`arith::arith` itself computes it, so the folded value is the one the
    /// program would compute; an operation that raises, `1 div 0`, is left to raise at run
    /// time). Only results that are small integers are folded.
    fn const_int(&self, e: &E) -> Option<i64> {
        match e {
            E::Lit(Term::Int(k)) => Some(*k),
            E::At(_, x) => self.const_int(x),
            E::Var(s) => match self.facts.get(s) {
                Some(pure::Known::Term(Term::Int(k))) => Some(*k),
                _ => None,
            },
            E::Op2(op, a, b) if folds(*op) => {
                let (x, y) = (self.const_int(a)?, self.const_int(b)?);
                fold_int(*op, x, y)
            }
            E::OpVarVar(op, a, b) if folds(*op) => {
                let (x, y) = (self.const_var(*a)?, self.const_var(*b)?);
                fold_int(*op, x, y)
            }
            E::OpVarInt(op, a, k) if folds(*op) => fold_int(*op, self.const_var(*a)?, *k),
            _ => None,
        }
    }

    fn const_var(&self, s: Reg) -> Option<i64> {
        match self.facts.get(&s) {
            Some(pure::Known::Term(Term::Int(k))) => Some(*k),
            _ => None,
        }
    }

    /// Arithmetic with operands known at compile time, as OTP's compiler does it: a value
    /// wholly known becomes a literal (`X = 23, X bsl 1` is `46`), and a known operand
    /// becomes the instruction's integer operand instead of a register (for `+ * band bor
    /// bxor`, whose operands commute, on either side). `Err` hands anything else back.
    fn fold(&mut self, e: E, d: Dest) -> Result<(), E> {
        let op = match &e {
            E::Op2(op, ..) | E::OpVarVar(op, ..) | E::OpVarInt(op, ..) if folds(*op) => *op,
            _ => return Err(e),
        };
        if let Some(v) = self.const_int(&e) {
            self.expr_inner(E::Lit(Term::Int(v)), d);
            return Ok(());
        }
        // One operand known (and not already an integer operand): `a op k`.
        let (a, k) = match e {
            E::Op2(_, a, b) => match (self.const_int(&b), self.const_int(&a)) {
                (Some(k), _) if int_lit(&b).is_none() => (self.operand(*a), k),
                (None, Some(k)) if commutes(op) => (self.operand(*b), k),
                _ => return Err(E::Op2(op, a, b)),
            },
            E::OpVarVar(_, a, b) => match (self.const_var(b), self.const_var(a)) {
                (Some(k), _) => (a, k),
                (None, Some(k)) if commutes(op) => (b, k),
                _ => return Err(E::OpVarVar(op, a, b)),
            },
            e => return Err(e),
        };
        match d {
            Dest::Tail => self.emit(Instr::ReturnOpInt { op, a, k }),
            Dest::Reg(r) => self.emit(Instr::OpInt { op, dst: r, a, k }),
        }
        Ok(())
    }

    /// Evaluates `es` into consecutive new temporaries; returns the first.
    fn window(&mut self, es: Vec<E>) -> Reg {
        let base = self.top;
        let n = es.len() as Reg;
        for _ in 0..n {
            self.temp();
        }
        for (k, e) in es.into_iter().enumerate() {
            let keep = self.top;
            self.expr(e, Dest::Reg(base + k as Reg));
            self.top = keep;
        }
        base
    }

    fn body(&mut self, mut es: Vec<E>, d: Dest) {
        let n = es.len();
        let (dropped, unread) = self.plan_body(&mut es);
        // Slots this body learns the values of; forgotten when it ends (`pure::Facts`).
        let mut learnt = Vec::new();
        for (k, e) in es.into_iter().enumerate() {
            if k + 1 == n {
                self.expr(e, d);
            } else if dropped[k] {
                // An unused value that cannot fail and has no effect: nothing to run.
            } else if let E::Match(p, v) = e {
                // `X = Expr` whose value is not used: compute straight into `X`'s slot
                // (the general path would also copy it into a temporary).
                match *p {
                    Pat::Bind(s) => {
                        let k = pure::known(&v, &self.facts);
                        // `Tup = {a}` read only by calls dropped above: not built at all.
                        if !unread.contains(&s) {
                            self.expr(*v, Dest::Reg(s));
                        }
                        if let Some(k) = k {
                            self.facts.insert(s, k);
                            learnt.push(s);
                        }
                    }
                    p => {
                        let mark = self.top;
                        // `T = {A, B} = Expr` (`reuse` keeps the term in `T`): no copy.
                        let t = match home(&p) {
                            Some(s) => s,
                            None => self.temp(),
                        };
                        self.expr(E::Match(Box::new(p), v), Dest::Reg(t));
                        self.top = mark;
                    }
                }
            } else {
                let mark = self.top;
                let t = self.temp();
                self.expr(e, Dest::Reg(t));
                self.top = mark;
            }
        }
        for s in learnt {
            self.facts.remove(&s);
        }
    }

    /// Which statements of a body (not its last) are dropped (`pure::droppable`, with the
    /// facts the body learns on the way), and which variables it binds to an inert value
    /// (a constant, a variable, a term built from those) that nothing reads, or only dropped
    /// statements do: those bindings are not made either. Reads are counted over the whole
    /// function (`Lower::reads`), so a variable exported from a `case` and read after it
    /// stays bound.
    fn plan_body(&mut self, es: &mut [E]) -> (Vec<bool>, Vec<u32>) {
        let n = es.len();
        let mut dropped = vec![false; n];
        let mut learnt = Vec::new();
        let mut inert_binds = Vec::new();
        for (k, e) in es.iter().enumerate() {
            if k + 1 < n && pure::droppable(e, &self.facts) {
                dropped[k] = true;
                continue;
            }
            if let E::Match(p, v) = e {
                if let Pat::Bind(s) = **p {
                    if k + 1 < n && pure::inert(v) {
                        inert_binds.push(s);
                    }
                    if let Some(kn) = pure::known(v, &self.facts) {
                        self.facts.insert(s, kn);
                        learnt.push(s);
                    }
                }
            }
        }
        for s in learnt {
            self.facts.remove(&s);
        }
        if inert_binds.is_empty() {
            return (dropped, Vec::new());
        }
        let mut in_dropped: std::collections::HashMap<u32, usize> = Default::default();
        for (k, e) in es.iter_mut().enumerate() {
            if dropped[k] {
                visit(e, &mut |x| *in_dropped.entry(*x).or_default() += 1);
            }
        }
        let unread = inert_binds
            .into_iter()
            .filter(|s| {
                let seen = in_dropped.get(s).copied().unwrap_or(0);
                self.reads.get(*s as usize).copied().unwrap_or(0) == seen + 1
            })
            .collect();
        (dropped, unread)
    }

    /// Jumps to `bad` unless `v` is a tuple of `size` elements tagged with record `name`.
    fn record_test(&mut self, v: Reg, name: atom::Atom, size: usize, bad: Label) {
        let tag = self.temp();
        self.emit(Instr::IsTuple {
            a: v,
            n: size as u32,
            fail: bad,
        });
        self.emit(Instr::GetElem {
            a: v,
            i: 0,
            dst: tag,
        });
        self.emit(Instr::IsAtom {
            a: tag,
            atom: name,
            fail: bad,
        });
    }

    /// Expressions and patterns nest as deep as the source does (a list literal is a chain of
    /// conses, `1 + 1 + ...` a chain of operators): like the front end, lowering grows its stack
    /// in chunks instead of overflowing it.
    fn expr(&mut self, e: E, d: Dest) {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.expr_inner(e, d))
    }

    fn expr_inner(&mut self, e: E, d: Dest) {
        let e = match self.fold(e, d) {
            Ok(()) => return,
            Err(e) => e,
        };
        let mark = self.top;
        match e {
            E::At(_, x) => return self.expr(*x, d),
            E::Lit(val) if matches!(d, Dest::Tail) => self.emit(Instr::ReturnLit { val }),
            E::Op2(op, a, b) if matches!(d, Dest::Tail) && op != Op2::Send => {
                let a = self.operand(*a);
                let b = self.operand(*b);
                self.emit(Instr::ReturnOp { op, a, b });
            }
            E::OpVarVar(op, a, b) if matches!(d, Dest::Tail) => {
                self.emit(Instr::ReturnOp { op, a, b })
            }
            E::OpVarInt(op, a, k) if matches!(d, Dest::Tail) => {
                self.emit(Instr::ReturnOpInt { op, a, k })
            }
            E::Lit(val) => {
                let r = self.target(d);
                self.emit(Instr::Lit { dst: r, val });
                self.finish(d, r);
            }
            E::Var(s) => match d {
                Dest::Reg(r) => {
                    if r != s {
                        self.emit(Instr::Move { dst: r, src: s });
                    }
                }
                Dest::Tail => self.emit(Instr::Return { src: s }),
            },
            E::Tuple(es) => {
                let n = es.len() as u32;
                let start = self.window(es);
                self.top = start;
                let r = self.target(d);
                self.emit(Instr::Tuple { dst: r, start, n });
                self.finish(d, r);
            }
            E::Cons(hs, t) => {
                let heads: Vec<Reg> = hs.into_iter().map(|h| self.operand(h)).collect();
                let mut acc = self.operand(*t);
                let r = self.target(d);
                for (k, h) in heads.into_iter().enumerate().rev() {
                    let dst = if k == 0 { r } else { self.temp() };
                    self.emit(Instr::Cons {
                        dst,
                        head: h,
                        tail: acc,
                    });
                    acc = dst;
                }
                self.finish(d, r);
            }
            // `Expr op Integer` (`tuple_size(T) + 1`): the constant is an operand, not a load.
            E::Op2(op, a, b) if op.is_numeric() && int_lit(&b).is_some() => {
                let k = int_lit(&b).expect("checked");
                let a = self.operand(*a);
                match d {
                    Dest::Tail => self.emit(Instr::ReturnOpInt { op, a, k }),
                    Dest::Reg(r) => self.emit(Instr::OpInt { op, dst: r, a, k }),
                }
            }
            E::Op2(op, a, b) => {
                let a = self.operand(*a);
                let b = self.operand(*b);
                let r = self.target(d);
                self.emit(Instr::Op { op, dst: r, a, b });
                self.finish(d, r);
            }
            E::OpVarInt(op, a, k) => {
                let r = self.target(d);
                self.emit(Instr::OpInt { op, dst: r, a, k });
                self.finish(d, r);
            }
            E::OpVarVar(op, a, b) => {
                let r = self.target(d);
                self.emit(Instr::Op { op, dst: r, a, b });
                self.finish(d, r);
            }
            E::Op1(op, a) => {
                let a = self.operand(*a);
                let r = self.target(d);
                self.emit(Instr::Op1 { op, dst: r, a });
                self.finish(d, r);
            }
            E::Match(p, v) => {
                let p = *p;
                if let Pat::Bind(s) = p {
                    self.expr(*v, Dest::Reg(s));
                    match d {
                        Dest::Reg(r) if r != s => self.emit(Instr::Move { dst: r, src: s }),
                        Dest::Reg(_) => {}
                        Dest::Tail => self.emit(Instr::Return { src: s }),
                    }
                } else if let Pat::Any = p {
                    // `_ = Expr`: nothing can fail.
                    let r = self.target(d);
                    self.expr(*v, Dest::Reg(r));
                    self.finish(d, r);
                } else {
                    // `T = {A, B} = Expr` (a term `reuse` keeps) is computed into `T`.
                    let r = match home(&p) {
                        Some(s) => s,
                        None => self.target(d),
                    };
                    self.expr(*v, Dest::Reg(r));
                    let bad = self.label();
                    let ok = self.label();
                    self.pattern(p, r, bad);
                    self.emit(Instr::Jump { to: ok });
                    self.place(bad);
                    self.emit(Instr::Badmatch { a: r });
                    self.place(ok);
                    match d {
                        Dest::Reg(dr) if dr != r => self.emit(Instr::Move { dst: dr, src: r }),
                        Dest::Reg(_) => {}
                        Dest::Tail => self.emit(Instr::Return { src: r }),
                    }
                }
            }
            E::CallLocal(fun, args, _) => {
                let fun = fun as u32;
                if let Dest::Tail = d {
                    let n = args.len() as u32;
                    let base = self.window(args);
                    self.emit(Instr::TailCall { fun, base, n });
                } else {
                    let r = self.target(d);
                    let base = self.window(args);
                    self.emit(Instr::Call { fun, base, dst: r });
                }
            }
            E::CallRemote(m, f, args, _) => {
                let n = args.len() as u32;
                let tail = matches!(d, Dest::Tail);
                let r = if tail { 0 } else { self.target(d) };
                let base = self.window(args);
                self.emit(Instr::CallExt {
                    m,
                    f,
                    base,
                    n,
                    dst: r,
                    tail,
                    bif: crate::bifs::lookup(m.name(), f.name(), n as usize),
                });
            }
            E::CallDyn(me, fe, args, _) => {
                let tail = matches!(d, Dest::Tail);
                let r = if tail { 0 } else { self.target(d) };
                let m = self.operand(*me);
                let f = self.operand(*fe);
                let n = args.len() as u32;
                let base = self.window(args);
                self.emit(Instr::CallDyn {
                    m,
                    f,
                    base,
                    n,
                    dst: r,
                    tail,
                });
            }
            E::Apply(fe, args, _) => {
                let tail = matches!(d, Dest::Tail);
                let r = if tail { 0 } else { self.target(d) };
                let fun = self.operand(*fe);
                let n = args.len() as u32;
                let base = self.window(args);
                self.emit(Instr::Apply {
                    fun,
                    base,
                    n,
                    dst: r,
                    tail,
                });
            }
            // `apply(M, F, [A1, ..., An])` with a list of known length is the call
            // `M:F(A1, ..., An)`, as OTP's compiler makes it (same evaluation order, same
            // `badarg` for a non-atom `M` or `F`, `undef`, and a tail call in tail position);
            // `apply(Fun, [A1, ..., An])` likewise is `Fun(A1, ..., An)`.
            E::CallBif(_, m, name, mut args)
                if m == crate::atom::ERLANG
                    && name.name() == "apply"
                    && matches!(args.len(), 2 | 3)
                    && fixed_list(args.last().expect("2 or 3 arguments")).is_some() =>
            {
                let list = args.pop().expect("2 or 3 arguments");
                let list = fixed_list_take(list);
                if args.len() == 2 {
                    let fe = args.pop().expect("two left");
                    let me = args.pop().expect("one left");
                    match (&me, &fe) {
                        // Both atoms: the remote call `m:f(...)` itself, resolved and cached
                        // at its call site (and run by native code).
                        (E::Lit(Term::Atom(m)), E::Lit(Term::Atom(f))) => {
                            self.expr(E::CallRemote(*m, *f, list, false), d)
                        }
                        _ => self.expr(E::CallDyn(Box::new(me), Box::new(fe), list, false), d),
                    }
                } else {
                    let fe = args.pop().expect("one left");
                    self.expr(E::Apply(Box::new(fe), list, false), d);
                }
            }
            E::CallBif(f, m, name, args) => {
                let fast = FastBif::of(m, name.name(), args.len());
                let args: Vec<Reg> = args.into_iter().map(|a| self.operand(a)).collect();
                let r = self.target(d);
                self.emit(Instr::Bif {
                    f,
                    dst: r,
                    args: args.into(),
                    fast,
                });
                self.finish(d, r);
            }
            E::MakeFun(fun, caps) => {
                let r = self.target(d);
                self.emit(Instr::MakeFun {
                    dst: r,
                    fun: fun as u32,
                    caps: caps.into(),
                });
                self.finish(d, r);
            }
            E::Block(es) => self.body(es, d),
            E::MapNew(kvs) => {
                let n = kvs.len() as u32;
                let flat: Vec<E> = kvs.into_iter().flat_map(|(k, v)| [k, v]).collect();
                let start = self.window(flat);
                let r = self.target(d);
                self.emit(Instr::MapNew { dst: r, start, n });
                self.finish(d, r);
            }
            E::MapUpdate(base, kvs) => {
                let r = self.target(d);
                let base = self.operand(*base);
                let mut exact = Vec::new();
                let mut flat = Vec::new();
                for (k, x, v) in kvs {
                    exact.push(x);
                    flat.push(k);
                    flat.push(v);
                }
                let start = self.window(flat);
                self.emit(Instr::MapUpdate {
                    dst: r,
                    base,
                    start,
                    exact: exact.into(),
                });
                self.finish(d, r);
            }
            // `E#rec.field`: a tuple of the record's size tagged with its name, else
            // `{badrecord, E}`.
            E::RecField(base, name, size, idx) => {
                let r = self.target(d);
                let v = self.operand(*base);
                let bad = self.label();
                let ok = self.label();
                self.record_test(v, name, size, bad);
                self.emit(Instr::GetElem {
                    a: v,
                    i: idx as u32,
                    dst: r,
                });
                self.emit(Instr::Jump { to: ok });
                self.place(bad);
                self.emit(Instr::Badrecord { a: v });
                self.place(ok);
                self.finish(d, r);
            }
            // `A andalso B` / `A orelse B` outside guards: `B` is evaluated (in tail position
            // if the whole is) only when `A` does not decide; `A` must be a boolean.
            E::AndAlso(a, b) => self.short_circuit(*a, *b, d, atom::TRUE, atom::FALSE),
            E::OrElse(a, b) => self.short_circuit(*a, *b, d, atom::FALSE, atom::TRUE),
            E::Case(v, clauses) => {
                let v = self.operand(*v);
                self.clauses(clauses, &[v], d, Instr::CaseClause { a: v });
            }
            E::If(clauses) => self.clauses(clauses, &[], d, Instr::IfClause),
            E::Catch(x) => self.catch(*x, d),
            // `<<V:Size/Type...>>`: every value and size into a register, in order, then one
            // instruction builds the binary (as OTP's `bs_create_bin`).
            E::Bin(segs) => {
                let r = self.target(d);
                let mut out = Vec::new();
                for s in segs {
                    let value = self.temp();
                    self.expr(s.value, Dest::Reg(value));
                    let size = s.size.map(|e| {
                        let t = self.temp();
                        self.expr(e, Dest::Reg(t));
                        t
                    });
                    out.push(BuildSeg {
                        value,
                        size,
                        ty: s.ty,
                        unit: s.unit,
                        little: s.little,
                    });
                }
                self.emit(Instr::BsBuild {
                    dst: r,
                    segs: out.into(),
                });
                self.finish(d, r);
            }
            E::FunRef(me, fe, ae) => {
                let r = self.target(d);
                let m = self.operand(*me);
                let f = self.operand(*fe);
                let a = self.operand(*ae);
                self.emit(Instr::MakeExtFun { dst: r, m, f, a });
                self.finish(d, r);
            }
            // `E#rec{f = V...}`: `E` is tested as `E#rec.field` tests it, then the values are
            // computed in order and set in a copy.
            E::RecUpdate(base, name, size, ups) => {
                let r = self.target(d);
                let b = self.operand(*base);
                let bad = self.label();
                let ok = self.label();
                self.record_test(b, name, size, bad);
                let (idx, vals): (Vec<u32>, Vec<E>) =
                    ups.into_iter().map(|(i, e)| (i as u32, e)).unzip();
                let start = self.window(vals);
                self.emit(Instr::SetElems {
                    dst: r,
                    base: b,
                    start,
                    idx: idx.into(),
                });
                self.emit(Instr::Jump { to: ok });
                self.place(bad);
                self.emit(Instr::Badrecord { a: b });
                self.place(ok);
                self.finish(d, r);
            }
            E::ListComp(body, quals) if quals.iter().all(|q| !matches!(q, CQual::BinGen(..))) => {
                self.list_comp(*body, quals, d)
            }
            E::Receive(clauses, after) => self.receive(clauses, after, d),
            E::Try(body, of, catches, after) => self.try_(body, of, catches, after, d),
            e => self.escape(e, d),
        }
        self.top = mark;
    }

    /// Three new temporaries for a handler's class, reason and stack trace.
    fn exc_regs(&mut self) -> (Reg, Reg, Reg) {
        (self.temp(), self.temp(), self.temp())
    }

    /// `catch X`: `X` runs under a handler whose landing turns the exception into a value.
    fn catch(&mut self, x: E, d: Dest) {
        let r = self.target(d);
        let (class, reason, stack) = self.exc_regs();
        let handler = self.label();
        let ok = self.label();
        self.emit(Instr::TryEnter {
            handler,
            class,
            reason,
            stack,
            after: false,
        });
        self.expr(x, Dest::Reg(r));
        self.emit(Instr::TryEnd);
        self.emit(Instr::Jump { to: ok });
        self.place(handler);
        self.emit(Instr::CatchValue {
            class,
            reason,
            stack,
            dst: r,
        });
        self.place(ok);
        self.finish(d, r);
    }

    /// `try Body of Of catch Catches after After end`. The body runs under a handler for the
    /// catch clauses (popped before `of`, so `of` clauses are not protected, as in OTP); with
    /// `after`, an outer handler covers body, `of` and catch clauses, runs `After` and raises
    /// again, while the normal exit runs `After` after popping it. Without `after`, the `of`
    /// and catch clauses are in tail position if the `try` is.
    fn try_(
        &mut self,
        body: Vec<E>,
        of: Vec<CClause>,
        catches: Vec<CClause>,
        after: Vec<E>,
        d: Dest,
    ) {
        let has_after = !after.is_empty();
        let r = self.target(d);
        let inner = if has_after { Dest::Reg(r) } else { d };
        let outer = if has_after {
            let regs = self.exc_regs();
            let h = self.label();
            self.emit(Instr::TryEnter {
                handler: h,
                class: regs.0,
                reason: regs.1,
                stack: regs.2,
                after: true,
            });
            Some((h, regs))
        } else {
            None
        };
        let done = self.label();
        let v = self.temp();
        let handler = if catches.is_empty() {
            self.body(body, Dest::Reg(v));
            None
        } else {
            let (class, reason, stack) = self.exc_regs();
            let h = self.label();
            self.emit(Instr::TryEnter {
                handler: h,
                class,
                reason,
                stack,
                after: false,
            });
            self.body(body, Dest::Reg(v));
            self.emit(Instr::TryEnd);
            Some((h, class, reason, stack))
        };
        if of.is_empty() {
            self.expr(E::Var(v), inner);
        } else {
            self.clauses(of, &[v], inner, Instr::TryClause { a: v });
        }
        if let Dest::Reg(_) = inner {
            self.emit(Instr::Jump { to: done });
        }
        if let Some((h, class, reason, stack)) = handler {
            self.place(h);
            let nomatch = Instr::Reraise {
                class,
                reason,
                stack,
            };
            self.clauses(catches, &[class, reason, stack], inner, nomatch);
        }
        self.place(done);
        if let Some((h, (class, reason, stack))) = outer {
            // One copy of `After` for both exits: the normal one leaves `[]` as the class.
            let end = self.label();
            let rethrow = self.label();
            self.emit(Instr::TryEnd);
            self.emit(Instr::Lit {
                dst: class,
                val: Term::Nil,
            });
            self.place(h);
            let mark = self.top;
            let t = self.temp();
            self.body(after, Dest::Reg(t));
            self.top = mark;
            self.emit(Instr::IsNil {
                a: class,
                fail: rethrow,
            });
            self.finish(d, r);
            if let Dest::Reg(_) = d {
                self.emit(Instr::Jump { to: end });
            }
            self.place(rethrow);
            self.emit(Instr::Reraise {
                class,
                reason,
                stack,
            });
            self.place(end);
        }
    }

    /// `A andalso B` (`go` = true, `stop` = false) and `A orelse B` (the reverse).
    fn short_circuit(&mut self, a: E, b: E, d: Dest, go: atom::Atom, stop: atom::Atom) {
        let r = self.target(d);
        self.expr(a, Dest::Reg(r));
        let not_go = self.label();
        let bad = self.label();
        let end = self.label();
        self.emit(Instr::IsAtom {
            a: r,
            atom: go,
            fail: not_go,
        });
        match d {
            Dest::Tail => self.expr(b, Dest::Tail),
            Dest::Reg(_) => {
                self.expr(b, Dest::Reg(r));
                self.emit(Instr::Jump { to: end });
            }
        }
        self.place(not_go);
        self.emit(Instr::IsAtom {
            a: r,
            atom: stop,
            fail: bad,
        });
        match d {
            Dest::Tail => self.emit(Instr::Return { src: r }),
            Dest::Reg(_) => self.emit(Instr::Jump { to: end }),
        }
        self.place(bad);
        self.emit(Instr::BadBool { a: r });
        self.place(end);
    }

    /// `[Body || Quals]` over list generators: nested loops in this frame. Each generator
    /// walks its list with `get_list` (a head that does not match the pattern is skipped, a
    /// tail that is not a list raises `bad_generator`), filters jump to the innermost loop's
    /// next element, and each body value is consed onto an accumulator reversed at the end.
    fn list_comp(&mut self, body: E, quals: Vec<CQual>, d: Dest) {
        let r = self.target(d);
        let acc = self.temp();
        self.emit(Instr::Lit {
            dst: acc,
            val: Term::Nil,
        });
        let done = self.label();
        let mut next = done;
        // Per generator: its list register, the label that ends its loop, its loop's exit.
        let mut footers: Vec<(Reg, Label, Label)> = Vec::new();
        for q in quals {
            match q {
                CQual::Gen(p, g) => {
                    let l = self.temp();
                    let h = self.temp();
                    self.expr(g, Dest::Reg(l));
                    let top = self.label();
                    let notcons = self.label();
                    self.place(top);
                    self.emit(Instr::GetList {
                        a: l,
                        head: h,
                        tail: l,
                        fail: notcons,
                    });
                    self.pattern(p, h, top);
                    footers.push((l, notcons, next));
                    next = top;
                }
                CQual::GuardFilter(f) => self.test(f, next),
                CQual::Filter(f) => {
                    let mark = self.top;
                    let v = self.temp();
                    self.expr(f, Dest::Reg(v));
                    let not_true = self.label();
                    let ok = self.label();
                    let bad = self.label();
                    self.emit(Instr::IsAtom {
                        a: v,
                        atom: atom::TRUE,
                        fail: not_true,
                    });
                    self.emit(Instr::Jump { to: ok });
                    self.place(not_true);
                    self.emit(Instr::IsAtom {
                        a: v,
                        atom: atom::FALSE,
                        fail: bad,
                    });
                    self.emit(Instr::Jump { to: next });
                    self.place(bad);
                    self.emit(Instr::BadFilter { a: v });
                    self.place(ok);
                    self.top = mark;
                }
                CQual::BinGen(..) => {
                    unreachable!("callers send binary generators to the evaluator")
                }
            }
        }
        let mark = self.top;
        let v = self.temp();
        self.expr(body, Dest::Reg(v));
        self.emit(Instr::Cons {
            dst: acc,
            head: v,
            tail: acc,
        });
        self.top = mark;
        self.emit(Instr::Jump { to: next });
        for (l, notcons, exit) in footers.into_iter().rev() {
            let bad = self.label();
            self.place(notcons);
            self.emit(Instr::IsNil { a: l, fail: bad });
            self.emit(Instr::Jump { to: exit });
            self.place(bad);
            self.emit(Instr::BadGenerator { a: l });
        }
        self.place(done);
        self.emit(Instr::Bif {
            f: crate::bifs::lookup("lists", "reverse", 1).expect("lists:reverse/1 is a BIF"),
            dst: r,
            args: Box::new([acc]),
            fast: FastBif::No,
        });
        self.finish(d, r);
    }

    /// `receive Clauses after T -> After end`: scan the mailbox from a cursor, try the
    /// compiled clauses on each message (a clause that matches removes it first), wait when
    /// every message was tried, run `After` once the deadline has passed.
    fn receive(&mut self, cls: Vec<CClause>, after: Option<(Box<E>, Vec<E>)>, d: Dest) {
        let deadline = after.as_ref().map(|_| self.temp());
        let (timeout, after_body) = match after {
            Some((t, body)) => (Some(*t), body),
            None => (None, Vec::new()),
        };
        if let (Some(t), Some(dl)) = (timeout, deadline) {
            let tr = self.operand(t);
            self.emit(Instr::RecvTimeout { t: tr, dst: dl });
        }
        let cursor = self.temp();
        let msg = self.temp();
        let poll = self.label();
        let lp = self.label();
        let next = self.label();
        let empty = self.label();
        let expired = self.label();
        let end = self.label();
        self.emit(Instr::Lit {
            dst: cursor,
            val: Term::Int(0),
        });
        self.place(poll);
        self.emit(Instr::RecvPoll);
        self.place(lp);
        self.emit(Instr::LoopRec {
            cursor,
            dst: msg,
            empty,
        });
        self.clauses_at(cls, &[msg], d, Instr::Jump { to: next }, Some(cursor));
        if let Dest::Reg(_) = d {
            self.emit(Instr::Jump { to: end });
        }
        self.place(next);
        self.emit(Instr::LoopRecNext { cursor, to: lp });
        self.place(empty);
        self.emit(Instr::Wait {
            deadline,
            poll,
            timeout: expired,
        });
        self.place(expired);
        self.body(after_body, d);
        self.place(end);
    }

    /// Clause selection over the values in `args` (one per pattern column).
    fn clauses(&mut self, cls: Vec<CClause>, args: &[Reg], d: Dest, nomatch: Instr) {
        self.clauses_at(cls, args, d, nomatch, None)
    }

    /// As `clauses`; with `remove`, a clause that matches first takes the message at that
    /// cursor out of the mailbox (`receive`).
    fn clauses_at(
        &mut self,
        cls: Vec<CClause>,
        args: &[Reg],
        d: Dest,
        nomatch: Instr,
        remove: Option<Reg>,
    ) {
        let n = cls.len();
        let starts: Vec<Label> = (0..n).map(|_| self.label()).collect();
        let nm = self.label();
        let end = self.label();
        let rows: Vec<&[Pat]> = cls.iter().map(|c| c.pats.as_slice()).collect();
        match dispatch::plan(&rows, args, &starts, nm) {
            Plan::None => {}
            Plan::Switch(table) => self.emit(Instr::Switch {
                a: args[0],
                table: Box::new(table),
            }),
            Plan::Select(table) => self.emit(Instr::Select {
                table: Box::new(table),
            }),
        }
        for (i, c) in cls.into_iter().enumerate() {
            self.place(starts[i]);
            let fail = if i + 1 < n { starts[i + 1] } else { nm };
            let mark = self.top;
            for (k, p) in c.pats.into_iter().enumerate() {
                self.pattern(p, args[k], fail);
            }
            self.guard(c.guard, fail);
            if let Some(cursor) = remove {
                self.emit(Instr::RemoveMessage { cursor });
            }
            self.top = mark;
            self.body(c.body, d);
            if let Dest::Reg(_) = d {
                self.emit(Instr::Jump { to: end });
            }
            self.top = mark;
        }
        self.place(nm);
        self.emit(nomatch);
        self.place(end);
    }

    /// Tests that the value in `r` matches `p`, binding its variables; jumps to `fail` if not.
    fn pattern(&mut self, p: Pat, r: Reg, fail: Label) {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.pattern_inner(p, r, fail))
    }

    fn pattern_inner(&mut self, p: Pat, r: Reg, fail: Label) {
        match p {
            Pat::Any => {}
            Pat::Bind(s) => {
                if s != r {
                    self.emit(Instr::Move { dst: s, src: r });
                }
            }
            Pat::Check(s) => self.emit(Instr::IsEq { a: s, b: r, fail }),
            Pat::Lit(Term::Int(k)) => self.emit(Instr::IsInt { a: r, k, fail }),
            Pat::Lit(Term::Atom(atom)) => self.emit(Instr::IsAtom { a: r, atom, fail }),
            Pat::Lit(Term::Nil) | Pat::Nil => self.emit(Instr::IsNil { a: r, fail }),
            Pat::Lit(val) => self.emit(Instr::IsLit { a: r, val, fail }),
            // Only the half that is looked at is read (no reference-count traffic for a
            // tail that `_` ignores).
            // A constant head is tested where it lies, without reading it out.
            Pat::Cons(h, t) if matches!(*h, Pat::Lit(Term::Int(_)) | Pat::Lit(Term::Atom(_))) => {
                match *h {
                    Pat::Lit(Term::Int(k)) => self.emit(Instr::HdIsInt { a: r, k, fail }),
                    Pat::Lit(Term::Atom(atom)) => self.emit(Instr::HdIsAtom { a: r, atom, fail }),
                    _ => unreachable!("guarded above"),
                }
                if !matches!(*t, Pat::Any) {
                    let tr = match home(&t) {
                        Some(s) => s,
                        None => self.temp(),
                    };
                    self.emit(Instr::GetTl {
                        a: r,
                        dst: tr,
                        fail,
                    });
                    self.pattern(*t, tr, fail);
                }
            }
            Pat::Cons(h, t) if matches!(*t, Pat::Any) => {
                let hr = match home(&h) {
                    Some(s) => s,
                    None => self.temp(),
                };
                self.emit(Instr::GetHd {
                    a: r,
                    dst: hr,
                    fail,
                });
                self.pattern(*h, hr, fail);
            }
            // `[_, _, ... | Rest]`: walk the ignored heads by reference, read one tail.
            Pat::Cons(h, t) if matches!(*h, Pat::Any) => {
                let mut n = 1;
                let mut rest = *t;
                while let Pat::Cons(h2, t2) = rest {
                    if matches!(*h2, Pat::Any) && !matches!(*t2, Pat::Any) {
                        n += 1;
                        rest = *t2;
                    } else {
                        rest = Pat::Cons(h2, t2);
                        break;
                    }
                }
                let tr = match home(&rest) {
                    Some(s) => s,
                    None => self.temp(),
                };
                if n == 1 {
                    self.emit(Instr::GetTl {
                        a: r,
                        dst: tr,
                        fail,
                    });
                } else {
                    self.emit(Instr::GetTlN {
                        a: r,
                        n,
                        dst: tr,
                        fail,
                    });
                }
                self.pattern(rest, tr, fail);
            }
            Pat::Cons(h, t) => {
                let hr = match home(&h) {
                    Some(s) => s,
                    None => self.temp(),
                };
                let tr = match home(&t) {
                    Some(s) => s,
                    None => self.temp(),
                };
                self.emit(Instr::GetList {
                    a: r,
                    head: hr,
                    tail: tr,
                    fail,
                });
                self.pattern(*h, hr, fail);
                self.pattern(*t, tr, fail);
            }
            Pat::Tuple(ps) => {
                self.emit(Instr::IsTuple {
                    a: r,
                    n: ps.len() as u32,
                    fail,
                });
                for (i, p) in ps.into_iter().enumerate() {
                    let i = i as u32;
                    match p {
                        Pat::Any => {}
                        Pat::Bind(s) => self.emit(Instr::GetElem { a: r, i, dst: s }),
                        p if home(&p).is_some() => {
                            let s = home(&p).expect("checked");
                            self.emit(Instr::GetElem { a: r, i, dst: s });
                            self.pattern(p, s, fail);
                        }
                        p => {
                            let t = self.temp();
                            self.emit(Instr::GetElem { a: r, i, dst: t });
                            self.pattern(p, t, fail);
                        }
                    }
                }
            }
            Pat::Alias(a, b) => {
                self.pattern(*a, r, fail);
                self.pattern(*b, r, fail);
            }
            // `#{K := P...}`: keys are guard expressions (an exception fails the match).
            Pat::Map(kps) if kps.iter().all(|(k, _)| guard_value(k)) => {
                self.emit(Instr::IsMap { a: r, fail });
                for (k, p) in kps {
                    let key = self.gvalue(k, fail);
                    let dst = match p {
                        Pat::Bind(s) => s,
                        _ => self.temp(),
                    };
                    self.emit(Instr::GetMapElem {
                        a: r,
                        key,
                        dst,
                        fail,
                    });
                    self.pattern(p, dst, fail);
                }
            }
            // `<<V:Size/Type...>>`: a match context (the binary and an offset in two
            // registers), one `bs_get` per segment (sizes are guard values computed after the
            // segments before them bound their variables), then every bit must be used.
            Pat::Bin(segs) if segs.iter().all(|s| s.size.as_ref().is_none_or(guard_value)) => {
                let bin = self.temp();
                let off = self.temp();
                self.emit(Instr::BsStart {
                    a: r,
                    bin,
                    off,
                    fail,
                });
                let n = segs.len();
                for (i, sg) in segs.into_iter().enumerate() {
                    let size = sg.size.map(|e| self.gvalue(e, fail));
                    let dst = match sg.value {
                        Pat::Bind(s) => s,
                        _ => self.temp(),
                    };
                    self.emit(Instr::BsGet {
                        bin,
                        off,
                        size,
                        ty: sg.ty,
                        unit: sg.unit,
                        signed: sg.signed,
                        little: sg.little,
                        last: i + 1 == n,
                        dst,
                        fail,
                    });
                    self.pattern(sg.value, dst, fail);
                }
                self.emit(Instr::BsEnd { bin, off, fail });
            }
            p @ (Pat::Bin(_) | Pat::Map(_)) => {
                let idx = self.code.pats.len() as u32;
                self.code.pats.push(p);
                self.emit(Instr::MatchEsc {
                    pat: idx,
                    a: r,
                    fail,
                });
            }
        }
    }

    /// A guard (a disjunction of conjunctions of tests); jumps to `fail` unless one holds.
    fn guard(&mut self, g: Vec<Vec<E>>, fail: Label) {
        if g.is_empty() {
            return;
        }
        let ok = self.label();
        let n = g.len();
        for (i, conj) in g.into_iter().enumerate() {
            let next = if i + 1 == n { fail } else { self.label() };
            for e in conj {
                self.test(e, next);
            }
            if i + 1 < n {
                self.emit(Instr::Jump { to: ok });
                self.place(next);
            }
        }
        self.place(ok);
    }

    /// The register holding guard operand `e` (`guard_value(e)` holds); an exception while
    /// computing it jumps to `fail`.
    fn gvalue(&mut self, e: E, fail: Label) -> Reg {
        match e {
            E::Var(s) => s,
            E::At(_, x) => self.gvalue(*x, fail),
            E::Lit(val) => {
                let t = self.temp();
                self.emit(Instr::Lit { dst: t, val });
                t
            }
            E::OpVarInt(op, a, k) => {
                let b = self.temp();
                self.emit(Instr::Lit {
                    dst: b,
                    val: Term::Int(k),
                });
                let t = self.temp();
                self.emit(Instr::GuardOp {
                    op,
                    dst: t,
                    a,
                    b,
                    fail,
                });
                t
            }
            E::OpVarVar(op, a, b) => {
                let t = self.temp();
                self.emit(Instr::GuardOp {
                    op,
                    dst: t,
                    a,
                    b,
                    fail,
                });
                t
            }
            E::Op2(op, a, b) => {
                let a = self.gvalue(*a, fail);
                let b = self.gvalue(*b, fail);
                let t = self.temp();
                self.emit(Instr::GuardOp {
                    op,
                    dst: t,
                    a,
                    b,
                    fail,
                });
                t
            }
            E::CallBif(f, _, _, args) => {
                let args: Vec<Reg> = args.into_iter().map(|a| self.gvalue(a, fail)).collect();
                let t = self.temp();
                self.emit(Instr::GuardBif {
                    f,
                    dst: t,
                    args: args.into(),
                    fail,
                });
                t
            }
            // Not reached: callers check `guard_value` first.
            e => {
                let t = self.temp();
                self.expr(e, Dest::Reg(t));
                t
            }
        }
    }

    /// One guard test: jumps to `fail` unless `e` evaluates to `true` (an exception fails).
    fn test(&mut self, e: E, fail: Label) {
        let mark = self.top;
        match e {
            E::At(_, x) => self.test(*x, fail),
            E::Lit(Term::Atom(atom::TRUE)) => {}
            E::OpVarInt(op, a, k) if is_cmp(op) => self.emit(Instr::CmpInt { op, a, k, fail }),
            E::OpVarVar(op, a, b) if is_cmp(op) => self.emit(Instr::Cmp { op, a, b, fail }),
            E::Op2(op, a, b) if is_cmp(op) && guard_value(&a) && int_lit(&b).is_some() => {
                let k = int_lit(&b).expect("checked");
                let a = self.gvalue(*a, fail);
                self.emit(Instr::CmpInt { op, a, k, fail });
            }
            E::CallBif(_, m, name, args)
                if m == atom::ERLANG
                    && args.len() == 1
                    && guard_value(&args[0])
                    && TypeTest::of_bif(name.name()).is_some() =>
            {
                let ty = TypeTest::of_bif(name.name()).expect("checked");
                let a = self.gvalue(args.into_iter().next().expect("one argument"), fail);
                self.emit(Instr::IsType { a, ty, fail });
            }
            E::Op2(op, a, b) if is_cmp(op) && guard_value(&a) && guard_value(&b) => {
                let a = self.gvalue(*a, fail);
                let b = self.gvalue(*b, fail);
                self.emit(Instr::Cmp { op, a, b, fail });
            }
            E::Var(s) => self.emit(Instr::IsAtom {
                a: s,
                atom: atom::TRUE,
                fail,
            }),
            E::AndAlso(a, b) => {
                self.test(*a, fail);
                self.test(*b, fail);
            }
            E::CallBif(f, _, _, args) if args.iter().all(guard_value) => {
                let args: Vec<Reg> = args.into_iter().map(|a| self.gvalue(a, fail)).collect();
                self.emit(Instr::BifTest {
                    f,
                    args: args.into(),
                    fail,
                });
            }
            e => {
                let idx = self.code.escapes.len() as u32;
                self.code.escapes.push(e);
                self.emit(Instr::GuardEsc { e: idx, fail });
            }
        }
        self.top = mark;
    }
}

/// The register a sub-pattern's value may be read straight into: the variable it binds
/// (`T`, or `T = [...]`, which `reuse` adds for a sub-term a construction reuses).
fn home(p: &Pat) -> Option<Reg> {
    match p {
        Pat::Bind(s) => Some(*s),
        Pat::Alias(a, _) => match **a {
            Pat::Bind(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// The length of a list expression whose cells are all written out (`[A, B]`, `[A | [B]]`,
/// a literal list): `apply`'s argument list when it compiles to a direct call.
fn fixed_list(e: &E) -> Option<usize> {
    match e {
        E::Lit(t) => t.list_to_vec().map(|v| v.len()),
        E::Cons(heads, tail) => Some(heads.len() + fixed_list(tail)?),
        _ => None,
    }
}

/// The element expressions of a list `fixed_list` accepted, in order.
fn fixed_list_take(e: E) -> Vec<E> {
    let mut out = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            E::Lit(t) => {
                out.extend(t.list_to_vec().unwrap_or_default().into_iter().map(E::Lit));
                return out;
            }
            E::Cons(heads, tail) => {
                out.extend(heads);
                cur = *tail;
            }
            _ => return out,
        }
    }
}
