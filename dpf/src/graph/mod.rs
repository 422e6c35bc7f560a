//! The merged decision graph: every rule's predicate folded into one structure that answers
//! "which rules match this packet?" with work that does not grow with the number of rules.
//!
//! Each rule is split into terms (its disjunctive normal form, [`dnf`]). A term's equality atoms
//! (`(load & mask) == k`) form its *key*; the list of masked loads is its *shape*. All terms of
//! one shape share one switch node: the loads are performed once per packet and their values
//! looked up in a hash table ([`table`]) whose entries name the rules. `tcp and src host A and
//! src port P and dst host B and dst port Q` for 10,000 flows is one shape: one probe per packet.
//! A set of hosts or CIDR blocks becomes one shape per prefix length.
//!
//! Exactness (BPF's reject rule, per rule): a term is a *candidate* when every literal's load
//! lies inside the captured bytes and every literal holds. Candidates are a superset of the
//! matching rules (the witness-term property of [`dnf`]). Each candidate entry is then confirmed:
//! - `Always`: the rule specialised to the term's facts folded to `true` ([`facts::specialise`]),
//!   so the term alone decides;
//! - `Exact(r)`: the specialised residue `r` is evaluated with full BPF semantics;
//! - `Guarded`: for rules too large to specialise per term, when every load of the rule lies in
//!   the captured bytes (and it has no general comparison) boolean and BPF semantics agree and
//!   the term decides; otherwise the whole rule is evaluated exactly.
//!
//! One rule's out-of-bounds load therefore never changes another rule's verdict.
//!
//! Rules can be inserted and removed. A rule whose shapes already exist is a table update; a new
//! shape adds a switch node (and makes the JIT recompile, see [`crate::jit`]).

pub mod dnf;
mod dot;
pub mod facts;
pub mod table;
pub mod template;
mod union;

use rustc_hash::FxHashMap;
use std::fmt;
use std::sync::Arc;

use crate::demux::Demux;
use crate::ir::{Atom, Base, Load, Packet, Pred, Rel};
use dnf::{dnf, limit_for_size, Lit, Term};
use facts::{specialise, Facts};
use table::KeyTable;
use template::{LitRef, SigScratch, Template, TemplateTerm};

/// Table values with this bit set name a rule directly (one entry, no residue, `Always`).
pub const DIRECT: u32 = 0x8000_0000;
/// At most this many equality atoms of a term go into its key; the rest stay in the residue.
pub const MAX_KEY_WORDS: usize = 16;
/// Rules larger than this many nodes are confirmed by a guard rather than specialised per term.
const MAX_SPECIALISE_NODES: usize = 256;
/// Templates kept (see [`template`]); the cache is emptied when it would grow beyond this.
const MAX_TEMPLATES: usize = 4096;

/// The bytes a set of loads needs: `abs_end` from the start of the capture, and for each IPv4
/// header-length base (`at`), `end` bytes past `4 * (pkt[at] & 0xf)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    pub abs_end: u64,
    pub ind: Vec<(u32, u64)>,
}

impl Bounds {
    pub fn add(&mut self, l: &Load) {
        let end = u64::from(l.off) + u64::from(l.size);
        match l.base {
            Base::Abs => self.abs_end = self.abs_end.max(end),
            Base::IpHdrLen { at } => {
                self.abs_end = self.abs_end.max(u64::from(at) + 1);
                match self.ind.iter_mut().find(|(a, _)| *a == at) {
                    Some((_, e)) => *e = (*e).max(end),
                    None => self.ind.push((at, end)),
                }
            }
        }
    }

    /// Do all the loads lie inside the captured bytes?
    #[inline]
    pub fn holds(&self, p: &Packet) -> bool {
        let len = p.data.len() as u64;
        len >= self.abs_end
            && self
                .ind
                .iter()
                .all(|&(at, end)| 4 * u64::from(p.data[at as usize] & 0x0f) + end <= len)
    }
}

