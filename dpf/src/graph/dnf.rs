//! Disjunctive normal form of a filter, under boolean semantics.
//!
//! The merged graph and the queries reason about a rule as a set of *terms* (conjunctions of
//! literals) whose union is the rule. This ignores BPF's reject rule on purpose: the DNF is used
//! only in directions where that is sound. If a rule's exact (short-circuit, rejecting)
//! evaluation accepts a packet, some term of its DNF is true *and every literal of that term was
//! read inside the captured bytes* (proof by induction on the predicate, for both polarities,
//! since the DNF of `a and b` is the product and of `a or b` the union of the operands' DNFs).
//! Callers rely on that "witness term" property: a term with an out-of-bounds load can never be
//! the reason a rule matched.

use crate::ir::{Atom, Pred, Rel, Val};

/// One literal: an atom or a general comparison, with any negation folded into the relation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lit {
    Atom(Atom),
    Cmp(Val, Rel, Val),
}

impl Lit {
    fn negated(&self) -> Lit {
        match self {
            Lit::Atom(a) => Lit::Atom(Atom {
                rel: a.rel.negate(),
                ..*a
            }),
            Lit::Cmp(x, r, y) => Lit::Cmp(x.clone(), r.negate(), y.clone()),
        }
    }
}

/// A conjunction of literals. Atoms come first, sorted; comparisons follow in first-seen order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Term {
    pub lits: Vec<Lit>,
}

impl Term {
    /// The conjunction of two terms, or `None` when it is trivially contradictory (the same
    /// masked load equal to two constants, or a literal and its negation).
    fn and(&self, other: &Term) -> Option<Term> {
        // Every term `dnf_rec` hands out is already normalised and not trivially false, so a
        // product with the empty term (the seed of every conjunction) is a plain copy: that is
        // one allocation instead of a clone, a regrowth, a sort and a scan per term.
        if self.lits.is_empty() {
            return Some(other.clone());
        }
        if other.lits.is_empty() {
            return Some(self.clone());
        }
        let mut lits = Vec::with_capacity(self.lits.len() + other.lits.len());
        lits.extend_from_slice(&self.lits);
        for l in &other.lits {
            if !lits.contains(l) {
                lits.push(l.clone());
            }
        }
        let t = Term::normalised(lits);
        (!t.trivially_false()).then_some(t)
    }

    /// Adds one literal in place, keeping the order `normalised` gives (atoms sorted, then
    /// comparisons in first-seen order); the caller checks `trivially_false` afterwards.
    fn conjoin(&mut self, l: &Lit) {
        if self.lits.contains(l) {
            return;
        }
        match l {
            Lit::Atom(a) => {
                let at = self
                    .lits
                    .partition_point(|x| matches!(x, Lit::Atom(b) if b < a));
                self.lits.insert(at, l.clone());
            }
            Lit::Cmp(..) => self.lits.push(l.clone()),
        }
    }

    fn normalised(mut lits: Vec<Lit>) -> Term {
        lits.sort_by(|a, b| match (a, b) {
            (Lit::Atom(x), Lit::Atom(y)) => x.cmp(y),
            (Lit::Atom(_), Lit::Cmp(..)) => std::cmp::Ordering::Less,
            (Lit::Cmp(..), Lit::Atom(_)) => std::cmp::Ordering::Greater,
            _ => std::cmp::Ordering::Equal,
        });
        lits.dedup();
        Term { lits }
    }

    fn trivially_false(&self) -> bool {
        // Terms are short: a quadratic scan without collecting into a vector (this runs once
        // per product term, 60,000 times for a 10,000-host rule).
        let atom = |l: &Lit| match l {
            Lit::Atom(a) => Some(*a),
            Lit::Cmp(..) => None,
        };
        for (i, a) in self.lits.iter().enumerate() {
            let Some(a) = atom(a) else { continue };
            if a.rel == Rel::Eq && a.k & !a.mask != 0 {
                return true;
            }
            for b in self.lits[i + 1..].iter().filter_map(atom) {
                if a.load == b.load && a.mask == b.mask {
                    if a.rel == Rel::Eq && b.rel == Rel::Eq && a.k != b.k {
                        return true;
                    }
                    if a.k == b.k && a.rel == b.rel.negate() {
                        return true;
                    }
                }
            }
        }
        if !self.lits.iter().any(|l| matches!(l, Lit::Cmp(..))) {
            return false;
        }
        let cmps: Vec<&Lit> = self
            .lits
            .iter()
            .filter(|l| matches!(l, Lit::Cmp(..)))
            .collect();
        cmps.iter()
            .enumerate()
            .any(|(i, c)| cmps[i + 1..].contains(&&c.negated()))
    }
}

