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
    /// Every key a small integer in a short range: `(lowest, label by k - lowest)`, with
    /// `default` where no key is.
    pub dense: Option<(i64, Box<[u32]>)>,
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
        let keys: Vec<(Key, u32)> = table.iter().map(|(k, v)| (*k, *v)).collect();
        let dense = dense_table(&keys, default);
        SwitchTable {
            table,
            default,
            dense,
        }
    }

    /// Where to jump for value `t`.
    #[inline]
    pub fn target(&self, t: &Term) -> u32 {
        if let Some((lo, table)) = &self.dense {
            return match t {
                Term::Int(k) => dense_get(*lo, table, *k).unwrap_or(self.default),
                _ => self.default,
            };
        }
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

/// One step from a value to a sub-term: a list cell's head or tail, a tuple's element.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Step {
    Hd,
    Tl,
    Elem(u32),
}

/// What a clause's pattern says about the sub-term at a path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    /// Nothing: a variable or `_` at the path or above it (or a shape we do not key on).
    Any,
    /// The sub-term exists and has this key.
    Key(Key),
    /// The pattern has another shape above the path (`[]` where the path goes through a
    /// cons, a 2-tuple where it reads element 3): a matching value has no such sub-term.
    Absent,
}

/// The class of pattern `p` at the sub-term `steps` below it.
pub fn class_at(p: &Pat, steps: &[Step]) -> Class {
    let Some((step, rest)) = steps.split_first() else {
        return match p {
            Pat::Alias(a, b) => match class_at(a, &[]) {
                Class::Any => class_at(b, &[]),
                c => c,
            },
            _ => pat_key(p).map_or(Class::Any, Class::Key),
        };
    };
    match (p, step) {
        (Pat::Any | Pat::Bind(_) | Pat::Check(_), _) => Class::Any,
        (Pat::Alias(a, b), _) => match class_at(a, steps) {
            Class::Any => class_at(b, steps),
            c => c,
        },
        (Pat::Cons(h, _), Step::Hd) => class_at(h, rest),
        (Pat::Cons(_, t), Step::Tl) => class_at(t, rest),
        (Pat::Tuple(ps), Step::Elem(i)) => match ps.get(*i as usize) {
            Some(e) => class_at(e, rest),
            None => Class::Absent,
        },
        (Pat::Lit(t), _) => match sub_term(t, steps) {
            Some(s) => term_key(s).map_or(Class::Any, Class::Key),
            None => Class::Absent,
        },
        // Bit-syntax and map patterns, `[]`, a cons read as a tuple or the reverse.
        _ => Class::Absent,
    }
}

/// The sub-term of `t` at `steps`, read by reference (nothing is cloned).
#[inline]
pub fn sub_term<'a>(t: &'a Term, steps: &[Step]) -> Option<&'a Term> {
    let mut t = t;
    for s in steps {
        t = match (t, s) {
            (Term::Cons(c), Step::Hd) => &c.head,
            (Term::Cons(c), Step::Tl) => &c.tail,
            (Term::Tuple(v), Step::Elem(i)) => v.get(*i as usize)?,
            _ => return None,
        };
    }
    Some(t)
}

/// Every path below `p` (at most `MAX_DEPTH` steps deep) at which `p` fixes a key.
fn keyed_paths(p: &Pat, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    const MAX_DEPTH: usize = 8;
    if pat_key(p).is_some() && !out.contains(prefix) {
        out.push(prefix.clone());
    }
    if prefix.len() >= MAX_DEPTH {
        return;
    }
    let mut down = |step: Step, q: &Pat, out: &mut Vec<Vec<Step>>| {
        prefix.push(step);
        keyed_paths(q, prefix, out);
        prefix.pop();
    };
    match p {
        Pat::Cons(h, t) => {
            down(Step::Hd, h, out);
            down(Step::Tl, t, out);
        }
        Pat::Tuple(ps) => {
            for (i, q) in ps.iter().enumerate() {
                down(Step::Elem(i as u32), q, out);
            }
        }
        Pat::Alias(a, b) => {
            keyed_paths(a, prefix, out);
            keyed_paths(b, prefix, out);
        }
        _ => {}
    }
}

