//! What libpcap's optimiser changes about verdicts, reproduced on the IR.
//!
//! tcpdump compiles filters with libpcap's optimiser on, and a load past the captured bytes
//! rejects a packet only if the load is still in the optimised program. So we rebuild the
//! program's control-flow graph the way libpcap's code generator lays it out (one block per
//! test, `and`/`or` by backpatching), run the parts of libpcap's `opt_loop` that move or delete
//! tests, and turn the result back into a predicate that performs exactly the surviving tests:
//!
//! - **Jump threading** (`opt_j`/`fold_edge`): an edge into a block whose test is decided by the
//!   edges that dominate it (the same test on the same value, or `x == k1` held so `x == k2`
//!   fails) skips that block. Facts from only some of the paths into a block are not used.
//! - **Common branch targets**: an edge into a block whose two branches go to the same place
//!   skips the block, load and all (`tcp[1000] = 0 or ip` never reads `tcp[1000]`).
//! - **Pull-ups** (`or_pullup`/`and_pullup`): along an `or` chain (an `and` chain), a later test
//!   of the value the chain's predecessor tested is moved up, so `src == a or dst == a or
//!   src == b` reads both sources before the destination.
//! - **The root block**: its test may be removed but its load stays, moving to the first test that
//!   remains; a program that reduces to "reject" is refused ("expression rejects all packets").
//! - The peephole pass turns `and #m; jeq #0` into `jset #m` on the unmasked value, which decides
//!   which tests count as "the same value".
//!
//! Filters too large for this analysis (more than a few thousand tests) are kept as written;
//! only verdicts on truncated packets that depend on a deleted load could then differ.

use crate::ir::{Atom, Load, Pred, Rel, Val};
use std::collections::HashMap;