/// Number of nodes of a predicate, counted without recursion (rules such as a 10,000-host
/// `host A or host B ...` are chains far deeper than a thread's stack should carry).
pub fn pred_size(p: &Pred) -> usize {
    let mut n = 0;
    let mut stack = vec![p];
    while let Some(q) = stack.pop() {
        n += 1;
        match q {
            Pred::And(a, b) | Pred::Or(a, b) => {
                stack.push(a);
                stack.push(b);
            }
            Pred::Not(a) => stack.push(a),
            _ => {}
        }
    }
    n
}

/// The most literals in one term. A term is one path through a rule (a 4-tuple rule's has about
/// ten); a long `and` chain (`not port 1 and not port 2 and ...`, 100,000 operands) would make
/// one term per path as long as the rule, and checking each for contradictions costs the square
/// of its length per operand. Such rules are treated as opaque instead, as over-budget ones are.
const MAX_TERM_LITS: usize = 512;

/// The most term products (`Term::and`) one DNF may compute. `limit` bounds the size of each
/// intermediate product, not their number: a long `and` of small disjunctions (`not host A and
/// tcp and not host B ...`, 100,000 operands) would otherwise recompute a product near the
/// limit once per operand, for hours. Real rules need a few thousand.
const MAX_PRODUCT_WORK: usize = 1 << 21;

/// The DNF of `p`, or `None` when it would exceed `limit` terms or a term would exceed
/// [`MAX_TERM_LITS`] literals (callers then fall back to
/// treating the rule as opaque). Trivially contradictory terms are dropped as they appear, which
/// is what keeps products such as `tcp and src host A and src port P` small.
pub fn dnf(p: &Pred, limit: usize) -> Option<Vec<Term>> {
    let mut work = MAX_PRODUCT_WORK;
    dnf_rec(p, false, limit, &mut work)
}

/// The default term budget for a rule: generous for large disjunctions (one term per atom is
/// the common case), bounded for products.
pub fn default_limit(p: &Pred) -> usize {
    limit_for_size(pred_size(p))
}

/// [`default_limit`] of a predicate of `size` nodes (for callers that counted them already).
pub fn limit_for_size(size: usize) -> usize {
    256 + 4 * size
}

/// The one-literal term of atom `a` (negated under `neg`), or none if it can never hold.
fn atom_term(a: &Atom, neg: bool) -> Option<Term> {
    let a = if neg {
        Atom {
            rel: a.rel.negate(),
            ..*a
        }
    } else {
        *a
    };
    let t = Term {
        lits: vec![Lit::Atom(a)],
    };
    (!t.trivially_false()).then_some(t)
}

