//! A conservative stand-in for `dpf::query` until the merged graph's own queries land.
//!
//! Filters are put in disjunctive normal form (negations pushed into the atoms' relations);
//! each conjunction is summarised as one interval (plus excluded points) per `(load, mask)`.
//! Both answers err on the safe side for the shim's purpose:
//! - [`may_overlap`] says `false` only when every pair of conjunctions has some load whose
//!   intervals are disjoint (so no packet can satisfy both); anything it cannot analyse (general
//!   arithmetic comparisons, a DNF that grows too large) counts as "may overlap".
//! - [`contains`] says `true` only when `outer` is a plain conjunction of atoms (so BPF's reject
//!   semantics cannot make it refuse a packet its atoms accept) and every conjunction of `inner`
//!   implies every atom of `outer`.

use dpf::ir::{Atom, Load, Pred, Rel};
use std::collections::HashMap;

/// Past this many conjunctions we stop analysing and answer conservatively.
const MAX_CONJUNCTS: usize = 512;

/// Past this depth of `and`/`or`/`not` we stop too (the analysis recurses; a filter this deep
/// has more than `MAX_CONJUNCTS` conjunctions or is a chain no cheaper to analyse).
const MAX_DEPTH: usize = 1024;

#[derive(Clone, Debug, Default)]
struct Conj {
    atoms: Vec<Atom>,
    /// Holds a constraint we cannot reason about (a general comparison).
    opaque: bool,
}

fn dnf(p: &Pred, neg: bool) -> Option<Vec<Conj>> {
    dnf_at(p, neg, 0)
}

fn dnf_at(p: &Pred, neg: bool, depth: usize) -> Option<Vec<Conj>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let dnf = |p: &Pred, neg: bool| dnf_at(p, neg, depth + 1);
    Some(match (p, neg) {
        (Pred::True, false) | (Pred::False, true) => vec![Conj::default()],
        (Pred::True, true) | (Pred::False, false) => vec![],
        (Pred::Atom(a), _) => {
            let mut a = *a;
            if neg {
                a.rel = a.rel.negate();
            }
            vec![Conj {
                atoms: vec![a],
                opaque: false,
            }]
        }
        (Pred::Cmp(..), _) => vec![Conj {
            atoms: vec![],
            opaque: true,
        }],
        (Pred::Not(x), _) => dnf(x, !neg)?,
        (Pred::And(a, b), false) | (Pred::Or(a, b), true) => {
            let (da, db) = (dnf(a, neg)?, dnf(b, neg)?);
            if da.len().saturating_mul(db.len()) > MAX_CONJUNCTS {
                return None;
            }
            let mut out = Vec::with_capacity(da.len() * db.len());
            for x in &da {
                for y in &db {
                    let mut atoms = x.atoms.clone();
                    atoms.extend_from_slice(&y.atoms);
                    out.push(Conj {
                        atoms,
                        opaque: x.opaque || y.opaque,
                    });
                }
            }
            out
        }
        (Pred::Or(a, b), false) | (Pred::And(a, b), true) => {
            let mut da = dnf(a, neg)?;
            da.extend(dnf(b, neg)?);
            if da.len() > MAX_CONJUNCTS {
                return None;
            }
            da
        }
    })
}

/// The values `load & mask` may take under a conjunction: `[lo, hi]` minus `ne`.
#[derive(Clone, Debug)]
struct Range {
    lo: u32,
    hi: u32,
    ne: Vec<u32>,
}

