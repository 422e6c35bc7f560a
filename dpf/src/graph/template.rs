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
    let mut s = SigScratch::default();
    signature_into(p, &mut s).then_some((s.sig, s.occ))
}

/// Buffers of [`signature_into`], reused across calls (a 10,000-host rule signs 30,000
/// operands: allocating per call would cost more than the rest of the work).
#[derive(Default)]
pub struct SigScratch<'a> {
    pub sig: Vec<u32>,
    pub occ: Vec<Atom>,
    stack: Vec<&'a Pred>,
    per_load: Vec<(Load, u32, bool)>,
    /// Per abstractable masked load: its constants so far, as a range of `consts`.
    classes: Vec<((Load, u32), usize, usize)>,
    consts: Vec<u32>,
}

impl SigScratch<'_> {
    /// The buffers, let go of the predicate they last walked, to keep for the next call.
    // `filter_map` to nothing changes the element type's lifetime, which `filter` cannot.
    #[allow(clippy::unnecessary_filter_map)]
    pub fn detach(self) -> SigScratch<'static> {
        let mut stack = self.stack;
        stack.clear();
        SigScratch {
            sig: self.sig,
            occ: self.occ,
            // Collected in place: the empty vector keeps its allocation under the new lifetime.
            stack: stack.into_iter().filter_map(|_| None).collect(),
            per_load: self.per_load,
            classes: self.classes,
            consts: self.consts,
        }
    }
}

/// [`signature`] into `s.sig` and `s.occ`; `false` for predicates with general comparisons.
pub fn signature_into<'a>(p: &'a Pred, s: &mut SigScratch<'a>) -> bool {
    s.sig.clear();
    s.occ.clear();
    s.stack.clear();
    s.stack.push(p);
    while let Some(q) = s.stack.pop() {
        match q {
            Pred::And(a, b) | Pred::Or(a, b) => {
                s.sig.push(if matches!(q, Pred::And(..)) {
                    TAG_AND
                } else {
                    TAG_OR
                });
                s.stack.push(b);
                s.stack.push(a);
            }
            Pred::Not(a) => {
                s.sig.push(TAG_NOT);
                s.stack.push(a);
            }
            Pred::True => s.sig.push(TAG_TRUE),
            Pred::False => s.sig.push(TAG_FALSE),
            Pred::Atom(a) => {
                s.sig.push(TAG_ATOM);
                s.occ.push(*a);
            }
            Pred::Cmp(..) => return false,
        }
    }
    // Masked loads tested only by equality, with a single mask per load: abstractable. Rules
    // test few distinct loads, so a short vector is the right map.
    s.per_load.clear();
    for a in &s.occ {
        match s.per_load.iter_mut().find(|(l, _, _)| *l == a.load) {
            Some((_, m, ok)) => *ok &= *m == a.mask && a.rel == Rel::Eq,
            None => s.per_load.push((a.load, a.mask, a.rel == Rel::Eq)),
        }
    }
    s.classes.clear();
    s.consts.clear();
    for a in &s.occ {
        load_words(&a.load, &mut s.sig);
        s.sig.push(a.mask);
        s.sig.push(a.rel as u32);
        let abstractable = s.per_load.iter().any(|(l, _, ok)| *l == a.load && *ok);
        if abstractable {
            let g = (a.load, a.mask);
            // Constants of one masked load are kept contiguous: a load's first occurrence
            // opens its class list at the end of `consts`, later ones are inserted there.
            let ci = match s.classes.iter().position(|(k, _, _)| *k == g) {
                Some(i) => i,
                None => {
                    s.classes.push((g, s.consts.len(), 0));
                    s.classes.len() - 1
                }
            };
            let (_, start, len) = s.classes[ci];
            let c = match s.consts[start..start + len].iter().position(|&k| k == a.k) {
                Some(c) => c,
                None => {
                    s.consts.insert(start + len, a.k);
                    s.classes[ci].2 += 1;
                    for later in &mut s.classes[ci + 1..] {
                        later.1 += 1;
                    }
                    len
                }
            };
            let size_max: u32 = match a.load.size {
                1 => 0xff,
                2 => 0xffff,
                _ => u32::MAX,
            };
            let fits_mask = a.k & !a.mask == 0;
            let fits_size = a.k & !(a.mask & size_max) == 0;
            s.sig.push(
                0x8000_0000 | (c as u32) << 2 | u32::from(fits_mask) << 1 | u32::from(fits_size),
            );
        } else {
            s.sig.push(0);
            s.sig.push(a.k);
        }
    }
    true
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
