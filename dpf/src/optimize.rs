//! What libpcap's optimiser changes about verdicts, reproduced on the IR.
//!
//! tcpdump compiles filters with libpcap's optimiser on. Two of its effects are visible in
//! verdicts, because a load past the captured bytes rejects the packet only if the load is still
//! in the program:
//!
//! - **Known outcomes.** Along a path, a test identical to one already decided (same load, mask,
//!   comparison and constant) is known, and after `x == k1` held, `x == k2` is false. A filter
//!   that no path can accept is refused ("expression rejects all packets").
//! - **Irrelevant tests disappear.** When both outcomes of a test lead to the same place, the
//!   optimiser deletes the test and its load. In `tcp[1000] = 0 or ip`, once the packet is known
//!   to be IPv4 the `or ip` is already true, so `tcp[1000]` is never read.
//!
//! - **Pull-ups.** In a chain of `or`ed tests that all jump to the same place when true (and in
//!   a chain of `and`ed tests that all jump to the same place when false), the optimiser moves
//!   tests of the same value next to each other (`src == a or dst == a or src == b` tests both
//!   `src` values before it reads `dst`), which changes which loads a truncated packet reaches.
//!
//! - **The root block stays.** A removed test keeps its load when it was the program's very first
//!   test (the optimiser bypasses blocks through their incoming edges, and the first block has
//!   none): its load moves to the first test that remains. When no test remains, no load does.
//!
//! We build the filter's decision diagram along every path, with those facts, hash-consing
//! nodes so that "both outcomes lead to the same place" is a node identity, and turn the diagram
//! back into a predicate that performs exactly the diagram's tests. The work is bounded; past the
//! bound (or when the diagram would be much larger than the filter) the predicate is kept as
//! written, and only rare verdicts on truncated packets could then differ from libpcap's.

use crate::ir::{Atom, Load, Pred, Rel, Val};
use std::collections::HashMap;

/// Leaves of the diagram.
const REJECT: u32 = 0;
const ACCEPT: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Test {
    Atom(Atom),
    Cmp(Val, Rel, Val),
}

enum Node {
    Leaf(bool),
    Test(usize),
    And(usize, usize),
    Or(usize, usize),
    Not(usize),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    Jeq,
    Jgt,
    Jge,
    Jset,
}

/// The machine test behind an atom: the value it tests (load and mask as the accumulator holds
/// them), the instruction, its constant, and whether the atom is the instruction's true sense.
/// libpcap's peephole pass turns `and #m; jeq #0` into `jset #m` on the unmasked load, so such
/// atoms test the load itself.
fn machine_test(a: &Atom) -> (Key, u32, bool) {
    if a.mask != u32::MAX && a.k == 0 && matches!(a.rel, Rel::Eq | Rel::Ne) {
        return ((a.load, u32::MAX, Op::Jset), a.mask, a.rel == Rel::Ne);
    }
    let (op, positive) = match a.rel {
        Rel::Eq => (Op::Jeq, true),
        Rel::Ne => (Op::Jeq, false),
        Rel::Gt => (Op::Jgt, true),
        Rel::Le => (Op::Jgt, false),
        Rel::Ge => (Op::Jge, true),
        Rel::Lt => (Op::Jge, false),
    };
    ((a.load, a.mask, op), a.k, positive)
}

type Key = (Load, u32, Op);

struct Builder {
    nodes: Vec<Node>,
    tests: Vec<Test>,
    /// Diagram nodes: (test, hi, lo); node id `i + 2` (0 and 1 are the leaves).
    dd_nodes: Vec<(usize, u32, u32)>,
    /// Outcome of each machine test decided on the current path.
    decided: HashMap<(Key, u32), bool>,
    /// For each load: the constant it is known to equal on the current path (stack).
    equals: HashMap<Key, Vec<u32>>,
    cmp_decided: HashMap<(Val, Rel, Val), bool>,
    dd: HashMap<(usize, u32, u32), u32>,
    budget: u64,
    exhausted: bool,
}