impl Range {
    fn full(mask: u32) -> Range {
        Range {
            lo: 0,
            hi: mask,
            ne: vec![],
        }
    }
    fn apply(&mut self, rel: Rel, k: u32) {
        match rel {
            Rel::Eq => {
                self.lo = self.lo.max(k);
                self.hi = self.hi.min(k);
            }
            Rel::Ne => self.ne.push(k),
            Rel::Lt if k == 0 => self.empty(),
            Rel::Lt => self.hi = self.hi.min(k - 1),
            Rel::Le => self.hi = self.hi.min(k),
            Rel::Gt if k == u32::MAX => self.empty(),
            Rel::Gt => self.lo = self.lo.max(k + 1),
            Rel::Ge => self.lo = self.lo.max(k),
        }
    }
    fn empty(&mut self) {
        self.lo = 1;
        self.hi = 0;
    }
    fn is_empty(&self) -> bool {
        self.lo > self.hi || (self.lo == self.hi && self.ne.contains(&self.lo))
    }
    fn intersect(&self, o: &Range) -> Range {
        let mut ne = self.ne.clone();
        ne.extend_from_slice(&o.ne);
        Range {
            lo: self.lo.max(o.lo),
            hi: self.hi.min(o.hi),
            ne,
        }
    }
    /// Is every value of `self` one that `rel k` accepts?
    fn within(&self, rel: Rel, k: u32) -> bool {
        if self.is_empty() {
            return true;
        }
        match rel {
            Rel::Eq => self.lo == k && self.hi == k,
            Rel::Ne => k < self.lo || k > self.hi || self.ne.contains(&k),
            Rel::Lt => self.hi < k,
            Rel::Le => self.hi <= k,
            Rel::Gt => self.lo > k,
            Rel::Ge => self.lo >= k,
        }
    }
}

type Key = (Load, u32);

fn ranges(c: &Conj) -> HashMap<Key, Range> {
    let mut m: HashMap<Key, Range> = HashMap::new();
    for a in &c.atoms {
        m.entry((a.load, a.mask))
            .or_insert_with(|| Range::full(a.mask))
            .apply(a.rel, a.k);
    }
    m
}

fn satisfiable(m: &HashMap<Key, Range>) -> bool {
    m.values().all(|r| !r.is_empty())
}

/// Can some packet be accepted by both filters? (`true` when unsure.)
pub fn may_overlap(a: &Pred, b: &Pred) -> bool {
    let (Some(da), Some(db)) = (dnf(a, false), dnf(b, false)) else {
        return true;
    };
    let ra: Vec<_> = da.iter().map(ranges).filter(satisfiable).collect();
    let rb: Vec<_> = db.iter().map(ranges).filter(satisfiable).collect();
    ra.iter().any(|x| {
        rb.iter().any(|y| {
            x.iter().all(|(key, rx)| match y.get(key) {
                Some(ry) => !rx.intersect(ry).is_empty(),
                None => true,
            })
        })
    })
}

/// Does a successful load `a` prove that load `b` is inside the packet too?
fn reaches(a: &Load, b: &Load) -> bool {
    a.base == b.base && a.off + a.size as u32 >= b.off + b.size as u32
}