fn dnf_rec(p: &Pred, neg: bool, limit: usize, work: &mut usize) -> Option<Vec<Term>> {
    match p {
        Pred::True | Pred::False => {
            if matches!(p, Pred::True) != neg {
                Some(vec![Term::default()])
            } else {
                Some(vec![])
            }
        }
        Pred::Atom(a) => Some(atom_term(a, neg).into_iter().collect()),
        Pred::Cmp(x, r, y) => {
            let r = if neg { r.negate() } else { *r };
            Some(vec![Term {
                lits: vec![Lit::Cmp(x.clone(), r, y.clone())],
            }])
        }
        Pred::Not(a) => dnf_rec(a, !neg, limit, work),
        Pred::And(..) | Pred::Or(..) => {
            let is_or = matches!(p, Pred::Or(..));
            // Flatten the chain of same-kind nodes without recursing down it.
            let mut operands = Vec::new();
            let mut stack = vec![p];
            while let Some(q) = stack.pop() {
                match q {
                    Pred::Or(a, b) if is_or => {
                        stack.push(b);
                        stack.push(a);
                    }
                    Pred::And(a, b) if !is_or => {
                        stack.push(b);
                        stack.push(a);
                    }
                    other => operands.push(other),
                }
            }
            // Under negation, De Morgan swaps the roles.
            let union = is_or != neg;
            if union {
                let mut out = Vec::new();
                for o in operands {
                    // A bare atom (each address of a host set) is one term: skip the
                    // single-element vector the general path would build and drop.
                    if let Pred::Atom(a) = o {
                        out.extend(atom_term(a, neg));
                        if out.len() > limit {
                            return None;
                        }
                        continue;
                    }
                    out.extend(dnf_rec(o, neg, limit, work)?);
                    if out.len() > limit {
                        return None;
                    }
                }
                Some(out)
            } else {
                let mut acc = vec![Term::default()];
                for o in operands {
                    // A bare atom (the `ether proto` test before each host's address) is
                    // conjoined into the terms in place: no operand vector, no copies.
                    if let Pred::Atom(a) = o {
                        let l = Lit::Atom(if neg {
                            Atom {
                                rel: a.rel.negate(),
                                ..*a
                            }
                        } else {
                            *a
                        });
                        let mut long = false;
                        acc.retain_mut(|t| {
                            t.conjoin(&l);
                            long |= t.lits.len() > MAX_TERM_LITS;
                            !t.trivially_false()
                        });
                        if long {
                            return None;
                        }
                        if acc.is_empty() {
                            break;
                        }
                        continue;
                    }
                    let d = dnf_rec(o, neg, limit, work)?;
                    // One accumulated term (the usual case: `proto and (src or dst)`): conjoin
                    // it into the operand's own terms instead of copying both sides.
                    if acc.len() == 1 {
                        let t = acc.pop().expect("one term");
                        if d.iter()
                            .any(|u| u.lits.len() + t.lits.len() > MAX_TERM_LITS)
                        {
                            return None;
                        }
                        acc = d
                            .into_iter()
                            .filter_map(|mut u| {
                                for l in &t.lits {
                                    u.conjoin(l);
                                }
                                (!u.trivially_false()).then_some(u)
                            })
                            .collect();
                        if acc.is_empty() {
                            break;
                        }
                        continue;
                    }
                    let products = acc.len().saturating_mul(d.len());
                    if products > limit.saturating_mul(4) || products > *work {
                        return None;
                    }
                    *work -= products;
                    let mut next = Vec::new();
                    // Duplicate terms are harmless (a rule filed twice under one key) but
                    // wasteful; only a product of two real disjunctions tends to make them.
                    let dedup = acc.len() > 1 && d.len() > 1;
                    let mut seen = rustc_hash::FxHashSet::default();
                    for t in &acc {
                        for u in &d {
                            if let Some(m) = t.and(u) {
                                if !dedup || seen.insert(m.clone()) {
                                    next.push(m);
                                }
                            }
                        }
                    }
                    if next.len() > limit || next.iter().any(|t| t.lits.len() > MAX_TERM_LITS) {
                        return None;
                    }
                    acc = next;
                    if acc.is_empty() {
                        break;
                    }
                }
                Some(acc)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(off: u32, k: u32) -> Pred {
        Pred::atom(off, 1, u32::MAX, Rel::Eq, k)
    }

    #[test]
    fn product_drops_contradictions() {
        // (a=1 or a=2) and (a=2 or b=3)  ->  a=1&b=3, a=2, a=2&b=3
        let p = Pred::and(Pred::or(eq(0, 1), eq(0, 2)), Pred::or(eq(0, 2), eq(1, 3)));
        let d = dnf(&p, 100).unwrap();
        assert_eq!(d.len(), 3);
        assert!(d.iter().all(|t| !t.trivially_false()));
    }

    #[test]
    fn negation_is_pushed_to_literals() {
        let p = Pred::not(Pred::and(eq(0, 1), eq(1, 2)));
        let d = dnf(&p, 100).unwrap();
        assert_eq!(d.len(), 2);
        for t in &d {
            match &t.lits[0] {
                Lit::Atom(a) => assert_eq!(a.rel, Rel::Ne),
                Lit::Cmp(..) => panic!("no comparison expected"),
            }
        }
    }

    #[test]
    fn long_chains_do_not_recurse_deeply() {
        let mut p = eq(0, 0);
        for i in 1..10_000u32 {
            p = Pred::or(p, Pred::atom(0, 4, u32::MAX, Rel::Eq, i));
        }
        assert_eq!(dnf(&p, default_limit(&p)).unwrap().len(), 10_000);
        assert_eq!(pred_size(&p), 19_999);
    }

    #[test]
    fn limit_is_respected() {
        let mut p = Pred::True;
        for i in 0..20u32 {
            p = Pred::and(p, Pred::or(eq(i, 1), eq(i + 100, 1)));
        }
        assert!(dnf(&p, 1000).is_none());
    }
}