/// One probe of a `select`: the key of the sub-term at `steps` below register `reg`, as an
/// index into the probe's keys (0: any key no clause names, or no such sub-term).
pub struct Probe {
    pub reg: u32,
    pub steps: Box<[Step]>,
    pub keys: FastMap<Key, u32>,
    /// The keys in index order (1..), for listings.
    pub names: Vec<Key>,
    pub stride: u32,
    /// When every key is a small integer in a short range: `(lowest, index by k - lowest)`,
    /// so a probe is a subtraction and a load instead of a hash.
    pub dense: Option<(i64, Box<[u32]>)>,
    /// How the sub-term is reached, decided once when the table is built (most probes read
    /// the register itself or its list head: no walk over a step list).
    path: Path,
    /// How its key is looked up, decided once (most probes name only small integers or only
    /// atoms: compare the payload, without building a `Key`).
    lookup: Lookup,
}

/// A probe native code computes inline (`jit.rs`): its sub-term is reached from the
/// register through list cells only (`path`: `true` a head, `false` a tail; index 0 when a
/// step meets no cons), and its key set is one of the common shapes.
pub struct InlineProbe<'a> {
    pub path: Vec<bool>,
    pub keys: InlineKeys<'a>,
}

pub enum InlineKeys<'a> {
    Dense {
        lo: i64,
        table: &'a [u32],
    },
    Ints(&'a [i64]),
    Atoms(&'a [Atom]),
    List {
        nil: u32,
        cons: u32,
    },
    /// Keys of several kinds (or too many for `Ints`/`Atoms`): integers, atoms, `[]` and
    /// cons compared inline, the others (tuples, binaries, maps) looked up by `probe`.
    Mixed {
        names: &'a [Key],
        probe: &'a Probe,
    },
}

impl Probe {
    /// How native code can compute this probe's index, unless it needs the general walk.
    pub fn inline(&self) -> Option<InlineProbe<'_>> {
        let path = match self.path {
            Path::Reg => Vec::new(),
            Path::Hd => vec![true],
            Path::Steps => self
                .steps
                .iter()
                .map(|s| match s {
                    Step::Hd => Some(true),
                    Step::Tl => Some(false),
                    Step::Elem(_) => None,
                })
                .collect::<Option<Vec<bool>>>()?,
        };
        let keys = match &self.lookup {
            Lookup::Dense => {
                let (lo, table) = self.dense.as_ref()?;
                InlineKeys::Dense { lo: *lo, table }
            }
            Lookup::Ints(keys) => InlineKeys::Ints(keys),
            Lookup::Atoms(keys) => InlineKeys::Atoms(keys),
            Lookup::List { nil, cons } => InlineKeys::List {
                nil: *nil,
                cons: *cons,
            },
            Lookup::General => InlineKeys::Mixed {
                names: &self.names,
                probe: self,
            },
        };
        Some(InlineProbe { path, keys })
    }
}

/// The common shapes of a probe's path.
#[derive(Clone, Copy)]
enum Path {
    Reg,
    Hd,
    Steps,
}

/// The common shapes of a probe's key set.
enum Lookup {
    Dense,
    /// A few small integers, in index order.
    Ints(Box<[i64]>),
    /// A few atoms, in index order.
    Atoms(Box<[Atom]>),
    /// Only `[]` and `[_|_]` (a list walk's clauses): their indices (0 if not named).
    List {
        nil: u32,
        cons: u32,
    },
    General,
}

/// Up to this many keys are compared one by one; more are hashed.
const LINEAR_KEYS: usize = 8;