/// How a candidate entry is confirmed (see the module documentation).
#[derive(Clone, Debug)]
pub enum Confirm {
    Always,
    Exact(Pred),
    Guarded,
}

/// Where a rule's terms are filed: (switch node, key) pairs.
pub type RuleKeys = Vec<(usize, Vec<u32>)>;

/// One term of one rule, filed under its key in its shape's table.
#[derive(Clone, Debug)]
pub struct Entry {
    pub rule: u32,
    /// Literals of the term not in the key; all must hold (in bounds) for a candidate.
    pub resid: Vec<Lit>,
    pub confirm: Confirm,
}

impl Entry {
    /// The entry a [`DIRECT`] table value stands for.
    fn direct(rule: u32) -> Entry {
        Entry {
            rule,
            resid: Vec::new(),
            confirm: Confirm::Always,
        }
    }

    fn simple(&self) -> bool {
        self.resid.is_empty() && matches!(self.confirm, Confirm::Always)
    }
}

/// A switch node: the masked loads of a group of terms and the table of their constants.
#[derive(Clone, Debug)]
pub struct Shape {
    pub loads: Vec<(Load, u32)>,
    pub bounds: Bounds,
    pub table: KeyTable,
}

impl Shape {
    /// The key of a packet, or `None` when a load falls outside the captured bytes (then no
    /// term of this shape can be a rule's witness).
    #[inline]
    fn key(&self, p: &Packet, buf: &mut [u32; MAX_KEY_WORDS]) -> Option<usize> {
        for (i, (l, m)) in self.loads.iter().enumerate() {
            buf[i] = p.load(l).ok()? & m;
        }
        Some(self.loads.len())
    }
}

#[derive(Clone, Debug)]
struct Rule {
    pred: Pred,
    guard: Bounds,
    has_cmp: bool,
    /// Where this rule's entries are filed, for removal.
    keys: Vec<(usize, Vec<u32>)>,
}

/// An error from building or changing a graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphError {
    /// The rule number is already taken, or would leave a gap.
    BadId { id: usize, len: usize },
    /// 2^31 - 1 rules or more.
    TooManyRules,
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::BadId { id, len } => write!(
                f,
                "rule number {id} is in use or beyond the end ({len} rule slots)"
            ),
            GraphError::TooManyRules => write!(f, "too many rules (at most 2^31 - 2)"),
        }
    }
}

impl std::error::Error for GraphError {}

/// What an insertion did to the graph's structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsertOutcome {
    /// Switch nodes created by this insertion (0: only table updates).
    pub new_shapes: usize,
}

/// The merged decision graph over all rules. See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    shapes: Vec<Shape>,
    shape_index: FxHashMap<Vec<(Load, u32)>, usize>,
    lists: Vec<Vec<Entry>>,
    free_lists: Vec<u32>,
    rules: Vec<Option<Rule>>,
    templates: FxHashMap<Vec<u32>, Arc<Template>>,
    template_hits: usize,
    /// Buffers of the signature every small rule's insertion computes, kept between
    /// insertions: allocating them anew cost ~15 allocations per rule.
    sig: SigBuffers,
    /// While [`Graph::from_rules`] builds a large graph: filings to make once every rule is in.
    deferred: Option<Box<Deferred>>,
}

/// [`template::SigScratch`] kept in a graph; a clone starts with empty buffers.
#[derive(Default)]
struct SigBuffers(SigScratch<'static>);

impl Clone for SigBuffers {
    fn clone(&self) -> Self {
        SigBuffers::default()
    }
}

impl fmt::Debug for SigBuffers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigBuffers")
    }
}

/// Graphs of fewer rules than this file each term as it comes: their tables stay in the cache.
const DEFER_MIN: usize = 4096;