impl Builder {
    fn intern(&mut self, p: &Pred) -> usize {
        let node = match p {
            Pred::True => Node::Leaf(true),
            Pred::False => Node::Leaf(false),
            Pred::Atom(a) => {
                self.tests.push(Test::Atom(*a));
                Node::Test(self.tests.len() - 1)
            }
            Pred::Cmp(a, r, b) => {
                self.tests.push(Test::Cmp(a.clone(), *r, b.clone()));
                Node::Test(self.tests.len() - 1)
            }
            Pred::And(a, b) => {
                let a = self.intern(a);
                let b = self.intern(b);
                Node::And(a, b)
            }
            Pred::Or(a, b) => {
                let a = self.intern(a);
                let b = self.intern(b);
                Node::Or(a, b)
            }
            Pred::Not(a) => {
                let a = self.intern(a);
                Node::Not(a)
            }
        };
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn known(&self, t: &Test) -> Option<bool> {
        match t {
            Test::Atom(a) => {
                let (key, k, positive) = machine_test(a);
                if let Some(&o) = self.decided.get(&(key, k)) {
                    return Some(o == positive);
                }
                if key.2 == Op::Jeq {
                    if let Some(&known) = self.equals.get(&key).and_then(|v| v.last()) {
                        if known != k {
                            return Some(!positive);
                        }
                    }
                }
                None
            }
            Test::Cmp(a, r, b) => self.cmp_decided.get(&(a.clone(), *r, b.clone())).copied(),
        }
    }

    /// Records the outcome of `t` on the current path; returns an undo token.
    fn assume(&mut self, t: &Test, value: bool) -> Undo {
        match t {
            Test::Atom(a) => {
                let (key, k, positive) = machine_test(a);
                let outcome = value == positive;
                self.decided.insert((key, k), outcome);
                let pushed = key.2 == Op::Jeq && outcome;
                if pushed {
                    self.equals.entry(key).or_default().push(k);
                }
                Undo::Atom(key, k, pushed)
            }
            Test::Cmp(a, r, b) => {
                let k = (a.clone(), *r, b.clone());
                self.cmp_decided.insert(k.clone(), value);
                Undo::Cmp(k)
            }
        }
    }

    fn undo(&mut self, u: Undo) {
        match u {
            Undo::Atom(key, k, pushed) => {
                self.decided.remove(&(key, k));
                if pushed {
                    if let Some(v) = self.equals.get_mut(&key) {
                        v.pop();
                    }
                }
            }
            Undo::Cmp(k) => {
                self.cmp_decided.remove(&k);
            }
        }
    }

    fn mk(&mut self, test: usize, hi: u32, lo: u32) -> u32 {
        if hi == lo {
            return hi;
        }
        if let Some(&id) = self.dd.get(&(test, hi, lo)) {
            return id;
        }
        let id = self.dd_nodes.len() as u32 + 2;
        self.dd_nodes.push((test, hi, lo));
        self.dd.insert((test, hi, lo), id);
        id
    }

    /// The diagram of "evaluate node `n`, then continue with `kt` or `kf`".
    fn build(
        &mut self,
        n: usize,
        kt: &mut dyn FnMut(&mut Builder) -> u32,
        kf: &mut dyn FnMut(&mut Builder) -> u32,
    ) -> u32 {
        if self.budget == 0 {
            self.exhausted = true;
            return ACCEPT;
        }
        self.budget -= 1;
        match self.nodes[n] {
            Node::Leaf(v) => {
                if v {
                    kt(self)
                } else {
                    kf(self)
                }
            }
            Node::Not(a) => self.build(a, kf, kt),
            Node::And(a, b) => {
                // kf is needed on both paths: share it through a reborrow.
                let kf_cell = std::cell::RefCell::new(kf);
                self.build(
                    a,
                    &mut |s| {
                        let mut kf2 = |s2: &mut Builder| (kf_cell.borrow_mut())(s2);
                        s.build(b, kt, &mut kf2)
                    },
                    &mut |s| (kf_cell.borrow_mut())(s),
                )
            }
            Node::Or(a, b) => {
                let kt_cell = std::cell::RefCell::new(kt);
                self.build(a, &mut |s| (kt_cell.borrow_mut())(s), &mut |s| {
                    let mut kt2 = |s2: &mut Builder| (kt_cell.borrow_mut())(s2);
                    s.build(b, &mut kt2, kf)
                })
            }
            Node::Test(t) => {
                let test = self.tests[t].clone();
                if let Some(v) = self.known(&test) {
                    return if v { kt(self) } else { kf(self) };
                }
                let u = self.assume(&test, true);
                let hi = kt(self);
                self.undo(u);
                let u = self.assume(&test, false);
                let lo = kf(self);
                self.undo(u);
                self.mk(t, hi, lo)
            }
        }
    }

    /// The first test that evaluation performs.
    fn first_test(&self, n: usize) -> Option<usize> {
        match self.nodes[n] {
            Node::Leaf(_) => None,
            Node::Test(t) => Some(t),
            Node::And(a, _) | Node::Or(a, _) | Node::Not(a) => self.first_test(a),
        }
    }

    fn test_pred(&self, t: usize) -> Pred {
        match &self.tests[t] {
            Test::Atom(a) => Pred::Atom(*a),
            Test::Cmp(a, r, b) => Pred::Cmp(a.clone(), *r, b.clone()),
        }
    }

    /// The value a test leaves in the accumulator: tests of one value are grouped by pull-ups.
    fn value_key(&self, t: usize) -> (Load, u32, usize) {
        match &self.tests[t] {
            Test::Atom(a) => {
                let (key, _, _) = machine_test(a);
                (key.0, key.1, usize::MAX)
            }
            // General comparisons compute their own value: never grouped with another test.
            Test::Cmp(..) => (
                Load {
                    base: crate::ir::Base::Abs,
                    off: 0,
                    size: 0,
                },
                0,
                t,
            ),
        }
    }

    fn count_parents(&self, root: u32) -> Vec<u32> {
        let mut parents = vec![0u32; self.dd_nodes.len() + 2];
        let mut seen = vec![false; self.dd_nodes.len() + 2];
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if id < 2 || seen[id as usize] {
                continue;
            }
            seen[id as usize] = true;
            let (_, hi, lo) = self.dd_nodes[id as usize - 2];
            parents[hi as usize] += 1;
            parents[lo as usize] += 1;
            stack.push(hi);
            stack.push(lo);
        }
        parents
    }