/// Targets: 0 = reject, 1 = accept, n >= 2 = block n - 2.
const REJECT: u32 = 0;
const ACCEPT: u32 = 1;
const MAX_BLOCKS: usize = 1500;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Test {
    Atom(Atom),
    Cmp(Val, Rel, Val),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Op {
    Jeq,
    Jgt,
    Jge,
    Jset,
}

/// The value a test examines (the accumulator's value number): a load and a mask, or a general
/// comparison's own computation.
type Value = (Load, u32, usize);

/// The machine test behind a test: its value, instruction, constant, and whether the IR test is
/// the instruction's true sense. libpcap's peephole pass turns `and #m; jeq #0` into `jset #m`
/// on the unmasked load.
fn machine_test(t: &Test, idx: usize) -> (Value, Op, u32, bool) {
    match t {
        Test::Atom(a) => {
            if a.mask != u32::MAX && a.k == 0 && matches!(a.rel, Rel::Eq | Rel::Ne) {
                return (
                    (a.load, u32::MAX, usize::MAX),
                    Op::Jset,
                    a.mask,
                    a.rel == Rel::Ne,
                );
            }
            let (op, positive) = match a.rel {
                Rel::Eq => (Op::Jeq, true),
                Rel::Ne => (Op::Jeq, false),
                Rel::Gt => (Op::Jgt, true),
                Rel::Le => (Op::Jgt, false),
                Rel::Ge => (Op::Jge, true),
                Rel::Lt => (Op::Jge, false),
            };
            ((a.load, a.mask, usize::MAX), op, a.k, positive)
        }
        Test::Cmp(_, rel, rhs) => {
            // `idx` is the interned identity of the comparison's value (see Cfg::new_block).
            let k = match rhs {
                Val::K(k) => *k,
                _ => 0,
            };
            let l = Load {
                base: crate::ir::Base::Abs,
                off: 0,
                size: 0,
            };
            let (op, positive) = match rel {
                Rel::Eq => (Op::Jeq, true),
                Rel::Ne => (Op::Jeq, false),
                Rel::Gt => (Op::Jgt, true),
                Rel::Le => (Op::Jgt, false),
                Rel::Ge => (Op::Jge, true),
                Rel::Lt => (Op::Jge, false),
            };
            ((l, 0, idx), op, k, positive)
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Block {
    test: usize,
    /// Where the block goes when the *machine* test is true / false.
    jt: u32,
    jf: u32,
}

struct Cfg {
    tests: Vec<Test>,
    /// Value numbers of general comparisons: `v rel k` is a test of v's value (computed through
    /// the X register, so never the value a primitive's test reads), other comparisons of their
    /// pair of values; comparisons of constants (folded only in libpcap's last pass) each get
    /// their own.
    cmp_values: HashMap<(Val, Option<Val>), usize>,
    /// Per test: (value, op, constant) of its machine test, and its IR sense.
    machine: Vec<(Value, Op, u32, bool)>,
    blocks: Vec<Block>,
    root: u32,
}

impl Cfg {
    fn new_block(&mut self, t: Test, on_true: u32, on_false: u32) -> u32 {
        let idx = self.tests.len();
        let vn = match &t {
            // Odd numbers: each comparison of constants is a value of its own. Even numbers:
            // interned values of the other comparisons. (One space for both once let the
            // constant `0 != 0` pass for `ether[1000] = 1`'s value and jump-thread on it.)
            Test::Cmp(Val::K(_), _, Val::K(_)) => 2 * idx + 1,
            Test::Cmp(a, _, b) => {
                let key = match b {
                    Val::K(_) => (a.clone(), None),
                    b => (a.clone(), Some(b.clone())),
                };
                let n = 2 * self.cmp_values.len();
                *self.cmp_values.entry(key).or_insert(n)
            }
            Test::Atom(_) => idx,
        };
        let m = machine_test(&t, vn);
        self.tests.push(t);
        self.machine.push(m);
        // The block's branches follow the machine instruction's sense.
        let (jt, jf) = if m.3 {
            (on_true, on_false)
        } else {
            (on_false, on_true)
        };
        self.blocks.push(Block { test: idx, jt, jf });
        self.blocks.len() as u32 + 1
    }

    /// libpcap's layout: the entry of `p` given where its true and false exits go.
    fn build(&mut self, p: &Pred, t: u32, f: u32) -> Option<u32> {
        if self.blocks.len() > MAX_BLOCKS {
            return None;
        }
        Some(match p {
            Pred::True => t,
            Pred::False => f,
            Pred::Atom(a) => self.new_block(Test::Atom(*a), t, f),
            Pred::Cmp(a, r, b) => self.new_block(Test::Cmp(a.clone(), *r, b.clone()), t, f),
            Pred::And(a, b) => {
                let eb = self.build(b, t, f)?;
                self.build(a, eb, f)?
            }
            Pred::Or(a, b) => {
                let eb = self.build(b, t, f)?;
                self.build(a, t, eb)?
            }
            Pred::Not(a) => self.build(a, f, t)?,
        })
    }

    fn blk(&self, id: u32) -> &Block {
        &self.blocks[id as usize - 2]
    }

    /// Reachable blocks in topological order (parents before children).
    fn topo(&self) -> Vec<u32> {
        let mut order = Vec::new();
        let mut state = vec![0u8; self.blocks.len() + 2];
        let mut stack = vec![(self.root, false)];
        while let Some((id, done)) = stack.pop() {
            if id < 2 {
                continue;
            }
            if done {
                order.push(id);
                continue;
            }
            if state[id as usize] != 0 {
                continue;
            }
            state[id as usize] = 1;
            stack.push((id, true));
            let b = self.blk(id);
            stack.push((b.jf, false));
            stack.push((b.jt, false));
        }
        order.reverse();
        order
    }

    /// Does the fact "block `p` took its `side` branch" decide block `c`'s test?
    /// Returns where `c` then goes.
    fn fold(&self, c: u32, p: u32, side_true: bool) -> Option<u32> {
        let cb = self.blk(c);
        let pb = self.blk(p);
        let (cv, cop, ck, _) = self.machine[cb.test];
        let (pv, pop, pk, _) = self.machine[pb.test];
        if cop != pop || cv != pv {
            return None;
        }
        if ck == pk {
            return Some(if side_true { cb.jt } else { cb.jf });
        }
        if side_true && cop == Op::Jeq {
            return Some(cb.jf);
        }
        None
    }

    /// One round of jump threading and common-target bypass; true if anything changed.
    fn thread(&mut self) -> bool {
        let order = self.topo();
        let n = self.blocks.len() + 2;
        let mut pos = vec![usize::MAX; n];
        for (i, &b) in order.iter().enumerate() {
            pos[b as usize] = i;
        }
        // In-edges, then edge dominators: edom(p, side) = {(p, side)} + meet over p's in-edges.
        let mut ins: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n];
        for &b in &order {
            let bl = *self.blk(b);
            ins[bl.jt as usize].push((b, true));
            ins[bl.jf as usize].push((b, false));
        }
        let words = (2 * n).div_ceil(64);
        let eid = |b: u32, side: bool| 2 * b as usize + side as usize;
        let mut edom: HashMap<usize, Vec<u64>> = HashMap::new();
        let mut changed = false;
        for &b in &order {
            // Meet of the in-edges' dominator sets.
            let mut meet: Option<Vec<u64>> = None;
            for &(p, side) in &ins[b as usize] {
                let s = &edom[&eid(p, side)];
                meet = Some(match meet {
                    None => s.clone(),
                    Some(m) => m.iter().zip(s).map(|(x, y)| x & y).collect(),
                });
            }
            let meet = meet.unwrap_or_else(|| vec![0u64; words]);
            for side in [true, false] {
                let mut set = meet.clone();
                let e = eid(b, side);
                set[e / 64] |= 1 << (e % 64);
                edom.insert(e, set);
            }
        }
        for &b in &order {
            for side in [true, false] {
                let set = edom[&eid(b, side)].clone();
                let mut succ = if side { self.blk(b).jt } else { self.blk(b).jf };
                'top: loop {
                    if succ < 2 {
                        break;
                    }
                    let sb = *self.blk(succ);
                    if sb.jt == sb.jf {
                        succ = sb.jt;
                        changed = true;
                        continue 'top;
                    }
                    for (w, &word) in set.iter().enumerate() {
                        let mut x = word;
                        while x != 0 {
                            let k = x.trailing_zeros() as usize;
                            x &= x - 1;
                            let e = w * 64 + k;
                            let (p, pside) = ((e / 2) as u32, e % 2 == 1);
                            if let Some(t) = self.fold(succ, p, pside) {
                                succ = t;
                                changed = true;
                                continue 'top;
                            }
                        }
                    }
                    break;
                }
                let bl = &mut self.blocks[b as usize - 2];
                if side {
                    bl.jt = succ;
                } else {
                    bl.jf = succ;
                }
            }
        }
        changed
    }

    /// libpcap's or_pullup (`or_side` true) and and_pullup, applied once to every block; true
    /// if a test moved.
    fn pullups(&mut self) -> bool {
        let order = self.topo();
        let n = self.blocks.len() + 2;
        let mut ins: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n];
        for &b in &order {
            let bl = *self.blk(b);
            ins[bl.jt as usize].push((b, true));
            ins[bl.jf as usize].push((b, false));
        }
        // Dominators: dom(b) = {b} + intersection over predecessors.
        let mut dom: Vec<Option<Vec<bool>>> = vec![None; n];
        for &b in &order {
            let mut d: Option<Vec<bool>> = None;
            for &(p, _) in &ins[b as usize] {
                let pd = dom[p as usize].as_ref().expect("topological order");
                d = Some(match d {
                    None => pd.clone(),
                    Some(x) => x.iter().zip(pd).map(|(a, c)| *a && *c).collect(),
                });
            }
            let mut d = d.unwrap_or_else(|| vec![false; n]);
            d[b as usize] = true;
            dom[b as usize] = Some(d);
        }
        let value = |s: &Self, b: u32| s.machine[s.blk(b).test].0;
        for &b in &order {
            for or_side in [true, false] {
                let Some(&(first_pred, first_side)) = ins[b as usize].first() else {
                    continue;
                };
                let val = value(self, first_pred);
                if ins[b as usize].iter().any(|&(p, _)| value(self, p) != val) {
                    continue;
                }
                // The link followed down the chain: false edges for `or`, true for `and`.
                let next = |s: &Self, x: u32| if or_side { s.blk(x).jf } else { s.blk(x).jt };
                let same = |s: &Self, x: u32| if or_side { s.blk(x).jt } else { s.blk(x).jf };
                let target = same(self, b);
                let dominated = |x: u32| dom[x as usize].as_ref().is_some_and(|d| d[b as usize]);
                // diff: the link (owner block, which side) that points at the first node of
                // the chain whose value differs from `val`.
                let mut owner: (u32, bool) = (first_pred, first_side);
                let mut cur = b;
                loop {
                    if cur < 2 || same(self, cur) != target || !dominated(cur) {
                        cur = u32::MAX;
                        break;
                    }
                    if value(self, cur) != val {
                        break;
                    }
                    owner = (cur, !or_side);
                    cur = next(self, cur);
                }
                if cur == u32::MAX {
                    continue;
                }
                let diff = cur;
                let at_top = diff == b;
                // Search below for a node of value `val`.
                let mut samep_owner = (diff, !or_side);
                let mut s = next(self, diff);
                let found = loop {
                    if s < 2 || same(self, s) != target || !dominated(s) {
                        break None;
                    }
                    if value(self, s) == val {
                        break Some(s);
                    }
                    samep_owner = (s, !or_side);
                    s = next(self, s);
                };
                let Some(pull) = found else {
                    continue;
                };
                // Unlink `pull` and put it in front of `diff`.
                let after_pull = next(self, pull);
                self.set_link(samep_owner, after_pull);
                self.set_next(pull, or_side, diff);
                if at_top {
                    for &(p, side) in &ins[b as usize] {
                        self.set_link((p, side), pull);
                    }
                } else {
                    self.set_link(owner, pull);
                }
                return true;
            }
        }
        false
    }

    fn set_link(&mut self, (owner, side): (u32, bool), to: u32) {
        let bl = &mut self.blocks[owner as usize - 2];
        if side {
            bl.jt = to;
        } else {
            bl.jf = to;
        }
    }

    fn set_next(&mut self, b: u32, or_side: bool, to: u32) {
        self.set_link((b, !or_side), to);
    }

    fn test_pred(&self, t: usize) -> Pred {
        match &self.tests[t] {
            Test::Atom(a) => Pred::Atom(*a),
            Test::Cmp(a, r, b) => Pred::Cmp(a.clone(), *r, b.clone()),
        }
    }

    /// The machine test of block `b` as a predicate (true when the block branches to jt).
    fn machine_pred(&self, b: u32) -> Pred {
        let t = self.blk(b).test;
        let p = self.test_pred(t);
        if self.machine[t].3 {
            p
        } else {
            negated(p)
        }
    }

    /// A predicate performing exactly the graph's tests; `None` past `limit` nodes.
    fn to_pred(&self, id: u32, limit: &mut usize) -> Option<Pred> {
        if id == ACCEPT {
            return Some(Pred::True);
        }
        if id == REJECT {
            return Some(Pred::False);
        }
        *limit = limit.checked_sub(1)?;
        let b = *self.blk(id);
        // Collapse an `or` chain (same true target) or an `and` chain (same false target) into
        // one condition, so the shared target is written once.
        let mut cond = self.machine_pred(id);
        let (mut hi, mut lo) = (b.jt, b.jf);
        loop {
            if lo >= 2 && self.blk(lo).jt == hi && lo != hi {
                cond = Pred::or(cond, self.machine_pred(lo));
                lo = self.blk(lo).jf;
            } else if hi >= 2 && self.blk(hi).jf == lo && lo != hi {
                cond = Pred::and(cond, self.machine_pred(hi));
                hi = self.blk(hi).jt;
            } else {
                break;
            }
        }
        Some(match (hi, lo) {
            (ACCEPT, REJECT) => cond,
            (REJECT, ACCEPT) => negated(cond),
            (ACCEPT, _) => Pred::or(cond, self.to_pred(lo, limit)?),
            (_, REJECT) => Pred::and(cond, self.to_pred(hi, limit)?),
            (REJECT, _) => Pred::and(negated(cond), self.to_pred(lo, limit)?),
            (_, ACCEPT) => Pred::or(negated(cond), self.to_pred(hi, limit)?),
            _ if hi == lo => {
                // Both branches meet: the test only costs its load.
                Pred::and(
                    Pred::or(cond.clone(), negated(cond)),
                    self.to_pred(hi, limit)?,
                )
            }
            _ => {
                // if cond then hi else lo; cond is evaluated again on the else path, which
                // reads the same bytes and so cannot change the verdict.
                let then = Pred::and(cond.clone(), self.to_pred(hi, limit)?);
                let other = Pred::and(negated(cond), self.to_pred(lo, limit)?);
                Pred::or(then, other)
            }
        })
    }
}

/// `a and b` with the constant folding that keeps BPF's verdicts.
///
/// `x and false` is kept: x still runs, and a load of x past the captured bytes rejects the
/// packet even where an `or` would go on (`x and false or less 44`). libpcap's optimiser does
/// drop x's tests (their branches meet, so they are bypassed), except where x holds the
/// program's first block, whose load stays; [`optimize`] models both.
pub fn simplify_and(a: Pred, b: Pred) -> Pred {
    match (&a, &b) {
        (Pred::True, _) => b,
        (_, Pred::True) => a,
        // `false and y` never evaluates y.
        (Pred::False, _) => Pred::False,
        _ => Pred::and(a, b),
    }
}

/// `a or b` with constant folding; `x or true` is kept for the reason `x and false` is (see
/// [`simplify_and`]).
pub fn simplify_or(a: Pred, b: Pred) -> Pred {
    match (&a, &b) {
        (Pred::False, _) => b,
        (_, Pred::False) => a,
        (Pred::True, _) => Pred::True,
        _ => Pred::or(a, b),
    }
}

/// Folds every constant away, tests and all (`x and false` becomes `false`): what libpcap's
/// optimiser leaves of a filter too large for the model, apart from the first block's load.
fn fold_constants(p: Pred) -> Pred {
    if !p.has_inner_constant() {
        return p;
    }
    let and = |a: Pred, b: Pred| match (&a, &b) {
        (Pred::False, _) | (_, Pred::False) => Pred::False,
        (Pred::True, _) => b,
        (_, Pred::True) => a,
        _ => Pred::and(a, b),
    };
    let or = |a: Pred, b: Pred| match (&a, &b) {
        (Pred::True, _) | (_, Pred::True) => Pred::True,
        (Pred::False, _) => b,
        (_, Pred::False) => a,
        _ => Pred::or(a, b),
    };
    p.rebuild(and, or, negated)
}

/// The result of optimising one rule.
pub enum Optimized {
    /// The predicate libpcap's optimised program evaluates.
    Pred(Pred),
    /// No packet can be accepted (libpcap: "expression rejects all packets").
    RejectsAll,
}

/// Applies the optimiser's verdict-visible effects to one rule.
/// `not p`, without a `not` where that is exact: a negated test is the opposite relation
/// (`pkt[12:2] != 0x800`), a negated negation is the test itself. A load past the captured
/// bytes rejects the packet whichever way the test is written, so the verdict is the same.
fn negated(p: Pred) -> Pred {
    match &p {
        Pred::True => Pred::False,
        Pred::False => Pred::True,
        Pred::Atom(a) => Pred::Atom(Atom {
            rel: a.rel.negate(),
            ..*a
        }),
        Pred::Cmp(a, r, b) => Pred::Cmp(a.clone(), r.negate(), b.clone()),
        Pred::Not(_) => {
            let mut p = p;
            match &mut p {
                Pred::Not(inner) => std::mem::replace(&mut **inner, Pred::True),
                _ => unreachable!("matched a negation above"),
            }
        }
        _ => Pred::not(p),
    }
}

/// A filter past the model's limits: kept as written, constants folded.
fn too_large(p: Pred) -> Optimized {
    match fold_constants(p) {
        Pred::False => Optimized::RejectsAll,
        p => Optimized::Pred(p),
    }
}

pub fn optimize(p: Pred) -> Optimized {
    if p.size_exceeds(MAX_BLOCKS) {
        return too_large(p);
    }
    let mut cfg = Cfg {
        tests: Vec::new(),
        cmp_values: HashMap::new(),
        machine: Vec::new(),
        blocks: Vec::new(),
        root: REJECT,
    };
    let Some(root) = cfg.build(&p, ACCEPT, REJECT) else {
        return too_large(p);
    };
    cfg.root = root;
    if root < 2 {
        return if root == ACCEPT {
            Optimized::Pred(Pred::True)
        } else {
            Optimized::RejectsAll
        };
    }
    let first_test = cfg.blk(root).test;
    // opt_loop: until nothing changes (bounded, as a guard against oscillation).
    for _ in 0..200 {
        let a = cfg.thread();
        let b = !a && cfg.pullups();
        if !a && !b {
            break;
        }
    }
    // The last pass folds comparisons of constants: their blocks stay, going one way.
    for i in 0..cfg.blocks.len() {
        if let Test::Cmp(Val::K(x), rel, Val::K(y)) = &cfg.tests[cfg.blocks[i].test] {
            let (_, _, _, positive) = cfg.machine[cfg.blocks[i].test];
            let machine_true = rel.holds(*x, *y) == positive;
            let b = &mut cfg.blocks[i];
            if machine_true {
                b.jf = b.jt;
            } else {
                b.jt = b.jf;
            }
        }
    }
    // opt_root: leading blocks whose branches meet are skipped; their loads stay.
    let mut r = cfg.root;
    while r >= 2 && cfg.blk(r).jt == cfg.blk(r).jf {
        r = cfg.blk(r).jt;
    }
    if r == REJECT {
        return Optimized::RejectsAll;
    }
    if r == ACCEPT {
        return Optimized::Pred(Pred::True);
    }
    let mut limit = 4 * cfg.blocks.len() + 64;
    let Some(q) = cfg.to_pred(r, &mut limit) else {
        return too_large(p);
    };
    if cfg.blk(r).test != first_test {
        // The first block's load still runs, whatever it finds.
        let t = cfg.test_pred(first_test);
        let load_only = Pred::or(t.clone(), Pred::not(t));
        return Optimized::Pred(Pred::and(load_only, q));
    }
    Optimized::Pred(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Packet;

    fn eq(off: u32, k: u32) -> Pred {
        Pred::atom(off, 2, u32::MAX, Rel::Eq, k)
    }

    #[test]
    fn contradictions_reject_everything() {
        assert!(matches!(
            optimize(Pred::and(eq(12, 0x800), eq(12, 0x86dd))),
            Optimized::RejectsAll
        ));
        assert!(matches!(
            optimize(Pred::and(eq(12, 1), Pred::not(eq(12, 1)))),
            Optimized::RejectsAll
        ));
        assert!(matches!(optimize(Pred::False), Optimized::RejectsAll));
        assert!(matches!(
            optimize(Pred::and(Pred::or(eq(12, 1), eq(14, 2)), eq(12, 3))),
            Optimized::Pred(_)
        ));
    }

    /// A branch to reject is written as the opposite test, not as `not test` (nor, for a
    /// machine test that is itself negated, `not not test`), and keeps its verdicts: on a
    /// packet where the test holds, one where it fails, and one too short for its load.
    #[test]
    fn negated_branches_are_opposite_tests() {
        assert!(matches!(negated(eq(12, 1)), Pred::Atom(a) if a.rel == Rel::Ne));
        assert!(matches!(negated(Pred::not(eq(12, 1))), Pred::Atom(a) if a.rel == Rel::Eq));
        let q = crate::compile("tcp src port 80", crate::LinkType::ETHERNET).unwrap();
        let text = q.to_string();
        assert!(!text.contains("not "), "{text}");
        let p = Pred::and(Pred::not(eq(12, 0x800)), eq(14, 7));
        let Optimized::Pred(q) = optimize(p.clone()) else {
            panic!("refused");
        };
        assert!(!q.to_string().contains("not "), "{q}");
        for pkt in [&[0u8; 16][..], &[0u8; 13][..]] {
            let mut v = pkt.to_vec();
            for (at, b) in [(12, 8u8), (15, 7)] {
                for set in [false, true] {
                    if at < v.len() {
                        v[at] = if set { b } else { 0 };
                    }
                    let pk = Packet::new(&v, v.len() as u32);
                    assert_eq!(q.eval(&pk).ok(), p.eval(&pk).ok(), "{v:?}");
                }
            }
        }
    }

    #[test]
    fn a_test_whose_outcome_never_matters_is_removed() {
        // (ip and x[1000] == 0) or ip: the load at 1000 disappears.
        let p = Pred::or(Pred::and(eq(12, 0x800), eq(1000, 0)), eq(12, 0x800));
        let Optimized::Pred(q) = optimize(p) else {
            panic!("satisfiable filter refused");
        };
        let mut pkt = vec![0u8; 20];
        pkt[12] = 8;
        assert!(q.matches(&Packet::new(&pkt, 20)));
    }

    #[test]
    fn or_pullup_reads_same_value_tests_first() {
        // src==a or dst==a or src==b: for a packet cut inside dst, src==b still decides.
        let p = Pred::or(eq(0, 1), Pred::or(eq(4, 1), eq(0, 2)));
        let Optimized::Pred(q) = optimize(Pred::and(eq(8, 0), p)) else {
            panic!("refused");
        };
        let pkt = [0u8, 2, 0, 0, 0];
        assert!(!q.matches(&Packet::new(&pkt[..], 5)));
        let pkt = [0u8, 2, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(q.matches(&Packet::new(&pkt[..], 10)));
    }

    /// `x and false or y`: x's load stays where x holds the first block (the root), and goes
    /// elsewhere, as in libpcap.
    #[test]
    fn a_false_conjunct_keeps_only_the_root_load() {
        let short = [0u8; 20];
        let y = eq(12, 0);
        let at_root = Pred::or(Pred::and(eq(1000, 0), Pred::False), y.clone());
        let Optimized::Pred(q) = optimize(at_root) else {
            panic!("refused");
        };
        assert!(!q.matches(&Packet::new(&short[..], 20)), "{q}");
        let inside = Pred::and(eq(14, 0), Pred::or(Pred::and(eq(1000, 0), Pred::False), y));
        let Optimized::Pred(q) = optimize(inside) else {
            panic!("refused");
        };
        assert!(q.matches(&Packet::new(&short[..], 20)), "{q}");
    }

    /// A constant comparison never shares a value with an arithmetic one: `0 != 0` once jumped
    /// on `x[1000] == 1`'s outcome and accepted.
    #[test]
    fn constant_comparisons_are_values_of_their_own() {
        let x = Pred::Cmp(
            Val::Load(Load {
                base: crate::ir::Base::Abs,
                off: 30,
                size: 1,
            }),
            Rel::Eq,
            Val::K(1),
        );
        let never = Pred::Cmp(Val::K(0), Rel::Ne, Val::K(0));
        let p = Pred::or(eq(14, 9), Pred::and(x, Pred::and(eq(12, 0), never)));
        let Optimized::Pred(q) = optimize(p) else {
            panic!("refused");
        };
        let mut pkt = [0u8; 40];
        pkt[30] = 1;
        assert!(!q.matches(&Packet::new(&pkt[..], 40)), "{q}");
    }

    /// Past the model's size limit constants fold away with the tests under them.
    #[test]
    fn large_filters_fold_constants() {
        let chain = (0..MAX_BLOCKS as u32 + 10).fold(eq(0, 0xffff), |p, k| Pred::or(p, eq(2, k)));
        let p = Pred::or(Pred::and(eq(1000, 0), Pred::False), chain);
        let Optimized::Pred(q) = optimize(p) else {
            panic!("refused");
        };
        assert!(!q.has_inner_constant());
        let pkt = [0u8; 20];
        assert!(q.matches(&Packet::new(&pkt[..], 20)));
    }
}
