//! Rule templates: most rule sets are one expression with different constants (10,000 copies of
//! `tcp and src host A and src port P and dst host B and dst port Q`). Splitting a rule into
//! terms and specialising it per term is the expensive part of an insertion, and its outcome
//! depends on the constants only through a few relations. A template records that outcome for
//! one rule, indexed by a *signature* in which such constants are abstracted, so the next rule
//! with the same signature is filed by reading its constants off the recorded positions.
//!
//! Which constants are abstracted: those of equality atoms on a masked load that the rule tests
//! with equalities only (and with one mask only). For those, every decision the DNF and the
//! facts make depends only on which constants are equal to which, and on whether a constant
//! fits its mask and load size; the signature records exactly that (a class number per distinct
//! constant, and two fit bits). All other constants stay literally in the signature. Rules with
//! general comparisons are not templated.

use crate::ir::{Atom, Base, Load, Pred, Rel};

/// Where a term's literal comes from: an atom occurrence (preorder index), possibly negated.
#[derive(Clone, Debug)]
pub struct LitRef {
    pub occ: usize,
    pub negated: bool,
}

/// One recorded term: its key literals in the shape's load order, its residue, its shape, and
/// whether its confirmation folded to `Always`.
#[derive(Clone, Debug)]
pub struct TemplateTerm {
    pub shape: usize,
    pub key: Vec<usize>,
    pub resid: Vec<LitRef>,
    pub always: bool,
}

#[derive(Clone, Debug)]
pub struct Template {
    pub terms: Vec<TemplateTerm>,
}

const TAG_AND: u32 = 0xffff_0001;
const TAG_OR: u32 = 0xffff_0002;
const TAG_NOT: u32 = 0xffff_0003;
const TAG_TRUE: u32 = 0xffff_0004;
const TAG_FALSE: u32 = 0xffff_0005;
const TAG_ATOM: u32 = 0xffff_0006;

fn load_words(l: &Load, out: &mut Vec<u32>) {
    match l.base {
        Base::Abs => out.push(0),
        Base::IpHdrLen { at } => {
            out.push(1);
            out.push(at);
        }
    }
    out.push(l.off);
    out.push(u32::from(l.size));
}

/// The signature of `p` and its atom occurrences in preorder; `None` for rules with general
/// comparisons.
pub fn signature(p: &Pred) -> Option<(Vec<u32>, Vec<Atom>)> {
    let mut occ: Vec<Atom> = Vec::new();
    let mut shape: Vec<u32> = Vec::new();
    let mut stack = vec![p];
    while let Some(q) = stack.pop() {
        match q {
            Pred::And(a, b) | Pred::Or(a, b) => {
                shape.push(if matches!(q, Pred::And(..)) {
                    TAG_AND
                } else {
                    TAG_OR
                });
                stack.push(b);
                stack.push(a);
            }
            Pred::Not(a) => {
                shape.push(TAG_NOT);
                stack.push(a);
            }
            Pred::True => shape.push(TAG_TRUE),
            Pred::False => shape.push(TAG_FALSE),
            Pred::Atom(a) => {
                shape.push(TAG_ATOM);
                occ.push(*a);
            }
            Pred::Cmp(..) => return None,
        }
    }
    // Masked loads tested only by equality, with a single mask per load: abstractable. Rules
    // test few distinct loads, so a short vector is the right map.
    let mut per_load: Vec<(Load, u32, bool)> = Vec::new();
    for a in &occ {
        match per_load.iter_mut().find(|(l, _, _)| *l == a.load) {
            Some((_, m, ok)) => *ok &= *m == a.mask && a.rel == Rel::Eq,
            None => per_load.push((a.load, a.mask, a.rel == Rel::Eq)),
        }
    }
    let abstractable = |a: &Atom| per_load.iter().any(|(l, _, ok)| *l == a.load && *ok);
    let mut classes: Vec<((Load, u32), Vec<u32>)> = Vec::new();
    let mut sig = shape;
    for a in &occ {
        load_words(&a.load, &mut sig);
        sig.push(a.mask);
        sig.push(a.rel as u32);
        if abstractable(a) {
            let g = (a.load, a.mask);
            let i = match classes.iter().position(|(k, _)| *k == g) {
                Some(i) => i,
                None => {
                    classes.push((g, Vec::new()));
                    classes.len() - 1
                }
            };
            let ks = &mut classes[i].1;
            let c = match ks.iter().position(|&k| k == a.k) {
                Some(c) => c,
                None => {
                    ks.push(a.k);
                    ks.len() - 1
                }
            };
            let size_max: u32 = match a.load.size {
                1 => 0xff,
                2 => 0xffff,
                _ => u32::MAX,
            };
            let fits_mask = a.k & !a.mask == 0;
            let fits_size = a.k & !(a.mask & size_max) == 0;
            sig.push(
                0x8000_0000 | (c as u32) << 2 | u32::from(fits_mask) << 1 | u32::from(fits_size),
            );
        } else {
            sig.push(0);
            sig.push(a.k);
        }
    }
    Some((sig, occ))
}

/// The occurrence a literal came from: an atom equal to it, or whose negation equals it.
pub fn find_occurrence(occ: &[Atom], lit: &Atom) -> Option<LitRef> {
    if let Some(i) = occ.iter().position(|a| a == lit) {
        return Some(LitRef {
            occ: i,
            negated: false,
        });
    }
    occ.iter()
        .position(|a| {
            a.load == lit.load && a.mask == lit.mask && a.k == lit.k && a.rel.negate() == lit.rel
        })
        .map(|i| LitRef {
            occ: i,
            negated: true,
        })
}

impl LitRef {
    pub fn atom(&self, occ: &[Atom]) -> Atom {
        let a = occ[self.occ];
        if self.negated {
            Atom {
                rel: a.rel.negate(),
                ..a
            }
        } else {
            a
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(off: u32, k: u32) -> Pred {
        Pred::atom(off, 2, u32::MAX, Rel::Eq, k)
    }

    #[test]
    fn equal_constant_patterns_share_a_signature() {
        let a = Pred::and(eq(0, 1), Pred::or(eq(2, 5), eq(2, 6)));
        let b = Pred::and(eq(0, 9), Pred::or(eq(2, 7), eq(2, 8)));
        let c = Pred::and(eq(0, 9), Pred::or(eq(2, 7), eq(2, 7)));
        assert_eq!(signature(&a).unwrap().0, signature(&b).unwrap().0);
        // Two equal constants on one load is a different pattern.
        assert_ne!(signature(&a).unwrap().0, signature(&c).unwrap().0);
        // A constant that does not fit a 2-byte load changes the signature.
        let d = Pred::and(eq(0, 0x10000), Pred::or(eq(2, 7), eq(2, 8)));
        assert_ne!(signature(&a).unwrap().0, signature(&d).unwrap().0);
    }

    #[test]
    fn ranges_keep_their_constants() {
        let lt = |k| Pred::and(eq(0, 1), Pred::atom(2, 2, u32::MAX, Rel::Lt, k));
        assert_ne!(signature(&lt(5)).unwrap().0, signature(&lt(6)).unwrap().0);
    }
}