    /// Regroups `or` chains (same true target) and `and` chains (same false target) by value,
    /// keeping the first appearance order, as libpcap's or_pullup/and_pullup converge to.
    fn pullup(&mut self, id: u32, parents: &[u32], memo: &mut HashMap<u32, u32>) -> u32 {
        if id < 2 {
            return id;
        }
        if let Some(&r) = memo.get(&id) {
            return r;
        }
        let (t, hi, lo) = self.dd_nodes[id as usize - 2];
        // The `or` chain: follow false edges while the true target stays the same and the next
        // node is reached only from the chain.
        let mut or_chain = vec![t];
        let mut cur = lo;
        while cur >= 2 && parents[cur as usize] == 1 && self.dd_nodes[cur as usize - 2].1 == hi {
            or_chain.push(self.dd_nodes[cur as usize - 2].0);
            cur = self.dd_nodes[cur as usize - 2].2;
        }
        let or_tail = cur;
        let mut and_chain = vec![t];
        let mut cur = hi;
        while cur >= 2 && parents[cur as usize] == 1 && self.dd_nodes[cur as usize - 2].2 == lo {
            and_chain.push(self.dd_nodes[cur as usize - 2].0);
            cur = self.dd_nodes[cur as usize - 2].1;
        }
        let and_tail = cur;
        let r = if or_chain.len() > 1 {
            let hi2 = self.pullup(hi, parents, memo);
            let tail = self.pullup(or_tail, parents, memo);
            let grouped = self.group(&or_chain);
            let mut acc = tail;
            for t in grouped.into_iter().rev() {
                acc = self.mk(t, hi2, acc);
            }
            acc
        } else if and_chain.len() > 1 {
            let lo2 = self.pullup(lo, parents, memo);
            let tail = self.pullup(and_tail, parents, memo);
            let grouped = self.group(&and_chain);
            let mut acc = tail;
            for t in grouped.into_iter().rev() {
                acc = self.mk(t, acc, lo2);
            }
            acc
        } else {
            let hi2 = self.pullup(hi, parents, memo);
            let lo2 = self.pullup(lo, parents, memo);
            self.mk(t, hi2, lo2)
        };
        memo.insert(id, r);
        r
    }

    /// Stable grouping by value, groups in order of first appearance.
    fn group(&self, chain: &[usize]) -> Vec<usize> {
        let keys: Vec<_> = chain.iter().map(|&t| self.value_key(t)).collect();
        let mut order: Vec<usize> = (0..chain.len()).collect();
        let first = |k: &(Load, u32, usize)| keys.iter().position(|x| x == k).unwrap_or(0);
        order.sort_by_key(|&i| (first(&keys[i]), i));
        order.into_iter().map(|i| chain[i]).collect()
    }