impl Probe {
    fn new(reg: u32, steps: Vec<Step>, names: Vec<Key>, stride: u32) -> Probe {
        let keys: FastMap<Key, u32> = names
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i as u32 + 1))
            .collect();
        let indexed: Vec<(Key, u32)> = names
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i as u32 + 1))
            .collect();
        let dense = dense_table(&indexed, 0);
        let path = match steps.as_slice() {
            [] => Path::Reg,
            [Step::Hd] => Path::Hd,
            _ => Path::Steps,
        };
        let ints: Option<Vec<i64>> = names
            .iter()
            .map(|k| match k {
                Key::Int(i) => Some(*i),
                _ => None,
            })
            .collect();
        let atoms: Option<Vec<Atom>> = names
            .iter()
            .map(|k| match k {
                Key::Atom(a) => Some(*a),
                _ => None,
            })
            .collect();
        let list = names.iter().all(|k| matches!(k, Key::Nil | Key::Cons));
        let index_of = |key: Key| {
            names
                .iter()
                .position(|k| *k == key)
                .map_or(0, |i| i as u32 + 1)
        };
        let lookup = if dense.is_some() {
            Lookup::Dense
        } else if list && !names.is_empty() {
            Lookup::List {
                nil: index_of(Key::Nil),
                cons: index_of(Key::Cons),
            }
        } else if names.len() > LINEAR_KEYS {
            Lookup::General
        } else if let Some(v) = ints {
            Lookup::Ints(v.into())
        } else if let Some(v) = atoms {
            Lookup::Atoms(v.into())
        } else {
            Lookup::General
        };
        Probe {
            reg,
            steps: steps.into(),
            keys,
            names,
            stride,
            dense,
            path,
            lookup,
        }
    }

    #[inline(always)]
    pub fn index(&self, t: &Term) -> u32 {
        let t = match self.path {
            Path::Reg => t,
            Path::Hd => match t {
                Term::Cons(c) => &c.head,
                _ => return 0,
            },
            Path::Steps => match sub_term(t, &self.steps) {
                Some(t) => t,
                None => return 0,
            },
        };
        self.lookup(t)
    }

    /// The key index of `t`, the term the probe's path leads to (0: none of its keys).
    #[inline(always)]
    pub fn lookup(&self, t: &Term) -> u32 {
        match &self.lookup {
            Lookup::Dense => match (t, &self.dense) {
                (Term::Int(k), Some((lo, table))) => dense_get(*lo, table, *k).unwrap_or(0),
                _ => 0,
            },
            Lookup::Ints(ks) => match t {
                Term::Int(k) => ks.iter().position(|x| x == k).map_or(0, |i| i as u32 + 1),
                _ => 0,
            },
            Lookup::Atoms(ks) => match t {
                Term::Atom(a) => ks.iter().position(|x| x == a).map_or(0, |i| i as u32 + 1),
                _ => 0,
            },
            Lookup::List { nil, cons } => match t {
                Term::Nil => *nil,
                Term::Cons(_) => *cons,
                _ => 0,
            },
            Lookup::General => self.index_general(t),
        }
    }

    /// The key index of sub-term `t` for any key set: a few keys compared, more hashed.
    #[inline(never)]
    fn index_general(&self, t: &Term) -> u32 {
        let Some(k) = term_key(t) else {
            return 0;
        };
        // A few keys: comparing is cheaper than hashing.
        if self.names.len() <= LINEAR_KEYS {
            if let Some(i) = self.names.iter().position(|n| *n == k) {
                return i as u32 + 1;
            }
        } else if let Some(i) = self.keys.get(&k) {
            return *i;
        }
        if let Key::Tuple(n, Some(_)) = k {
            if let Some(i) = self.keys.get(&Key::Tuple(n, None)) {
                return *i;
            }
        }
        0
    }
}

/// Keys spanning at most this many integers (or 4 per key, if more) get a dense table.
const DENSE_SPAN: i64 = 256;