/// Is every packet `inner` accepts also accepted by `outer`? (`false` when unsure.)
pub fn contains(outer: &Pred, inner: &Pred) -> bool {
    let Some(douter) = dnf(outer, false) else {
        return false;
    };
    let outer = match douter.as_slice() {
        [] => return !may_overlap(inner, &Pred::True), // outer is False: only an empty inner fits
        [c] if !c.opaque => c,
        _ => return false,
    };
    let Some(dinner) = dnf(inner, false) else {
        return false;
    };
    dinner.iter().all(|c| {
        let m = ranges(c);
        if !satisfiable(&m) {
            return true;
        }
        outer.atoms.iter().all(|a| {
            if let Some(r) = m.get(&(a.load, a.mask)) {
                return r.within(a.rel, a.k);
            }
            // A field pinned under a wider mask pins it under a narrower one too
            // (`ip dst 192.0.2.9` inside `ip dst net 192.0.2.0/24`).
            let pinned = m.iter().find_map(|((l, mask), r)| {
                (*l == a.load && a.mask & !mask == 0 && !r.is_empty() && r.lo == r.hi)
                    .then_some(r.lo)
            });
            match pinned {
                Some(v) => a.rel.holds(v & a.mask, a.k),
                // Even an atom true for every value rejects a packet too short for its load:
                // `inner` must itself have loaded at least as far from the same base.
                None => {
                    Range::full(a.mask).within(a.rel, a.k)
                        && c.atoms.iter().any(|b| reaches(&b.load, &a.load))
                }
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dpf::ir::Packet;
    use proptest::prelude::*;

    fn eq(off: u32, size: u8, k: u32) -> Pred {
        Pred::atom(off, size, u32::MAX, Rel::Eq, k)
    }
    fn range(off: u32, lo: u32, hi: u32) -> Pred {
        Pred::and(
            Pred::atom(off, 2, u32::MAX, Rel::Ge, lo),
            Pred::atom(off, 2, u32::MAX, Rel::Le, hi),
        )
    }

    #[test]
    fn different_constants_on_one_field_do_not_overlap() {
        assert!(!may_overlap(&eq(12, 2, 0x800), &eq(12, 2, 0x806)));
        assert!(may_overlap(&eq(12, 2, 0x800), &eq(23, 1, 17)));
        assert!(!may_overlap(&range(36, 1000, 1999), &range(36, 2000, 2999)));
        assert!(may_overlap(&range(36, 1000, 2000), &range(36, 2000, 2999)));
    }

    #[test]
    fn negation_is_pushed_into_the_relation() {
        let not_arp = Pred::not(eq(12, 2, 0x806));
        assert!(!may_overlap(&not_arp, &eq(12, 2, 0x806)));
        assert!(may_overlap(&not_arp, &eq(12, 2, 0x800)));
    }

    #[test]
    fn containment_of_nested_ranges() {
        let wide = Pred::and(eq(12, 2, 0x800), range(36, 1000, 1999));
        let narrow = Pred::and(eq(12, 2, 0x800), Pred::and(eq(23, 1, 6), eq(36, 2, 1500)));
        assert!(contains(&wide, &narrow));
        assert!(!contains(&narrow, &wide));
        let outside = Pred::and(eq(12, 2, 0x800), eq(36, 2, 2500));
        assert!(!contains(&wide, &outside));
        // An `or` inner: contained only when both branches are.
        let both = Pred::or(narrow.clone(), outside);
        assert!(!contains(&wide, &both));
    }

    #[test]
    fn outer_with_or_is_never_claimed_to_contain() {
        let outer = Pred::or(eq(12, 2, 0x800), eq(12, 2, 0x806));
        assert!(!contains(&outer, &eq(12, 2, 0x800)));
    }

    fn arb_pred() -> impl Strategy<Value = Pred> {
        let leaf = (0u32..3, 0u32..4, 0usize..6, 0usize..3).prop_map(|(off, k, r, m)| {
            let rel = [Rel::Eq, Rel::Ne, Rel::Lt, Rel::Le, Rel::Gt, Rel::Ge][r];
            Pred::atom(off, 1, [u32::MAX, 0x3, 0x1][m], rel, k)
        });
        leaf.prop_recursive(3, 12, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::and(a, b)),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::or(a, b)),
                inner.prop_map(Pred::not),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        // Soundness against brute force over every 2- and 3-byte packet with small values
        // (short packets exercise the reject semantics).
        #[test]
        fn answers_are_sound(a in arb_pred(), b in arb_pred()) {
            let ov = may_overlap(&a, &b);
            let ct = contains(&a, &b);
            for len in 2..=3usize {
                for v in 0..(5u32.pow(len as u32)) {
                    let bytes: Vec<u8> = (0..len).map(|i| ((v / 5u32.pow(i as u32)) % 5) as u8).collect();
                    let p = Packet::new(&bytes, len as u32);
                    let (ma, mb) = (a.matches(&p), b.matches(&p));
                    if ma && mb { prop_assert!(ov, "both match {:?} but may_overlap said no", bytes); }
                    if mb && !ma { prop_assert!(!ct, "{:?} in inner not outer but contains said yes", bytes); }
                }
            }
        }
    }
}