    /// The predicate that performs exactly the diagram's tests; `None` past `limit` nodes.
    fn to_pred(&self, id: u32, limit: &mut usize) -> Option<Pred> {
        if id == ACCEPT {
            return Some(Pred::True);
        }
        if id == REJECT {
            return Some(Pred::False);
        }
        *limit = limit.checked_sub(1)?;
        let (t, hi, lo) = self.dd_nodes[id as usize - 2];
        let test = self.test_pred(t);
        Some(match (hi, lo) {
            (ACCEPT, REJECT) => test,
            (REJECT, ACCEPT) => Pred::not(test),
            (ACCEPT, _) => Pred::or(test, self.to_pred(lo, limit)?),
            (_, REJECT) => Pred::and(test, self.to_pred(hi, limit)?),
            (REJECT, _) => Pred::and(Pred::not(test), self.to_pred(lo, limit)?),
            (_, ACCEPT) => Pred::or(Pred::not(test), self.to_pred(hi, limit)?),
            _ => {
                // if t then hi else lo; t is evaluated again on the else path, which reads the
                // same bytes and so cannot change the verdict.
                let then = Pred::and(test.clone(), self.to_pred(hi, limit)?);
                let other = Pred::and(Pred::not(test), self.to_pred(lo, limit)?);
                Pred::or(then, other)
            }
        })
    }
}

enum Undo {
    Atom(Key, u32, bool),
    Cmp((Val, Rel, Val)),
}

/// `a and b` with constant folding that keeps BPF's verdicts.
pub fn simplify_and(a: Pred, b: Pred) -> Pred {
    match (&a, &b) {
        (Pred::True, _) => b,
        (_, Pred::True) => a,
        // `x and false` rejects whether or not x's loads succeed.
        (Pred::False, _) | (_, Pred::False) => Pred::False,
        _ => Pred::and(a, b),
    }
}

/// `a or b` with constant folding; `x or true` drops x, as the optimiser does.
pub fn simplify_or(a: Pred, b: Pred) -> Pred {
    match (&a, &b) {
        (Pred::False, _) => b,
        (_, Pred::False) => a,
        (Pred::True, _) | (_, Pred::True) => Pred::True,
        _ => Pred::or(a, b),
    }
}

/// The result of optimising one rule.
pub enum Optimized {
    /// The predicate with libpcap's irrelevant tests removed.
    Pred(Pred),
    /// No packet can be accepted (libpcap: "expression rejects all packets").
    RejectsAll,
}

/// Applies the optimiser's verdict-visible effects to one rule.
pub fn optimize(p: Pred) -> Optimized {
    let mut b = Builder {
        nodes: Vec::new(),
        tests: Vec::new(),
        dd_nodes: Vec::new(),
        decided: HashMap::new(),
        equals: HashMap::new(),
        cmp_decided: HashMap::new(),
        dd: HashMap::new(),
        budget: 2_000_000,
        exhausted: false,
    };
    let root = b.intern(&p);
    let dd = b.build(root, &mut |_| ACCEPT, &mut |_| REJECT);
    if b.exhausted {
        return Optimized::Pred(p);
    }
    if dd == REJECT {
        return Optimized::RejectsAll;
    }
    let parents = b.count_parents(dd);
    let dd = b.pullup(dd, &parents, &mut HashMap::new());
    let mut limit = 4 * b.tests.len() + 64;
    let Some(q) = b.to_pred(dd, &mut limit) else {
        return Optimized::Pred(p);
    };
    let first = b.first_test(root);
    match first {
        Some(t) if dd >= 2 && b.dd_nodes[dd as usize - 2].0 != t => {
            // Perform the first test's load, whatever it finds, then the diagram.
            let test = b.test_pred(t);
            let load_only = Pred::or(test.clone(), Pred::not(test));
            Optimized::Pred(Pred::and(load_only, q))
        }
        _ => Optimized::Pred(q),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_test_whose_outcome_never_matters_is_removed() {
        // (ip and x[1000] == 0) or ip  ==  ip
        let p = Pred::or(Pred::and(eq(12, 0x800), eq(1000, 0)), eq(12, 0x800));
        match optimize(p) {
            Optimized::Pred(q) => {
                let pkt = [0u8; 20];
                let mut pkt = pkt.to_vec();
                pkt[12] = 8;
                assert!(q.matches(&crate::ir::Packet::new(&pkt, 20)));
            }
            Optimized::RejectsAll => panic!("satisfiable filter refused"),
        }
    }
}