/// A dense table for `keys` (each with its value), if they are all small integers in a
/// short enough range; absent keys map to `absent`.
fn dense_table(keys: &[(Key, u32)], absent: u32) -> Option<(i64, Box<[u32]>)> {
    if keys.len() < 3 {
        return None;
    }
    let mut ints = Vec::with_capacity(keys.len());
    for (k, v) in keys {
        match k {
            Key::Int(i) => ints.push((*i, *v)),
            _ => return None,
        }
    }
    let lo = ints.iter().map(|x| x.0).min()?;
    let hi = ints.iter().map(|x| x.0).max()?;
    let span = hi.checked_sub(lo)?.checked_add(1)?;
    if span > DENSE_SPAN.max(4 * keys.len() as i64) {
        return None;
    }
    let mut table = vec![absent; span as usize];
    for (i, v) in ints {
        table[(i - lo) as usize] = v;
    }
    Some((lo, table.into()))
}

/// The entry of dense table `(lo, table)` for small integer `k`, if in range.
#[inline]
fn dense_get(lo: i64, table: &[u32], k: i64) -> Option<u32> {
    let i = k.wrapping_sub(lo) as u64;
    table.get(usize::try_from(i).ok()?).copied()
}

/// The table of a `select` instruction: several sub-terms of the clauses' columns are keyed
/// at once, and the combination of their keys indexes `leaf`, the label of the first clause
/// whose patterns are compatible with every one of them (clause order is kept: earlier
/// clauses that could still match are never skipped).
pub struct SelectTable {
    pub probes: Vec<Probe>,
    pub leaf: Box<[u32]>,
}

impl SelectTable {
    /// Where to jump for the running frame's registers `frame` (`frame[0]` is `r0`).
    #[inline]
    pub fn target(&self, frame: &[Term]) -> u32 {
        // One or two probes are the usual shapes (`plan` picks at most three); the first
        // probe's stride is 1.
        let i = match self.probes.as_slice() {
            [p] => p.index(&frame[p.reg as usize]),
            [p, q] => p.index(&frame[p.reg as usize]) + q.index(&frame[q.reg as usize]) * q.stride,
            [p, q, r] => {
                p.index(&frame[p.reg as usize])
                    + q.index(&frame[q.reg as usize]) * q.stride
                    + r.index(&frame[r.reg as usize]) * r.stride
            }
            ps => ps
                .iter()
                .map(|p| p.index(&frame[p.reg as usize]) * p.stride)
                .sum(),
        };
        self.leaf[i as usize]
    }
}

/// A candidate probe: column, path below it, each clause's class there, the keys named.
type Cand = (usize, Vec<Step>, Vec<Class>, Vec<Key>);

/// For every combination of the probes' key indices (the first probe varying fastest, index
/// 0 meaning "no key named"), the first clause compatible with all of them.
fn first_rows(probes: &[&Cand], n: usize) -> Vec<Option<usize>> {
    let total: usize = probes.iter().map(|c| c.3.len() + 1).product();
    (0..total)
        .map(|i| {
            let mut rest = i;
            let combo: Vec<Option<Key>> = probes
                .iter()
                .map(|c| {
                    let k = rest % (c.3.len() + 1);
                    rest /= c.3.len() + 1;
                    (k > 0).then(|| c.3[k - 1])
                })
                .collect();
            (0..n).find(|&row| {
                probes.iter().zip(&combo).all(|(c, k)| match (c.2[row], k) {
                    (Class::Any, _) => true,
                    (Class::Absent, k) => k.is_none(),
                    (Class::Key(_), None) => false,
                    (Class::Key(ck), Some(k)) => compatible(Some(ck), *k),
                })
            })
        })
        .collect()
}

/// How a clause list's selection starts.
pub enum Plan {
    /// Nothing worth switching on: clauses are tried in order from the first.
    None,
    /// The first column's shape alone (`switch`).
    Switch(SwitchTable),
    /// Several sub-terms (`select`).
    Select(SelectTable),
}

