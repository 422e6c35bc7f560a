//! Compiled clause selection: for functions with several clauses, the first argument's shape
//! (atom, small integer, tuple size and tag, list, binary, map) selects the few clauses that can
//! match, so dispatch costs one hash lookup instead of trying every clause in turn.

use crate::atom::Atom;
use crate::code::{CClause, Pat};
use crate::term::Term;
use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Key {
    Atom(Atom),
    Int(i64),
    Tuple(usize, Option<Atom>),
    Nil,
    Cons,
    Bin,
    Map,
}

/// A multiplicative hasher: keys are a few words, and SipHash would cost more than trying a
/// handful of clauses.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(x as u64);
    }
    fn write_i64(&mut self, x: i64) {
        self.write_u64(x as u64);
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

pub struct ClauseIndex {
    table: FastMap<Key, Vec<u32>>,
    /// Clauses that can match a value whose key is not in the table (wildcards only).
    default: Vec<u32>,
}

/// The key class of a first-argument pattern; `None` means it may match anything.
fn pat_key(p: &Pat) -> Option<Key> {
    match p {
        Pat::Lit(Term::Atom(a)) => Some(Key::Atom(*a)),
        Pat::Lit(Term::Int(i)) => Some(Key::Int(*i)),
        Pat::Lit(Term::Nil) | Pat::Nil => Some(Key::Nil),
        Pat::Lit(Term::Cons(_)) | Pat::Cons(_, _) => Some(Key::Cons),
        Pat::Tuple(ps) => Some(Key::Tuple(
            ps.len(),
            match ps.first() {
                Some(Pat::Lit(Term::Atom(a))) => Some(*a),
                _ => None,
            },
        )),
        Pat::Bin(_) => Some(Key::Bin),
        Pat::Map(_) => Some(Key::Map),
        _ => None,
    }
}

pub fn term_key(t: &Term) -> Option<Key> {
    match t {
        Term::Atom(a) => Some(Key::Atom(*a)),
        Term::Int(i) => Some(Key::Int(*i)),
        Term::Tuple(v) => Some(Key::Tuple(
            v.len(),
            match v.first() {
                Some(Term::Atom(a)) => Some(*a),
                _ => None,
            },
        )),
        Term::Nil => Some(Key::Nil),
        Term::Cons(_) => Some(Key::Cons),
        Term::Bin(_) => Some(Key::Bin),
        Term::Map(_) => Some(Key::Map),
        _ => None,
    }
}

/// Whether a clause of class `c` may match a value of key `k`.
fn compatible(c: Option<Key>, k: Key) -> bool {
    match (c, k) {
        (None, _) => true,
        (Some(Key::Tuple(n, None)), Key::Tuple(m, _)) => n == m,
        (Some(c), k) => c == k,
    }
}

impl ClauseIndex {
    /// Builds an index when it pays: at least four clauses (trying three in turn is cheaper
    /// than a lookup), not all wildcards.
    pub fn build(clauses: &[CClause]) -> Option<ClauseIndex> {
        if clauses.len() < 4 || clauses.iter().any(|c| c.pats.is_empty()) {
            return None;
        }
        let classes: Vec<Option<Key>> = clauses.iter().map(|c| pat_key(&c.pats[0])).collect();
        if classes.iter().filter(|c| c.is_some()).count() < 2 {
            return None;
        }
        let mut table = FastMap::default();
        for k in classes.iter().flatten() {
            let list: Vec<u32> = classes
                .iter()
                .enumerate()
                .filter(|(_, c)| compatible(**c, *k))
                .map(|(i, _)| i as u32)
                .collect();
            table.insert(*k, list);
        }
        let default = classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_none())
            .map(|(i, _)| i as u32)
            .collect();
        Some(ClauseIndex { table, default })
    }

    /// The clauses to try, in order, for a first argument `t`.
    pub fn candidates(&self, t: &Term) -> &[u32] {
        match term_key(t) {
            Some(k) => {
                if let Some(l) = self.table.get(&k) {
                    return l;
                }
                if let Key::Tuple(n, Some(_)) = k {
                    if let Some(l) = self.table.get(&Key::Tuple(n, None)) {
                        return l;
                    }
                }
                &self.default
            }
            None => &self.default,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::CClause;

    fn clause(p: Pat) -> CClause {
        CClause {
            pats: vec![p],
            guard: vec![],
            body: vec![],
        }
    }

    #[test]
    fn selects_by_atom_and_tuple_shape_keeping_wildcards_in_order() {
        let a = Atom::intern("ping");
        let cl = vec![
            clause(Pat::Lit(Term::Atom(a))),
            clause(Pat::Tuple(vec![Pat::Lit(Term::Atom(a)), Pat::Any])),
            clause(Pat::Tuple(vec![Pat::Any, Pat::Any])),
            clause(Pat::Any),
        ];
        let ix = ClauseIndex::build(&cl).expect("worth indexing");
        assert_eq!(ix.candidates(&Term::Atom(a)), &[0, 3]);
        assert_eq!(
            ix.candidates(&Term::tuple(vec![Term::Atom(a), Term::Int(1)])),
            &[1, 2, 3]
        );
        assert_eq!(
            ix.candidates(&Term::tuple(vec![Term::Int(0), Term::Int(1)])),
            &[2, 3]
        );
        assert_eq!(ix.candidates(&Term::Int(7)), &[3]);
    }
}