/// Filings held back (see [`Graph::file_deferred`]), one record each in `recs`: its switch
/// node, its entry (`DIRECT | rule` for a simple one, else an index into `entries`), its key's
/// length, then the key.
#[derive(Clone, Debug, Default)]
struct Deferred {
    recs: Vec<u32>,
    entries: Vec<Entry>,
}

impl Deferred {
    /// Words before a record's key.
    const HEAD: usize = 3;

    fn push(&mut self, s: usize, key: &[u32], e: Entry) {
        let v = if e.simple() {
            DIRECT | e.rule
        } else {
            self.entries.push(e);
            (self.entries.len() - 1) as u32
        };
        self.recs
            .extend_from_slice(&[s as u32, v, key.len() as u32]);
        self.recs.extend_from_slice(key);
    }
}

impl Graph {
    /// Merges `rules` (numbered from 0 in priority order).
    pub fn new(rules: &[Pred]) -> Graph {
        Graph::from_rules(rules.to_vec())
    }

    /// Merges `rules`, taking ownership (no copy of the predicates).
    pub fn from_rules(rules: Vec<Pred>) -> Graph {
        let defer = rules.len() >= DEFER_MIN;
        Graph::build(rules, defer)
    }

    /// [`Graph::from_rules`] filing every term once all rules are in, whatever their number:
    /// the large-graph path, for tests and fuzzing on small rule sets.
    #[doc(hidden)]
    pub fn from_rules_filed_at_end(rules: Vec<Pred>) -> Graph {
        Graph::build(rules, true)
    }

    fn build(rules: Vec<Pred>, defer: bool) -> Graph {
        let mut g = Graph {
            deferred: defer.then(|| Box::new(Deferred::default())),
            ..Graph::default()
        };
        g.rules.reserve(rules.len());
        for (id, r) in rules.into_iter().enumerate() {
            g.insert_owned(id, r).expect("fewer than 2^31 rules");
        }
        g.file_deferred();
        g
    }

    /// Makes the filings [`Graph::from_rules`] held back, shape by shape in the order of their
    /// keys' home slots, into tables grown once to their final size: the tables are then
    /// written front to back instead of at random, which for tables larger than the cache
    /// (100,000 4-tuple rules: 5 MB) saves a cache miss per rule. The records are moved into
    /// that order first (a counting sort, stable: the entries behind one key keep the order
    /// they were filed in, as without deferring), so the filing pass reads them in sequence.
    fn file_deferred(&mut self) {
        let Some(mut d) = self.deferred.take() else {
            return;
        };
        let shapes = self.shapes.len();
        let mut per_shape = vec![0usize; shapes];
        let mut at = 0;
        while at < d.recs.len() {
            per_shape[d.recs[at] as usize] += 1;
            at += Deferred::HEAD + d.recs[at + 2] as usize;
        }
        // Bucket of a record: shape s's home slots start at `first[s]`.
        let mut first = vec![0usize; shapes + 1];
        for (s, &m) in per_shape.iter().enumerate() {
            self.shapes[s].table.reserve(m);
            first[s + 1] = first[s]
                + if m > 0 {
                    self.shapes[s].table.capacity()
                } else {
                    0
                };
        }
        let bucket = |rec: &[u32]| {
            let s = rec[0] as usize;
            first[s] + self.shapes[s].table.home(&rec[Deferred::HEAD..])
        };
        // Words per bucket, then where each bucket's records start.
        let mut next = vec![0u32; first[shapes] + 1];
        let mut at = 0;
        while at < d.recs.len() {
            let len = Deferred::HEAD + d.recs[at + 2] as usize;
            next[bucket(&d.recs[at..at + len]) + 1] += len as u32;
            at += len;
        }
        for b in 1..next.len() {
            next[b] += next[b - 1];
        }
        let mut sorted = vec![0u32; d.recs.len()];
        let mut at = 0;
        while at < d.recs.len() {
            let len = Deferred::HEAD + d.recs[at + 2] as usize;
            let rec = &d.recs[at..at + len];
            let b = bucket(rec);
            let to = next[b] as usize;
            sorted[to..to + len].copy_from_slice(rec);
            next[b] += len as u32;
            at += len;
        }
        drop(next);
        d.recs = Vec::new();
        let mut at = 0;
        while at < sorted.len() {
            let (s, v, n) = (sorted[at] as usize, sorted[at + 1], sorted[at + 2] as usize);
            let key = &sorted[at + Deferred::HEAD..at + Deferred::HEAD + n];
            let e = if v & DIRECT != 0 {
                Entry::direct(v & !DIRECT)
            } else {
                std::mem::replace(&mut d.entries[v as usize], Entry::direct(0))
            };
            self.file_now(s, key, e);
            at += Deferred::HEAD + n;
        }
    }

