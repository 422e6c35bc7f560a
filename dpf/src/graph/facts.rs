//! What a term's literals tell us about a packet, and specialising a filter to those facts.
//!
//! Facts are kept per masked load (`(load & mask)`): an interval and a list of excluded values.
//! That is exact for conjunctions of equalities, ranges and inequalities on the same masked
//! load, and conservative otherwise (different masks or overlapping loads are treated as
//! independent variables, so "unsatisfiable" is only ever said when it is true).

use super::dnf::{Lit, Term};
use crate::ir::{Atom, Load, Pred, Rel};

#[derive(Clone, Debug)]
struct Range {
    lo: u32,
    hi: u32,
    ne: Vec<u32>,
}

impl Range {
    fn singleton(&self) -> Option<u32> {
        (self.lo == self.hi).then_some(self.lo)
    }
    fn excludes(&self, k: u32) -> bool {
        k < self.lo || k > self.hi || self.ne.contains(&k)
    }
    fn empty(&self) -> bool {
        if self.lo > self.hi {
            return true;
        }
        let width = u64::from(self.hi - self.lo) + 1;
        width <= self.ne.len() as u64 && (self.lo..=self.hi).all(|v| self.ne.contains(&v))
    }
}

/// The largest value `(load & mask)` can take.
fn max_value(load: &Load, mask: u32) -> u32 {
    let full = match load.size {
        1 => 0xff,
        2 => 0xffff,
        _ => u32::MAX,
    };
    full & mask
}

/// Everything known from a conjunction of literals, assuming each holds.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Few per term: a vector beats a hash map here (this runs once per term of every rule).
    ranges: Vec<((Load, u32), Range)>,
    lits: Vec<Lit>,
}

impl Facts {
    /// The facts of a term, or `None` when the term cannot hold for any packet.
    pub fn of_term(t: &Term) -> Option<Facts> {
        // Sized once: this runs for every term of every rule (60,000 for a 10,000-host rule).
        let mut f = Facts {
            ranges: Vec::with_capacity(t.lits.len()),
            lits: Vec::with_capacity(t.lits.len()),
        };
        for l in &t.lits {
            if !f.add(l) {
                return None;
            }
        }
        Some(f)
    }

    /// Replaces the facts by those of `t`, reusing the vectors (one scratch `Facts` serves
    /// every term of a rule); `false` when the term cannot hold for any packet.
    pub fn load_term(&mut self, t: &Term) -> bool {
        self.ranges.clear();
        self.lits.clear();
        t.lits.iter().all(|l| self.add(l))
    }

    /// Adds a literal; `false` when the facts became contradictory.
    pub fn add(&mut self, l: &Lit) -> bool {
        if let Lit::Cmp(x, r, y) = l {
            let contradiction = self
                .lits
                .contains(&Lit::Cmp(x.clone(), r.negate(), y.clone()));
            self.lits.push(l.clone());
            return !contradiction;
        }
        self.lits.push(l.clone());
        let Lit::Atom(a) = l else {
            return true;
        };
        let key = (a.load, a.mask);
        let i = match self.ranges.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.ranges.push((
                    key,
                    Range {
                        lo: 0,
                        hi: max_value(&a.load, a.mask),
                        ne: Vec::new(),
                    },
                ));
                self.ranges.len() - 1
            }
        };
        let r = &mut self.ranges[i].1;
        match a.rel {
            Rel::Eq => {
                if a.k & !a.mask != 0 {
                    return false;
                }
                r.lo = r.lo.max(a.k);
                r.hi = r.hi.min(a.k);
            }
            Rel::Ne => r.ne.push(a.k),
            Rel::Lt => {
                if a.k == 0 {
                    return false;
                }
                r.hi = r.hi.min(a.k - 1);
            }
            Rel::Le => r.hi = r.hi.min(a.k),
            Rel::Gt => {
                if a.k == u32::MAX {
                    return false;
                }
                r.lo = r.lo.max(a.k + 1);
            }
            Rel::Ge => r.lo = r.lo.max(a.k),
        }
        // Excluded values at the ends narrow the interval (at most `ne.len()` steps each).
        while r.lo < r.hi && r.ne.contains(&r.lo) {
            r.lo += 1;
        }
        while r.hi > r.lo && r.ne.contains(&r.hi) {
            r.hi -= 1;
        }
        !r.empty()
    }

    /// Is the atom's truth decided by the facts? Exact for the same masked load; a singleton
    /// fact on a wider mask of the same load also decides narrower masks.
    pub fn decide(&self, a: &Atom) -> Option<bool> {
        let key = (a.load, a.mask);
        if let Some((_, r)) = self.ranges.iter().find(|(k, _)| *k == key) {
            if let Some(v) = r.singleton() {
                return Some(a.rel.holds(v, a.k));
            }
            let k = a.k;
            let d = match a.rel {
                Rel::Eq if r.excludes(k) => Some(false),
                Rel::Ne if r.excludes(k) => Some(true),
                Rel::Lt if r.hi < k => Some(true),
                Rel::Lt if r.lo >= k => Some(false),
                Rel::Le if r.hi <= k => Some(true),
                Rel::Le if r.lo > k => Some(false),
                Rel::Gt if r.lo > k => Some(true),
                Rel::Gt if r.hi <= k => Some(false),
                Rel::Ge if r.lo >= k => Some(true),
                Rel::Ge if r.hi < k => Some(false),
                _ => None,
            };
            if d.is_some() {
                return d;
            }
        }
        for ((load, mask), r) in &self.ranges {
            if *load == a.load && a.mask & !mask == 0 {
                if let Some(v) = r.singleton() {
                    return Some(a.rel.holds(v & a.mask, a.k));
                }
            }
        }
        let lit = Lit::Atom(*a);
        if self.lits.contains(&lit) {
            return Some(true);
        }
        None
    }

    fn decide_cmp(&self, l: &Lit) -> Option<bool> {
        if self.lits.contains(l) {
            return Some(true);
        }
        if let Lit::Cmp(x, r, y) = l {
            if self
                .lits
                .contains(&Lit::Cmp(x.clone(), r.negate(), y.clone()))
            {
                return Some(false);
            }
        }
        None
    }
}

