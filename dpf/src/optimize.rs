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
}

/// The machine test behind an atom (`jeq`, `jgt`, `jge`) and whether the atom is its positive
/// sense.
fn machine_test(a: &Atom) -> (Op, bool) {
    match a.rel {
        Rel::Eq => (Op::Jeq, true),
        Rel::Ne => (Op::Jeq, false),
        Rel::Gt => (Op::Jgt, true),
        Rel::Le => (Op::Jgt, false),
        Rel::Ge => (Op::Jge, true),
        Rel::Lt => (Op::Jge, false),
    }
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
                let (op, positive) = machine_test(a);
                let key = (a.load, a.mask, op);
                if let Some(&o) = self.decided.get(&(key, a.k)) {
                    return Some(o == positive);
                }
                if op == Op::Jeq {
                    if let Some(&k) = self.equals.get(&key).and_then(|v| v.last()) {
                        if k != a.k {
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
                let (op, positive) = machine_test(a);
                let key = (a.load, a.mask, op);
                let outcome = value == positive;
                self.decided.insert((key, a.k), outcome);
                let pushed = op == Op::Jeq && outcome;
                if pushed {
                    self.equals.entry(key).or_default().push(a.k);
                }
                Undo::Atom(key, a.k, pushed)
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
        let test = match &self.tests[t] {
            Test::Atom(a) => Pred::Atom(*a),
            Test::Cmp(a, r, b) => Pred::Cmp(a.clone(), *r, b.clone()),
        };
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
    let mut limit = 4 * b.tests.len() + 64;
    match b.to_pred(dd, &mut limit) {
        Some(q) => Optimized::Pred(q),
        None => Optimized::Pred(p),
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