    /// Appends a rule with the lowest priority; returns its number.
    pub fn push(&mut self, p: &Pred) -> Result<usize, GraphError> {
        let id = self.rules.len();
        self.insert(id, p)?;
        Ok(id)
    }

    /// Number of rule slots (highest rule number + 1).
    pub fn rule_slots(&self) -> usize {
        self.rules.len()
    }

    /// Insertions that were filed from a recorded template (see [`template`]).
    pub fn template_hits(&self) -> usize {
        self.template_hits
    }

    pub fn shapes(&self) -> &[Shape] {
        &self.shapes
    }

    /// The rule with number `id`, if present.
    pub fn rule(&self, id: usize) -> Option<&Pred> {
        self.rules.get(id)?.as_ref().map(|r| &r.pred)
    }

    /// Inserts rule `id`, which must be free and at most one past the end.
    pub fn insert(&mut self, id: usize, p: &Pred) -> Result<InsertOutcome, GraphError> {
        self.insert_owned(id, p.clone())
    }

    /// [`Graph::insert`], taking ownership of the predicate.
    pub fn insert_owned(&mut self, id: usize, pred: Pred) -> Result<InsertOutcome, GraphError> {
        let p = &pred;
        // `DIRECT | rule` is then never `u32::MAX`, which the JIT's tables keep for "look
        // further" (see `jit::flat`).
        if id >= DIRECT as usize - 1 {
            return Err(GraphError::TooManyRules);
        }
        if id > self.rules.len() || self.rules.get(id).is_some_and(|r| r.is_some()) {
            return Err(GraphError::BadId {
                id,
                len: self.rules.len(),
            });
        }
        let mut guard = Bounds::default();
        let (has_cmp, size) = collect_loads(p, &mut guard);
        let small = size <= MAX_SPECIALISE_NODES;
        let before = self.shapes.len();
        // Templates pay off for the many small rules of one shape; large rules are rarely
        // repeated (and would make the signature as large as the rule).
        let mut s: SigScratch<'_> = std::mem::take(&mut self.sig.0);
        let signed = !has_cmp && small && template::signature_into(p, &mut s);
        let cached = signed
            .then(|| self.templates.get(&s.sig).cloned())
            .flatten();
        let sig = signed.then_some((&s.sig[..], &s.occ[..]));
        let keys = match cached {
            Some(t) => {
                self.template_hits += 1;
                self.file_from_template(id, p, &t, &s.occ, small)
            }
            // A large union of repeated operand forms (a host set) is filed operand by
            // operand; anything else, or a union over its term budget, is split whole.
            None if !small && !has_cmp => match self.file_union(id, p, size) {
                Some(keys) => keys,
                None => self.file_terms(id, p, small, size, sig),
            },
            None => self.file_terms(id, p, small, size, sig),
        };
        self.sig.0 = s.detach();
        let rule = Rule {
            pred,
            guard,
            has_cmp,
            keys,
        };
        if id == self.rules.len() {
            self.rules.push(Some(rule));
        } else {
            self.rules[id] = Some(rule);
        }
        Ok(InsertOutcome {
            new_shapes: self.shapes.len() - before,
        })
    }