/// `p` specialised to packets where the facts hold *and every fact's load lies inside the
/// captured bytes*: atoms the facts decide become constants, and constants are folded only where
/// that cannot hide a load that would have rejected (`x and false` keeps `x`, because evaluating
/// `x` may reject; `false and x` does not, because `x` is never reached). Under those
/// assumptions `specialise(p).eval(pkt) == p.eval(pkt)` exactly, rejects included.
pub fn specialise(p: &Pred, f: &Facts) -> Pred {
    match p {
        Pred::True | Pred::False => p.clone(),
        Pred::Atom(a) => match f.decide(a) {
            Some(true) => Pred::True,
            Some(false) => Pred::False,
            None => p.clone(),
        },
        Pred::Cmp(x, r, y) => match f.decide_cmp(&Lit::Cmp(x.clone(), *r, y.clone())) {
            Some(true) => Pred::True,
            Some(false) => Pred::False,
            None => p.clone(),
        },
        Pred::Not(a) => match specialise(a, f) {
            Pred::True => Pred::False,
            Pred::False => Pred::True,
            s => Pred::not(s),
        },
        Pred::And(..) | Pred::Or(..) => specialise_chain(p, f),
    }
}

/// [`specialise`] of a chain of one operator, walked along its right spine in a loop (a
/// 100,000-host rule is that deep); recursion goes only into the operands.
///
/// For `and` (with `or` the dual): an operand that folds to `false` ends the chain there (what
/// follows is never evaluated); one that folds to `true` disappears; the rest are kept, and a
/// chain whose tail folds to `true` ends with its last kept operand.
fn specialise_chain(p: &Pred, f: &Facts) -> Pred {
    let is_and = matches!(p, Pred::And(..));
    let (stop, skip) = if is_and {
        (Pred::False, Pred::True)
    } else {
        (Pred::True, Pred::False)
    };
    let mut kept = Vec::new();
    let mut cur = p;
    let tail = loop {
        match (cur, is_and) {
            (Pred::And(a, b), true) | (Pred::Or(a, b), false) => {
                let s = specialise(a, f);
                if s == stop {
                    break s;
                }
                if s != skip {
                    kept.push(s);
                }
                cur = b;
            }
            _ => break specialise(cur, f),
        }
    };
    let mut acc = tail;
    while let Some(s) = kept.pop() {
        acc = if acc == skip {
            s
        } else if is_and {
            Pred::and(s, acc)
        } else {
            Pred::or(s, acc)
        };
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Packet;

    fn at(off: u32, rel: Rel, k: u32) -> Lit {
        Lit::Atom(match Pred::atom(off, 1, u32::MAX, rel, k) {
            Pred::Atom(a) => a,
            _ => unreachable!(),
        })
    }

    #[test]
    fn ranges_detect_contradictions() {
        let t = Term {
            lits: vec![at(0, Rel::Gt, 10), at(0, Rel::Lt, 11)],
        };
        assert!(Facts::of_term(&t).is_none());
        let t = Term {
            lits: vec![at(0, Rel::Ge, 10), at(0, Rel::Le, 11), at(0, Rel::Ne, 10)],
        };
        let f = Facts::of_term(&t).unwrap();
        assert_eq!(
            f.decide(&match Pred::atom(0, 1, u32::MAX, Rel::Eq, 11) {
                Pred::Atom(a) => a,
                _ => unreachable!(),
            }),
            Some(true)
        );
    }

    #[test]
    fn specialise_keeps_loads_that_could_reject() {
        let f = Facts::of_term(&Term {
            lits: vec![at(0, Rel::Eq, 1)],
        })
        .unwrap();
        // not (pkt[100] == 5 and pkt[0] == 2): pkt[100] must still be evaluated.
        let p = Pred::not(Pred::and(
            Pred::atom(100, 1, u32::MAX, Rel::Eq, 5),
            Pred::atom(0, 1, u32::MAX, Rel::Eq, 2),
        ));
        let s = specialise(&p, &f);
        let short = [1u8; 10];
        let pkt = Packet::new(&short, 10);
        assert_eq!(s.eval(&pkt), p.eval(&pkt));
        assert!(!s.matches(&pkt));
        // pkt[0] == 2 is false first: pkt[100] is never reached.
        let p = Pred::and(Pred::atom(0, 1, u32::MAX, Rel::Eq, 2), p);
        assert_eq!(specialise(&p, &f), Pred::False);
    }
}
