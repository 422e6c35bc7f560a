//! Compiled clause selection, the switch part: when several clauses (of a function, `case` or
//! `receive`) differ on the shape of one column (atom, small integer, tuple size and tag, nil,
//! cons, binary, map), a `switch` instruction jumps straight to the first clause that can match
//! the value's shape, and each clause's fail label skips the clauses that cannot match what it
//! admitted (`lower.rs`). So a clause is never tried twice, and clauses of another shape are not
//! tried at all.

use crate::atom::Atom;
use crate::code::Pat;
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

pub type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// The key class of a first-argument pattern; `None` means it may match anything.
pub fn pat_key(p: &Pat) -> Option<Key> {
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
pub fn compatible(c: Option<Key>, k: Key) -> bool {
    match (c, k) {
        (None, _) => true,
        (Some(Key::Tuple(n, None)), Key::Tuple(m, _)) => n == m,
        (Some(c), k) => c == k,
    }
}

/// Whether some value could match both a clause of class `a` and one of class `b`: used to
/// chain a failing clause to the next one that might still match.
pub fn may_overlap(a: Option<Key>, b: Option<Key>) -> bool {
    match (a, b) {
        (None, _) | (_, None) => true,
        (Some(Key::Tuple(n, x)), Some(Key::Tuple(m, y))) => {
            n == m && (x.is_none() || y.is_none() || x == y)
        }
        (Some(x), Some(y)) => x == y,
    }
}

/// The jump table of a `switch`: a value's key to the label of the first clause that can match
/// it; `default` for values whose key no clause names (the first wildcard clause, or the
/// no-clause-matched error).
pub struct SwitchTable {
    pub table: FastMap<Key, u32>,
    pub default: u32,
}

impl SwitchTable {
    /// Builds the table for clauses of classes `classes` starting at labels `starts`;
    /// `nomatch` is the label taken when no clause can match.
    pub fn build(classes: &[Option<Key>], starts: &[u32], nomatch: u32) -> SwitchTable {
        let mut table = FastMap::default();
        for k in classes.iter().flatten() {
            let first = classes
                .iter()
                .position(|c| compatible(*c, *k))
                .expect("a keyed clause is compatible with its own key");
            table.insert(*k, starts[first]);
        }
        let default = classes
            .iter()
            .position(|c| c.is_none())
            .map(|i| starts[i])
            .unwrap_or(nomatch);
        SwitchTable { table, default }
    }

    /// Where to jump for value `t`.
    #[inline]
    pub fn target(&self, t: &Term) -> u32 {
        match term_key(t) {
            Some(k) => {
                if let Some(l) = self.table.get(&k) {
                    return *l;
                }
                if let Key::Tuple(n, Some(_)) = k {
                    if let Some(l) = self.table.get(&Key::Tuple(n, None)) {
                        return *l;
                    }
                }
                self.default
            }
            None => self.default,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumps_to_the_first_clause_that_can_match_keeping_wildcards_in_order() {
        let a = Atom::intern("ping");
        let classes = vec![
            Some(Key::Atom(a)),
            Some(Key::Tuple(2, Some(a))),
            Some(Key::Tuple(2, None)),
            None,
        ];
        let t = SwitchTable::build(&classes, &[10, 20, 30, 40], 99);
        assert_eq!(t.target(&Term::Atom(a)), 10);
        assert_eq!(
            t.target(&Term::tuple(vec![Term::Atom(a), Term::Int(1)])),
            20
        );
        assert_eq!(t.target(&Term::tuple(vec![Term::Int(0), Term::Int(1)])), 30);
        assert_eq!(t.target(&Term::Int(7)), 40);
        let t = SwitchTable::build(&classes[..3], &[10, 20, 30], 99);
        assert_eq!(t.target(&Term::Int(7)), 99);
        assert!(may_overlap(classes[1], classes[2]));
        assert!(!may_overlap(classes[0], classes[2]));
    }
}