    /// Files rule `id` by splitting it into terms; records a template when it has a signature.
    /// `size`: `p`'s number of nodes.
    fn file_terms(
        &mut self,
        id: usize,
        p: &Pred,
        small: bool,
        size: usize,
        sig: Option<(&[u32], &[Atom])>,
    ) -> Vec<(usize, Vec<u32>)> {
        let dnf_terms = dnf(p, limit_for_size(size));
        let opaque = dnf_terms.is_none();
        let terms = dnf_terms.unwrap_or_else(|| vec![Term::default()]);
        let mut keys = Vec::new();
        let mut recorded: Option<Vec<TemplateTerm>> = (!opaque && sig.is_some()).then(Vec::new);
        let mut last_shape: Option<usize> = None;
        // Reused across terms: one allocation per rule rather than per term.
        let mut key_lits: Vec<Atom> = Vec::with_capacity(MAX_KEY_WORDS);
        let mut f = Facts::default();
        keys.reserve(terms.len());
        for t in &terms {
            if !f.load_term(t) {
                continue;
            }
            let confirm = if opaque {
                Confirm::Exact(p.clone())
            } else if small {
                match specialise(p, &f) {
                    Pred::True => Confirm::Always,
                    r => Confirm::Exact(r),
                }
            } else {
                Confirm::Guarded
            };
            let resid = union::split_term(t, &mut key_lits);
            let key: Vec<u32> = key_lits.iter().map(|a| a.k).collect();
            // Consecutive terms of one rule usually share a shape (a host set's 10,000 terms):
            // skip hashing the load list then.
            let same = last_shape.is_some_and(|s: usize| {
                let l = &self.shapes[s].loads;
                l.len() == key_lits.len()
                    && l.iter()
                        .zip(&key_lits)
                        .all(|((ld, m), a)| *ld == a.load && *m == a.mask)
            });
            let s = match last_shape {
                Some(s) if same => s,
                _ => self.shape_for(key_lits.iter().map(|a| (a.load, a.mask)).collect()),
            };
            last_shape = Some(s);
            if let (Some(rec), Some((_, occ))) = (recorded.as_mut(), sig) {
                let key_refs: Option<Vec<usize>> = key_lits
                    .iter()
                    .map(|a| template::find_occurrence(occ, a).map(|r| r.occ))
                    .collect();
                let resid_refs: Option<Vec<LitRef>> = resid
                    .iter()
                    .map(|l| match l {
                        Lit::Atom(a) => template::find_occurrence(occ, a),
                        Lit::Cmp(..) => None,
                    })
                    .collect();
                match (key_refs, resid_refs) {
                    (Some(key), Some(resid)) => rec.push(TemplateTerm {
                        shape: s,
                        key,
                        resid,
                        always: matches!(confirm, Confirm::Always),
                    }),
                    _ => recorded = None,
                }
            }
            self.file(
                s,
                &key,
                Entry {
                    rule: id as u32,
                    resid,
                    confirm,
                },
            );
            keys.push((s, key));
        }
        if let (Some(terms), Some((sig, _))) = (recorded, sig) {
            if self.templates.len() >= MAX_TEMPLATES {
                self.templates.clear();
            }
            self.templates
                .insert(sig.to_vec(), Arc::new(Template { terms }));
        }
        keys
    }