/// Chooses how to start selecting among clauses whose patterns are `pats` (one row per
/// clause, one column per register in `args`), starting at labels `starts`, `nomatch` when
/// no clause can match. Paths are ranked by how many distinct keys they name (a path where
/// every clause that names a key names the same cons cell tells little), shallow first; up to
/// three are combined while the table stays small.
pub fn plan(pats: &[&[Pat]], args: &[u32], starts: &[u32], nomatch: u32) -> Plan {
    const MAX_PROBES: usize = 3;
    const MAX_LEAVES: usize = 1024;
    const MAX_CANDIDATES: usize = 12;
    let n = pats.len();
    if args.is_empty() || n < 4 {
        return Plan::None;
    }
    // Candidate (column, path) pairs with their per-clause classes and distinct keys.
    let mut cands: Vec<Cand> = Vec::new();
    for col in 0..args.len() {
        let mut paths = Vec::new();
        for row in pats {
            if let Some(p) = row.get(col) {
                keyed_paths(p, &mut Vec::new(), &mut paths);
            }
        }
        for path in paths {
            let classes: Vec<Class> = pats
                .iter()
                .map(|row| row.get(col).map_or(Class::Any, |p| class_at(p, &path)))
                .collect();
            let mut keys: Vec<Key> = Vec::new();
            for c in &classes {
                if let Class::Key(k) = c {
                    if !keys.contains(k) {
                        keys.push(*k);
                    }
                }
            }
            if keys.is_empty() || keys == [Key::Cons] {
                continue;
            }
            cands.push((col, path, classes, keys));
        }
    }
    cands.sort_by(|a, b| {
        b.3.len()
            .cmp(&a.3.len())
            .then(a.1.len().cmp(&b.1.len()))
            .then(a.0.cmp(&b.0))
    });
    cands.truncate(MAX_CANDIDATES);
    // Greedy: add the probe that most raises how far a value matching clause i jumps (a
    // value built from clause i's patterns, its variables bound to keys no clause names),
    // summed over the clauses, while it helps at all.
    let mut chosen: Vec<Cand> = Vec::new();
    let mut best = 0usize;
    while chosen.len() < MAX_PROBES {
        let leaves: usize = chosen.iter().map(|c| c.3.len() + 1).product();
        let mut pick: Option<(usize, usize)> = None;
        for (i, c) in cands.iter().enumerate() {
            if leaves * (c.3.len() + 1) > MAX_LEAVES {
                continue;
            }
            let mut trial: Vec<&Cand> = chosen.iter().collect();
            trial.push(c);
            let firsts = first_rows(&trial, n);
            let gain: usize = (0..n)
                .map(|row| {
                    let mut idx = 0;
                    let mut stride = 1;
                    for c in &trial {
                        if let Class::Key(k) = c.2[row] {
                            idx += stride * (1 + c.3.iter().position(|x| *x == k).unwrap_or(0));
                        }
                        stride *= c.3.len() + 1;
                    }
                    firsts[idx].unwrap_or(row)
                })
                .sum();
            if gain > best && pick.is_none_or(|(_, g)| gain > g) {
                pick = Some((i, gain));
            }
        }
        let Some((i, gain)) = pick else { break };
        best = gain;
        chosen.push(cands.remove(i));
    }
    if chosen.is_empty() {
        return Plan::None;
    }
    // The single-probe case on the first column is the plain `switch` (the same table).
    if chosen.len() == 1 && chosen[0].0 == 0 && chosen[0].1.is_empty() {
        let classes: Vec<Option<Key>> = chosen[0]
            .2
            .iter()
            .map(|c| match c {
                Class::Key(k) => Some(*k),
                _ => None,
            })
            .collect();
        if classes.iter().filter(|c| c.is_some()).count() < 2 {
            return Plan::None;
        }
        return Plan::Switch(SwitchTable::build(&classes, starts, nomatch));
    }
    let mut probes = Vec::new();
    let mut stride = 1u32;
    for (col, path, _, keys) in &chosen {
        probes.push(Probe::new(args[*col], path.clone(), keys.clone(), stride));
        stride *= keys.len() as u32 + 1;
    }
    let leaf: Vec<u32> = first_rows(&chosen.iter().collect::<Vec<_>>(), n)
        .into_iter()
        .map(|r| r.map_or(nomatch, |row| starts[row]))
        .collect();
    Plan::Select(SelectTable {
        probes,
        leaf: leaf.into(),
    })
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

#[cfg(test)]
mod select_tests {
    use super::*;

    /// A reference matcher for the pattern shapes the planner keys on.
    fn matches(p: &Pat, t: &Term) -> bool {
        match (p, t) {
            (Pat::Any | Pat::Bind(_), _) => true,
            (Pat::Lit(l), t) => crate::term::exact_eq(l, t),
            (Pat::Nil, Term::Nil) => true,
            (Pat::Cons(h, tl), Term::Cons(c)) => matches(h, &c.head) && matches(tl, &c.tail),
            (Pat::Tuple(ps), Term::Tuple(v)) => {
                ps.len() == v.len() && ps.iter().zip(v.iter()).all(|(p, t)| matches(p, t))
            }
            _ => false,
        }
    }

    fn int(i: i64) -> Pat {
        Pat::Lit(Term::Int(i))
    }
    fn cons(h: Pat, t: Pat) -> Pat {
        Pat::Cons(Box::new(h), Box::new(t))
    }

    #[test]
    fn select_never_skips_a_clause_that_matches() {
        let a = Atom::intern("a");
        let b = Atom::intern("b");
        let at = |x: Atom| Pat::Lit(Term::Atom(x));
        // Rows of two columns mixing keys, wildcards, absent shapes and nesting.
        let rows: Vec<Vec<Pat>> = vec![
            vec![int(0), Pat::Any],
            vec![Pat::Any, cons(int(1), Pat::Any)],
            vec![Pat::Any, cons(Pat::Any, cons(int(2), Pat::Any))],
            vec![at(a), Pat::Nil],
            vec![Pat::Any, cons(Pat::Tuple(vec![at(a), Pat::Any]), Pat::Any)],
            vec![Pat::Tuple(vec![at(b), int(1)]), Pat::Any],
            vec![
                Pat::Any,
                cons(Pat::Tuple(vec![Pat::Any, Pat::Any]), Pat::Nil),
            ],
            vec![Pat::Any, cons(int(0), cons(int(2), Pat::Any))],
            vec![Pat::Tuple(vec![Pat::Any, int(2)]), cons(at(b), Pat::Any)],
            vec![int(5), cons(int(1), Pat::Nil)],
        ];
        let terms = [
            Term::Int(0),
            Term::Int(5),
            Term::Int(7),
            Term::Atom(a),
            Term::Atom(b),
            Term::Nil,
            Term::tuple(vec![Term::Atom(a), Term::Int(1)]),
            Term::tuple(vec![Term::Atom(b), Term::Int(1)]),
            Term::tuple(vec![Term::Atom(b), Term::Int(2)]),
            Term::tuple(vec![Term::Int(3), Term::Int(2)]),
            Term::Float(1.0),
        ];
        let mut lists = vec![Term::Nil];
        for h in &terms {
            lists.push(Term::cons(h.clone(), Term::Nil));
            for h2 in &terms[..6] {
                lists.push(Term::cons(h.clone(), Term::cons(h2.clone(), Term::Nil)));
                lists.push(Term::cons(h.clone(), Term::cons(h2.clone(), Term::Int(9))));
            }
        }
        let col1: Vec<Term> = terms.iter().cloned().chain(lists).collect();
        // Every prefix of at least four clauses is its own clause list.
        let mut skipped = 0;
        for n in 4..=rows.len() {
            let pats: Vec<&[Pat]> = rows[..n].iter().map(|r| r.as_slice()).collect();
            let starts: Vec<u32> = (0..n as u32).map(|i| 100 + i).collect();
            let plan = plan(&pats, &[0, 1], &starts, 999);
            for x in &terms {
                for y in &col1 {
                    let frame = [x.clone(), y.clone()];
                    let target = match &plan {
                        Plan::None => 100,
                        Plan::Switch(t) => t.target(x),
                        Plan::Select(t) => t.target(&frame),
                    };
                    let first =
                        (0..n).find(|&i| matches(&rows[i][0], x) && matches(&rows[i][1], y));
                    if target > 100 {
                        skipped += 1;
                    }
                    match first {
                        Some(i) => assert!(
                            target != 999 && target <= 100 + i as u32,
                            "{n} clauses, ({x:?}, {y:?}): clause {i} matches, jumped to {target}"
                        ),
                        None => assert!(target == 999 || target >= 100, "{target}"),
                    }
                }
            }
        }
        // The tables do skip clauses (the test would pass vacuously otherwise).
        assert!(skipped > 1000, "{skipped}");
    }

    #[test]
    fn dense_integer_tables_pick_the_same_clause_as_matching_in_order() {
        // pat4-like: many integer heads (one far out, one repeated), a wildcard in between.
        let keys: Vec<i64> = vec![
            20, 219, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 3, 1, 21, 0,
        ];
        let mut rows: Vec<Vec<Pat>> = vec![vec![int(0), Pat::Any]];
        for (n, k) in keys.iter().enumerate() {
            rows.push(vec![Pat::Any, cons(int(*k), Pat::Any)]);
            if n == 9 {
                rows.push(vec![Pat::Any, cons(int(13), Pat::Nil)]);
            }
        }
        rows.push(vec![Pat::Any, cons(Pat::Any, Pat::Any)]);
        let pats: Vec<&[Pat]> = rows.iter().map(|r| r.as_slice()).collect();
        let n = rows.len();
        let starts: Vec<u32> = (0..n as u32).map(|i| 100 + i).collect();
        let Plan::Select(table) = plan(&pats, &[0, 1], &starts, 999) else {
            panic!("expected a select");
        };
        assert!(
            table.probes.iter().any(|p| p.dense.is_some()),
            "no dense probe"
        );
        let heads = [
            Term::Int(-1),
            Term::Int(0),
            Term::Int(2),
            Term::Int(13),
            Term::Int(219),
            Term::Int(220),
            Term::Int(i64::MIN),
            Term::Int(i64::MAX),
            Term::Float(13.0),
            Term::Atom(Atom::intern("x")),
        ];
        for x in [Term::Int(0), Term::Int(5)] {
            for h in &heads {
                for tl in [Term::Nil, Term::Int(1)] {
                    let y = Term::cons(h.clone(), tl);
                    let target = table.target(&[x.clone(), y.clone()]);
                    let first =
                        (0..n).find(|&i| matches(&rows[i][0], &x) && matches(&rows[i][1], &y));
                    let first = first.map_or(999, |i| 100 + i as u32);
                    // Every head here is a key or matches only the final wildcard, so
                    // the table lands exactly on the first clause that matches.
                    assert_eq!(target, first, "({x:?}, {y:?})");
                }
            }
        }
        // A switch on small integers alone.
        let classes: Vec<Option<Key>> = keys.iter().map(|k| Some(Key::Int(*k))).collect();
        let starts: Vec<u32> = (0..keys.len() as u32).map(|i| 10 + i).collect();
        let t = SwitchTable::build(&classes, &starts, 99);
        assert!(t.dense.is_some());
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(t.target(&Term::Int(*k)), 10 + i as u32);
        }
        for v in [
            Term::Int(2),
            Term::Int(-5),
            Term::Int(1 << 40),
            Term::Float(1.0),
            Term::Nil,
        ] {
            assert_eq!(t.target(&v), 99, "{v:?}");
        }
    }
}