    /// Files rule `id` by reading its constants off a template of the same signature.
    fn file_from_template(
        &mut self,
        id: usize,
        p: &Pred,
        t: &Template,
        occ: &[Atom],
        small: bool,
    ) -> Vec<(usize, Vec<u32>)> {
        let mut keys = Vec::with_capacity(t.terms.len());
        for tt in &t.terms {
            let key: Vec<u32> = tt.key.iter().map(|&i| occ[i].k).collect();
            let resid: Vec<Lit> = tt.resid.iter().map(|r| Lit::Atom(r.atom(occ))).collect();
            let confirm = if tt.always {
                Confirm::Always
            } else if small {
                let mut lits: Vec<Lit> = tt
                    .key
                    .iter()
                    .map(|&i| {
                        Lit::Atom(Atom {
                            rel: Rel::Eq,
                            ..occ[i]
                        })
                    })
                    .collect();
                lits.extend(resid.iter().cloned());
                match Facts::of_term(&Term { lits }).map(|f| specialise(p, &f)) {
                    Some(Pred::True) => Confirm::Always,
                    Some(r) => Confirm::Exact(r),
                    None => Confirm::Exact(p.clone()),
                }
            } else {
                Confirm::Guarded
            };
            self.file(
                tt.shape,
                &key,
                Entry {
                    rule: id as u32,
                    resid,
                    confirm,
                },
            );
            keys.push((tt.shape, key));
        }
        keys
    }

    /// Where rule `id`'s terms are filed: (switch node, key) pairs (empty if no such rule).
    pub fn rule_keys(&self, id: usize) -> &[(usize, Vec<u32>)] {
        match self.rules.get(id) {
            Some(Some(r)) => &r.keys,
            _ => &[],
        }
    }

    /// The switch nodes holding rule `id`'s terms (empty if there is no such rule).
    pub fn rule_shapes(&self, id: usize) -> Vec<usize> {
        let mut s: Vec<usize> = match self.rules.get(id) {
            Some(Some(r)) => r.keys.iter().map(|(s, _)| *s).collect(),
            _ => Vec::new(),
        };
        s.sort_unstable();
        s.dedup();
        s
    }

    /// Removes rule `id`; returns its predicate. Switch nodes stay (possibly empty), so removal
    /// never changes the graph's structure.
    pub fn remove(&mut self, id: usize) -> Option<Pred> {
        self.remove_keyed(id).map(|(p, _)| p)
    }

    /// [`Graph::remove`], also handing back where the rule was filed (its [`Graph::rule_keys`]
    /// before the removal), without copying them.
    pub fn remove_keyed(&mut self, id: usize) -> Option<(Pred, RuleKeys)> {
        let rule = self.rules.get_mut(id)?.take()?;
        for (s, key) in &rule.keys {
            let table = &mut self.shapes[*s].table;
            let v = table.get(key);
            if v == 0 {
                continue;
            }
            if v & DIRECT != 0 {
                table.remove(key);
                continue;
            }
            let li = (v - 1) as usize;
            let list = &mut self.lists[li];
            list.retain(|e| e.rule != id as u32);
            if list.is_empty() {
                self.free_lists.push(li as u32);
                table.remove(key);
            } else if list.len() == 1 && list[0].simple() {
                let r = list[0].rule;
                list.clear();
                self.free_lists.push(li as u32);
                table.set(key, DIRECT | r);
            }
        }
        while matches!(self.rules.last(), Some(None)) {
            self.rules.pop();
        }
        Some((rule.pred, rule.keys))
    }

    fn shape_for(&mut self, loads: Vec<(Load, u32)>) -> usize {
        if let Some(&s) = self.shape_index.get(&loads) {
            return s;
        }
        let mut bounds = Bounds::default();
        for (l, _) in &loads {
            bounds.add(l);
        }
        let s = self.shapes.len();
        self.shapes.push(Shape {
            table: KeyTable::new(loads.len()),
            loads: loads.clone(),
            bounds,
        });
        self.shape_index.insert(loads, s);
        s
    }

    fn new_list(&mut self, entries: Vec<Entry>) -> u32 {
        match self.free_lists.pop() {
            Some(i) => {
                self.lists[i as usize] = entries;
                i
            }
            None => {
                self.lists.push(entries);
                (self.lists.len() - 1) as u32
            }
        }
    }

    fn file(&mut self, s: usize, key: &[u32], e: Entry) {
        match &mut self.deferred {
            Some(d) => d.push(s, key, e),
            None => self.file_now(s, key, e),
        }
    }

    fn file_now(&mut self, s: usize, key: &[u32], e: Entry) {
        let (slot, v) = self.shapes[s].table.probe(key);
        let nv = if v == 0 {
            if e.simple() {
                DIRECT | e.rule
            } else {
                self.new_list(vec![e]) + 1
            }
        } else if v & DIRECT != 0 {
            let mut list = vec![Entry::direct(v & !DIRECT), e];
            list.sort_by_key(|e| e.rule);
            self.new_list(list) + 1
        } else {
            let list = &mut self.lists[(v - 1) as usize];
            let at = list.partition_point(|x| x.rule <= e.rule);
            list.insert(at, e);
            v
        };
        self.shapes[s].table.set_at(slot, key, nv);
    }

    /// The entries behind a non-direct table value.
    pub fn list(&self, v: u32) -> &[Entry] {
        &self.lists[(v - 1) as usize]
    }

    /// Is entry `e` a candidate for `p`, and does its rule then accept `p`?
    #[inline]
    pub fn entry_accepts(&self, e: &Entry, p: &Packet) -> bool {
        let candidate = e.resid.iter().all(|l| match l {
            Lit::Atom(a) => a.eval(p).unwrap_or(false),
            Lit::Cmp(x, r, y) => Pred::Cmp(x.clone(), *r, y.clone()).matches(p),
        });
        candidate
            && match &e.confirm {
                Confirm::Always => true,
                Confirm::Exact(r) => r.matches(p),
                Confirm::Guarded => {
                    let rule = self.rules[e.rule as usize]
                        .as_ref()
                        .expect("entries of removed rules are unfiled");
                    if !rule.has_cmp && rule.guard.holds(p) {
                        true
                    } else {
                        rule.pred.matches(p)
                    }
                }
            }
    }

    /// The first accepting rule behind table value `v` with a number below `best`.
    #[inline]
    pub fn resolve_first(&self, v: u32, p: &Packet, best: u32) -> u32 {
        if v & DIRECT != 0 {
            return best.min(v & !DIRECT);
        }
        for e in self.list(v) {
            if e.rule >= best {
                break;
            }
            if self.entry_accepts(e, p) {
                return e.rule;
            }
        }
        best
    }

    /// Appends every accepting rule behind table value `v` to `out` (unsorted, may repeat).
    #[inline]
    pub fn resolve_all(&self, v: u32, p: &Packet, out: &mut Vec<usize>) {
        if v & DIRECT != 0 {
            out.push((v & !DIRECT) as usize);
            return;
        }
        for e in self.list(v) {
            if self.entry_accepts(e, p) {
                out.push(e.rule as usize);
            }
        }
    }
}

/// Adds every atom load of `p` to `b`; returns whether `p` has a general comparison, and its
/// number of nodes (one walk, without recursion: rules can be very deep chains).
fn collect_loads(p: &Pred, b: &mut Bounds) -> (bool, usize) {
    let mut has_cmp = false;
    let mut size = 0;
    let mut stack = Vec::with_capacity(32);
    stack.push(p);
    while let Some(q) = stack.pop() {
        size += 1;
        match q {
            Pred::Atom(a) => b.add(&a.load),
            Pred::Cmp(..) => has_cmp = true,
            Pred::And(x, y) | Pred::Or(x, y) => {
                stack.push(x);
                stack.push(y);
            }
            Pred::Not(x) => stack.push(x),
            Pred::True | Pred::False => {}
        }
    }
    (has_cmp, size)
}

impl Demux for Graph {
    fn first_match(&self, p: &Packet) -> Option<usize> {
        let mut best = u32::MAX;
        let mut buf = [0u32; MAX_KEY_WORDS];
        for s in &self.shapes {
            let Some(n) = s.key(p, &mut buf) else {
                continue;
            };
            let v = s.table.get(&buf[..n]);
            if v != 0 {
                best = self.resolve_first(v, p, best);
            }
        }
        (best != u32::MAX).then_some(best as usize)
    }

    fn all_matches(&self, p: &Packet, out: &mut Vec<usize>) {
        out.clear();
        let mut buf = [0u32; MAX_KEY_WORDS];
        for s in &self.shapes {
            let Some(n) = s.key(p, &mut buf) else {
                continue;
            };
            let v = s.table.get(&buf[..n]);
            if v != 0 {
                self.resolve_all(v, p, out);
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{self, Rng};

    #[test]
    fn flow_rules_after_the_first_are_filed_from_a_template() {
        let mut rng = Rng::new(3);
        let flows = gen::flows(50, &mut rng);
        let rules: Vec<Pred> = flows.iter().map(gen::flow_pred).collect();
        let g = Graph::new(&rules);
        assert_eq!(g.template_hits(), 49);
        assert_eq!(g.shapes().len(), 1);
        assert_eq!(g.shapes()[0].table.len(), 50);
    }

    /// Every switch node's table as (key, the rules and residues behind it), sorted by key.
    fn tables(g: &Graph) -> Vec<Vec<(Vec<u32>, String)>> {
        g.shapes()
            .iter()
            .map(|s| {
                let mut rows: Vec<(Vec<u32>, String)> = s
                    .table
                    .iter()
                    .map(|(k, v)| {
                        let behind = if v & DIRECT != 0 {
                            format!("direct {}", v & !DIRECT)
                        } else {
                            format!("{:?}", g.list(v))
                        };
                        (k.to_vec(), behind)
                    })
                    .collect();
                rows.sort();
                rows
            })
            .collect()
    }

    #[test]
    fn a_large_graph_built_at_once_equals_one_built_rule_by_rule() {
        // Above `DEFER_MIN`, `from_rules` files in table order at the end: the same tables,
        // lists (in rule order, duplicates included), rule keys and verdicts as inserting
        // each rule as it comes.
        let mut rng = Rng::new(11);
        let flows = gen::flows(DEFER_MIN + 500, &mut rng);
        let mut rules: Vec<Pred> = flows.iter().map(gen::flow_pred).collect();
        // Rules on keys already taken (a direct value becomes a list), and rules whose
        // entries carry a residue or a confirmation (not simple).
        rules.extend(flows[..300].iter().map(gen::flow_pred));
        rules.extend(
            flows[100..400]
                .iter()
                .map(|f| Pred::and(gen::flow_pred(f), Pred::atom(60, 1, 0x12, Rel::Eq, 0x12))),
        );
        rules.extend(
            flows[200..300]
                .iter()
                .map(|f| Pred::or(gen::flow_pred(f), gen::port_pred(f.dport, true))),
        );
        let at_once = Graph::from_rules(rules.clone());
        let mut one_by_one = Graph::default();
        for r in &rules {
            one_by_one.push(r).unwrap();
        }
        assert!(at_once.deferred.is_none());
        // The cases above are there: lists of several entries, entries that are not simple.
        assert!(at_once.lists.iter().any(|l| l.len() > 1));
        assert!(at_once.lists.iter().flatten().any(|e| !e.simple()));
        assert_eq!(at_once.shapes().len(), one_by_one.shapes().len());
        assert_eq!(tables(&at_once), tables(&one_by_one));
        for id in 0..rules.len() {
            assert_eq!(at_once.rule_keys(id), one_by_one.rule_keys(id), "rule {id}");
        }
        let packets = gen::packets(&flows, 3_000, &mut rng);
        for data in &packets {
            let p = Packet::new(data, data.len() as u32);
            assert_eq!(at_once.first_match(&p), one_by_one.first_match(&p));
            let (mut a, mut b) = (Vec::new(), Vec::new());
            at_once.all_matches(&p, &mut a);
            one_by_one.all_matches(&p, &mut b);
            assert_eq!(a, b);
        }
    }
}
