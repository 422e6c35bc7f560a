//! What libpcap's optimiser changes about verdicts, reproduced on the IR.
//!
//! tcpdump compiles filters with libpcap's optimiser on, and a load past the captured bytes
//! rejects a packet only if the load is still in the optimised program. So we rebuild the
//! program's control-flow graph the way libpcap's code generator lays it out (one block per
//! test, `and`/`or` by backpatching), run the parts of libpcap's `opt_loop` that move or delete
//! tests, and turn the result back into a predicate that performs exactly the surviving tests:
//!
//! - **Passes as libpcap runs them** (`opt_loop`, `opt_blks`): each pass computes levels,
//!   dominators and edge dominators once, then moves branches against them while it changes
//!   the graph, so later moves in a pass can rest on facts that no longer hold. libpcap's
//!   programs carry the consequences (wrong verdicts included), and so do ours; block numbers,
//!   level lists and in-edge lists are kept in libpcap's order because the outcome depends on it.
//! - **Jump threading** (`opt_j`/`fold_edge`): an edge into a block whose test is decided by the
//!   edges that dominate it (the same test on the same value, or `x == k1` held so `x == k2`
//!   fails) skips that block.
//! - **Common branch targets**: an edge into a block whose two branches go to the same place
//!   skips the block, load and all (`tcp[1000] = 0 or ip` never reads `tcp[1000]`).
//! - **Pull-ups** (`or_pullup`/`and_pullup`): along an `or` chain (an `and` chain), a later test
//!   of the value the chain's predecessor tested is moved up, so `src == a or dst == a or
//!   src == b` reads both sources before the destination.
//! - **The root block**: its test may be removed but its load stays, moving to the first test that
//!   remains, after `intern_blocks` has merged identical blocks (so more leading blocks can have
//!   branches that meet); a program that reduces to "reject" is refused ("expression rejects
//!   all packets").
//! - The peephole pass turns `and #m; jeq #0` into `jset #m` on the unmasked value, which decides
//!   which tests count as "the same value". A general comparison (`len == arp[0]`) tests its
//!   left operand's value against a constant or X, as `gen_relation` computes it, so from the
//!   second pass it can be pulled up beside `less 0`; an `==` tests `a - b` in the first pass.
//!
//! Filters too large for this analysis (more than a few thousand tests) are kept as written;
//! only verdicts on truncated packets that depend on a deleted load could then differ.

use crate::ir::{Atom, Load, Pred, Rel, Val};
use std::collections::HashMap;

/// Targets: 0 = reject, 1 = accept, n >= 2 = block n - 2.
const REJECT: u32 = 0;
const ACCEPT: u32 = 1;
const MAX_BLOCKS: usize = 1500;
/// Passes of the branch optimiser at most (libpcap has no bound beyond its loop detection).
const MAX_PASSES: usize = 2000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Test {
    Atom(Atom),
    Cmp(Val, Rel, Val),
    /// gencode's `gen_true`/`gen_false` (`ld #k; jeq #0`), decided in the first pass.
    Const(bool),
}

/// libpcap's `gen_true()` / `gen_false()`: a block of its own (`ld #0; jeq #0` or `ld #1;
/// jeq #0`) where gencode knows the answer, such as `ip` on raw IPv4 captures. It is written
/// `not false` / `not true`, which evaluates to the constant but is left alone by
/// [`simplify_and`] and [`simplify_or`], so the optimiser model still sees the block: where it
/// is the program's first block, the first test's load is not the one that survives
/// (`ip[31] = 0 and ip6 proto 0 or greater 0` accepts a 31-byte raw-IPv4 packet).
pub fn gencode_const(value: bool) -> Pred {
    Pred::not(if value { Pred::False } else { Pred::True })
}

/// The value of a [`gencode_const`] block.
fn as_gencode_const(p: &Pred) -> Option<bool> {
    match p {
        Pred::Not(inner) => match **inner {
            Pred::False => Some(true),
            Pred::True => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Op {
    Jeq,
    Jgt,
    Jge,
    Jset,
    /// `jeq x`, `jgt x`, `jge x`: a comparison with a computed value, whose value number is
    /// the instruction's constant in [`machine_test`].
    JeqX,
    JgtX,
    JgeX,
}

/// What libpcap's value numbering tells apart in a general comparison (`gen_relation`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum ValKey {
    /// The accumulator: the left operand's value.
    Lhs(Val),
    /// The X register: the right operand's value.
    Rhs(Val),
    /// `a - b`, which an `==` comparison tests in the first pass (the peephole that makes it
    /// `jeq x` on `a` runs after the pass has numbered the block).
    Pair(Val, Val),
    /// A comparison of two constants (test index): a value of its own.
    Constants(usize),
}

/// The value a test examines (the accumulator's value number): a load and a mask, or a value
/// number of [`ValKey`].
type Value = (Load, u32, usize);

/// A test's machine instruction: its value, instruction, constant, and whether the IR test is
/// the instruction's true sense.
type Machine = (Value, Op, u32, bool);

/// The value of a load with no mask: what an atom on it and a comparison of it share.
fn plain(l: Load) -> Value {
    (l, u32::MAX, usize::MAX)
}

fn numbered(n: usize) -> Value {
    let l = Load {
        base: crate::ir::Base::Abs,
        off: 0,
        size: 0,
    };
    (l, 0, n)
}

/// The machine test behind a test: its value, instruction, constant, and whether the IR test is
/// the instruction's true sense. libpcap's peephole pass turns `and #m; jeq #0` into `jset #m`
/// on the unmasked load.
/// The jump instruction for a relation, and whether the relation is its true sense.
fn jump(rel: Rel) -> (Op, bool) {
    match rel {
        Rel::Eq => (Op::Jeq, true),
        Rel::Ne => (Op::Jeq, false),
        Rel::Gt => (Op::Jgt, true),
        Rel::Le => (Op::Jgt, false),
        Rel::Ge => (Op::Jge, true),
        Rel::Lt => (Op::Jge, false),
    }
}

fn machine_test(t: &Test) -> Machine {
    match t {
        Test::Atom(a) => {
            if a.mask != u32::MAX && a.k == 0 && matches!(a.rel, Rel::Eq | Rel::Ne) {
                return (plain(a.load), Op::Jset, a.mask, a.rel == Rel::Ne);
            }
            let (op, positive) = jump(a.rel);
            ((a.load, a.mask, usize::MAX), op, a.k, positive)
        }
        // `ld #k`: a value of its own per constant.
        Test::Const(v) => (numbered(usize::MAX - 1 - *v as usize), Op::Jeq, 0, true),
        Test::Cmp(..) => unreachable!("comparisons are numbered by Cfg::cmp_machine"),
    }
}

#[derive(Clone, Copy, Debug)]
struct Block {
    test: usize,
    /// Where the block goes when the *machine* test is true / false.
    jt: u32,
    jf: u32,
}

struct Cfg {
    tests: Vec<Test>,
    /// Value numbers of general comparisons: `v rel k` is a test of v's value (computed through
    /// the X register, so never the value a primitive's test reads), other comparisons of their
    /// pair of values; comparisons of constants (folded only in libpcap's last pass) each get
    /// their own.
    cmp_values: HashMap<ValKey, usize>,
    /// Per test: (value, op, constant) of its machine test, and its IR sense; in the first
    /// pass and after it (an `==` comparison's value changes with the peephole).
    machine: Vec<Machine>,
    machine_first: Vec<Machine>,
    /// The branch-movement pass running (1 = the first).
    pass_number: usize,
    blocks: Vec<Block>,
    root: u32,
}

/// libpcap's block numbers (`number_blks_r`: depth first from the root, true branch first, on
/// the graph as generated); they order the edge-dominator scan in `opt_j`.
struct Ids {
    id: Vec<usize>,
    node: Vec<u32>,
    count: usize,
}

impl Ids {
    fn new(cfg: &Cfg) -> Ids {
        let n = cfg.blocks.len() + 2;
        let mut id = vec![usize::MAX; n];
        let mut node = Vec::new();
        let mut stack = vec![cfg.root];
        while let Some(b) = stack.pop() {
            if id[b as usize] != usize::MAX {
                continue;
            }
            id[b as usize] = node.len();
            node.push(b);
            if b >= 2 {
                stack.push(cfg.blk(b).jf);
                stack.push(cfg.blk(b).jt);
            }
        }
        let count = node.len();
        Ids { id, node, count }
    }

    fn of(&self, b: u32) -> usize {
        self.id[b as usize]
    }

    fn get(&self, b: u32) -> Option<usize> {
        let i = self.id[b as usize];
        (i != usize::MAX).then_some(i)
    }
}

/// find_levels' result: per level, its blocks in libpcap's list order.
struct Levels {
    root_level: u32,
    lists: Vec<Vec<u32>>,
}

impl Cfg {
    fn intern(&mut self, k: ValKey) -> usize {
        let n = self.cmp_values.len();
        *self.cmp_values.entry(k).or_insert(n)
    }

    /// A general comparison's machine test, after the first pass and in it. As libpcap's
    /// `gen_relation` computes it, the accumulator holds the left operand (so `len == arp[0]`
    /// tests the value `less 0` tests, and a pull-up can move it), and the instruction compares
    /// with a constant or with X; an `==` tests `a - b` until the peephole rewrites it.
    fn cmp_machine(&mut self, idx: usize, lhs: &Val, rel: Rel, rhs: &Val) -> (Machine, Machine) {
        let (op, positive) = jump(rel);
        if let (Val::K(_), Val::K(k)) = (lhs, rhs) {
            let m = (
                numbered(self.intern(ValKey::Constants(idx))),
                op,
                *k,
                positive,
            );
            return (m, m);
        }
        // Not an atom's value even for a constant index: gencode loads `ip[9]` in arithmetic
        // as `ld [x + 14]` with X = 9, a value of its own until the last pass (which moves no
        // branch), so `not ip[9] != tcp[32]` is not pulled above the fragment test.
        let value = numbered(self.intern(ValKey::Lhs(lhs.clone())));
        let (op, k) = match rhs {
            Val::K(k) => (op, *k),
            v => {
                let x = self.intern(ValKey::Rhs(v.clone())) as u32;
                let op = match op {
                    Op::Jeq => Op::JeqX,
                    Op::Jgt => Op::JgtX,
                    _ => Op::JgeX,
                };
                (op, x)
            }
        };
        let later = (value, op, k, positive);
        let first = if matches!(rel, Rel::Eq | Rel::Ne) {
            let pair = ValKey::Pair(lhs.clone(), rhs.clone());
            (numbered(self.intern(pair)), op, k, positive)
        } else {
            later
        };
        (later, first)
    }

    fn new_block(&mut self, t: Test, on_true: u32, on_false: u32) -> u32 {
        let idx = self.tests.len();
        let (m, m1) = match &t {
            Test::Cmp(a, rel, b) => self.cmp_machine(idx, a, *rel, b),
            t => (machine_test(t), machine_test(t)),
        };
        self.machine_first.push(m1);
        self.tests.push(t);
        self.machine.push(m);
        // The block's branches follow the machine instruction's sense.
        let (jt, jf) = if m.3 {
            (on_true, on_false)
        } else {
            (on_false, on_true)
        };
        self.blocks.push(Block { test: idx, jt, jf });
        self.blocks.len() as u32 + 1
    }

    /// libpcap's layout: the entry of `p` given where its true and false exits go.
    fn build(&mut self, p: &Pred, t: u32, f: u32) -> Option<u32> {
        if self.blocks.len() > MAX_BLOCKS {
            return None;
        }
        Some(match p {
            Pred::True => t,
            Pred::False => f,
            // Folded by the first pass's peephole, before any branch moves: both exits go
            // where the constant leads.
            p @ Pred::Not(_) if as_gencode_const(p).is_some() => {
                let v = as_gencode_const(p) == Some(true);
                let to = if v { t } else { f };
                self.new_block(Test::Const(v), to, to)
            }
            Pred::Atom(a) => self.new_block(Test::Atom(*a), t, f),
            Pred::Cmp(a, r, b) => self.new_block(Test::Cmp(a.clone(), *r, b.clone()), t, f),
            Pred::And(a, b) => {
                let eb = self.build(b, t, f)?;
                self.build(a, eb, f)?
            }
            Pred::Or(a, b) => {
                let eb = self.build(b, t, f)?;
                self.build(a, t, eb)?
            }
            Pred::Not(a) => self.build(a, f, t)?,
        })
    }

    fn blk(&self, id: u32) -> &Block {
        &self.blocks[id as usize - 2]
    }

    /// Does the fact "block `p` took its `side` branch" decide block `c`'s test?
    /// Returns where `c` then goes.
    fn fold(&self, c: u32, p: u32, side_true: bool) -> Option<u32> {
        let cb = self.blk(c);
        let pb = self.blk(p);
        let (cv, cop, ck, _) = self.mach(cb.test);
        let (pv, pop, pk, _) = self.mach(pb.test);
        if cop != pop || cv != pv {
            return None;
        }
        if ck == pk {
            return Some(if side_true { cb.jt } else { cb.jf });
        }
        if side_true && cop == Op::Jeq {
            return Some(cb.jf);
        }
        None
    }

    /// One pass of libpcap's `opt_loop(.., 0)` branch movement (`opt_blks` without statement
    /// work), as libpcap 1.10 does it, stale sets included: levels, dominators and edge
    /// dominators are computed once at the start; `opt_j` then runs on every edge, bottom level
    /// first, against those edge dominators; the in-edge lists are taken once after that, and
    /// every block gets `or_pullup` and `and_pullup` in the same level order against the
    /// pass's dominators and in-edges, however the graph has changed since. (The staleness is
    /// visible: libpcap 1.10 compiles `tcp port 80 and tcp port 443 or tcp port 53 or tcp port
    /// 80` to a program that rejects a TCP packet from port 80 to port 16433.)
    ///
    /// Returns whether anything moved, and whether a bypass of a block whose branches meet
    /// was among it (libpcap's "non-branch movement", which resets its loop detection).
    fn pass(&mut self, ids: &Ids) -> (bool, bool) {
        let lv = self.levels();
        let dom = self.find_dom(ids, &lv);
        let edom = self.find_edom(ids, &lv);
        let (mut changed, mut bypassed) = (false, false);
        for level in lv.lists.iter().skip(1) {
            for &b in level {
                for side in [true, false] {
                    let (c, by) = self.opt_j(ids, &edom, b, side);
                    changed |= c;
                    bypassed |= by;
                }
            }
        }
        // find_inedges: each list in libpcap's order (the edge linked last comes first).
        let mut ins: Vec<Vec<(u32, bool)>> = vec![Vec::new(); self.blocks.len() + 2];
        for level in lv.lists.iter().skip(1).rev() {
            for &b in level {
                let bl = *self.blk(b);
                ins[bl.jt as usize].push((b, true));
                ins[bl.jf as usize].push((b, false));
            }
        }
        for l in &mut ins {
            l.reverse();
        }
        for level in lv.lists.iter().skip(1) {
            for &b in level {
                for or_side in [true, false] {
                    changed |= self.pullup(ids, &dom, &ins[b as usize], b, or_side);
                }
            }
        }
        (changed, bypassed)
    }

    /// libpcap's `intern_blocks`: blocks with the same test and the same successors become one,
    /// children first. Verdicts do not change, but a block whose two successors were copies of
    /// each other now has its branches meet, which `opt_root` can skip: `0 = ip[len] or net
    /// 192.168.0.0/16 and net 192.168.0.0/16` on raw IPv4 never reads `ip[len]`.
    fn intern_blocks(&mut self) {
        let mut order = Vec::new();
        let mut seen = vec![false; self.blocks.len() + 2];
        let mut stack = vec![(self.root, false)];
        while let Some((b, done)) = stack.pop() {
            if done {
                order.push(b);
                continue;
            }
            if b < 2 || seen[b as usize] {
                continue;
            }
            seen[b as usize] = true;
            stack.push((b, true));
            stack.push((self.blk(b).jf, false));
            stack.push((self.blk(b).jt, false));
        }
        // `order` lists children before parents.
        let mut canon: Vec<u32> = (0..self.blocks.len() as u32 + 2).collect();
        let mut first: HashMap<(Test, u32, u32), u32> = HashMap::new();
        for b in order {
            let bl = *self.blk(b);
            let (jt, jf) = (canon[bl.jt as usize], canon[bl.jf as usize]);
            let blm = &mut self.blocks[b as usize - 2];
            blm.jt = jt;
            blm.jf = jf;
            let key = (self.tests[bl.test].clone(), jt, jf);
            canon[b as usize] = *first.entry(key).or_insert(b);
        }
        self.root = canon[self.root as usize];
    }

    /// Test `t`'s machine instruction as the running pass numbers it.
    fn mach(&self, t: usize) -> Machine {
        if self.pass_number == 1 {
            self.machine_first[t]
        } else {
            self.machine[t]
        }
    }

    fn succ(&self, b: u32, side: bool) -> u32 {
        if side {
            self.blk(b).jt
        } else {
            self.blk(b).jf
        }
    }

    /// find_levels: level 0 for the two returns, else one above the higher successor; each
    /// level's list in libpcap's order (the block finished last first).
    fn levels(&self) -> Levels {
        let n = self.blocks.len() + 2;
        let mut level = vec![u32::MAX; n];
        let mut lists: Vec<Vec<u32>> = Vec::new();
        let mut stack = vec![(self.root, false)];
        let mut seen = vec![false; n];
        while let Some((b, done)) = stack.pop() {
            if done {
                let l = if b < 2 {
                    0
                } else {
                    let bl = self.blk(b);
                    level[bl.jt as usize].max(level[bl.jf as usize]) + 1
                };
                level[b as usize] = l;
                if lists.len() <= l as usize {
                    lists.resize(l as usize + 1, Vec::new());
                }
                lists[l as usize].push(b);
                continue;
            }
            if seen[b as usize] {
                continue;
            }
            seen[b as usize] = true;
            stack.push((b, true));
            if b >= 2 {
                let bl = self.blk(b);
                stack.push((bl.jf, false));
                stack.push((bl.jt, false));
            }
        }
        for l in &mut lists {
            l.reverse();
        }
        Levels {
            root_level: level[self.root as usize],
            lists,
        }
    }

    /// find_dom over the given (possibly stale) levels and the current edges.
    fn find_dom(&self, ids: &Ids, lv: &Levels) -> Vec<Vec<u64>> {
        let words = ids.count.div_ceil(64);
        let mut dom = vec![vec![u64::MAX; words]; ids.count];
        dom[ids.of(self.root)] = vec![0; words];
        for level in lv.lists[..=lv.root_level as usize].iter().rev() {
            for &b in level {
                let i = ids.of(b);
                dom[i][i / 64] |= 1 << (i % 64);
                if b < 2 {
                    continue;
                }
                let d = dom[i].clone();
                for s in [self.blk(b).jt, self.blk(b).jf] {
                    if let Some(j) = ids.get(s) {
                        dom[j].iter_mut().zip(&d).for_each(|(x, y)| *x &= y);
                    }
                }
            }
        }
        dom
    }

    /// find_edom: per edge id (true edge of block i: i; false edge: count + i).
    fn find_edom(&self, ids: &Ids, lv: &Levels) -> Vec<Vec<u64>> {
        let words = (2 * ids.count).div_ceil(64);
        let mut edom = vec![vec![u64::MAX; words]; 2 * ids.count];
        let r = ids.of(self.root);
        edom[r] = vec![0; words];
        edom[ids.count + r] = vec![0; words];
        for level in lv.lists[..=lv.root_level as usize].iter().rev() {
            for &b in level {
                let i = ids.of(b);
                for side in [true, false] {
                    let e = if side { i } else { ids.count + i };
                    edom[e][e / 64] |= 1 << (e % 64);
                    if b < 2 {
                        continue;
                    }
                    if let Some(j) = ids.get(self.succ(b, side)) {
                        let d = edom[e].clone();
                        for f in [j, ids.count + j] {
                            edom[f].iter_mut().zip(&d).for_each(|(x, y)| *x &= y);
                        }
                    }
                }
            }
        }
        edom
    }

    /// opt_j on block `b`'s `side` edge: (moved, bypassed a block whose branches meet).
    fn opt_j(&mut self, ids: &Ids, edom: &[Vec<u64>], b: u32, side: bool) -> (bool, bool) {
        let mut succ = self.succ(b, side);
        if succ < 2 {
            return (false, false);
        }
        let mut changed = false;
        let bypassed = self.blk(succ).jt == self.blk(succ).jf;
        if bypassed {
            succ = self.blk(succ).jt;
            changed = true;
        }
        let e = if side {
            ids.of(b)
        } else {
            ids.count + ids.of(b)
        };
        'top: while succ >= 2 {
            for (w, &word) in edom[e].iter().enumerate() {
                let mut x = word;
                while x != 0 {
                    let k = w * 64 + x.trailing_zeros() as usize;
                    x &= x - 1;
                    let (p, pside) = if k < ids.count {
                        (ids.node[k], true)
                    } else {
                        (ids.node[k - ids.count], false)
                    };
                    if p < 2 {
                        continue;
                    }
                    if let Some(t) = self.fold(succ, p, pside) {
                        succ = t;
                        changed = true;
                        continue 'top;
                    }
                }
            }
            break;
        }
        if changed {
            self.set_link((b, side), succ);
        }
        (changed, bypassed)
    }

    /// libpcap's or_pullup (`or_side`) or and_pullup on block `b`, with the in-edge list taken
    /// before this pass's pull-ups.
    fn pullup(
        &mut self,
        ids: &Ids,
        dom: &[Vec<u64>],
        ins: &[(u32, bool)],
        b: u32,
        or_side: bool,
    ) -> bool {
        let Some(&(first, _)) = ins.first() else {
            return false;
        };
        let value = |s: &Self, x: u32| s.mach(s.blk(x).test).0;
        let val = value(self, first);
        if ins.iter().any(|&(p, _)| value(self, p) != val) {
            return false;
        }
        // `same`: the exit every block of the chain shares with b (jt for `or`); `next`: the
        // one the chain continues along.
        let same = |s: &Self, x: u32| if or_side { s.blk(x).jt } else { s.blk(x).jf };
        let dominated = |x: u32| {
            let (i, j) = (ids.of(x), ids.of(b));
            dom[i][j / 64] >> (j % 64) & 1 == 1
        };
        // diffp: a link (owner, side), read afresh each time.
        let mut diffp = (first, self.blk(first).jt == b);
        let mut at_top = true;
        loop {
            let d = self.succ(diffp.0, diffp.1);
            if d < 2 || same(self, d) != same(self, b) || !dominated(d) {
                return false;
            }
            if value(self, d) != val {
                break;
            }
            diffp = (d, !or_side);
            at_top = false;
        }
        let diff = self.succ(diffp.0, diffp.1);
        let mut samep = (diff, !or_side);
        loop {
            let s = self.succ(samep.0, samep.1);
            if s < 2 || same(self, s) != same(self, b) || !dominated(s) {
                return false;
            }
            if value(self, s) == val {
                break;
            }
            samep = (s, !or_side);
        }
        let pull = self.succ(samep.0, samep.1);
        let after = self.succ(pull, !or_side);
        self.set_link(samep, after);
        self.set_link((pull, !or_side), diff);
        if at_top {
            for &(p, _) in ins {
                let side = self.blk(p).jt == b;
                self.set_link((p, side), pull);
            }
        } else {
            self.set_link(diffp, pull);
        }
        true
    }

    fn set_link(&mut self, (owner, side): (u32, bool), to: u32) {
        let bl = &mut self.blocks[owner as usize - 2];
        if side {
            bl.jt = to;
        } else {
            bl.jf = to;
        }
    }

    fn test_pred(&self, t: usize) -> Pred {
        match &self.tests[t] {
            Test::Atom(a) => Pred::Atom(*a),
            Test::Cmp(a, r, b) => Pred::Cmp(a.clone(), *r, b.clone()),
            Test::Const(true) => Pred::True,
            Test::Const(false) => Pred::False,
        }
    }

    /// The machine test of block `b` as a predicate (true when the block branches to jt).
    fn machine_pred(&self, b: u32) -> Pred {
        let t = self.blk(b).test;
        let p = self.test_pred(t);
        if self.machine[t].3 {
            p
        } else {
            negated(p)
        }
    }

    /// A predicate performing exactly the graph's tests; `None` past `limit` nodes.
    fn to_pred(&self, id: u32, limit: &mut usize) -> Option<Pred> {
        if id == ACCEPT {
            return Some(Pred::True);
        }
        if id == REJECT {
            return Some(Pred::False);
        }
        *limit = limit.checked_sub(1)?;
        let b = *self.blk(id);
        // Collapse an `or` chain (same true target) or an `and` chain (same false target) into
        // one condition, so the shared target is written once.
        let mut cond = self.machine_pred(id);
        let (mut hi, mut lo) = (b.jt, b.jf);
        loop {
            if lo >= 2 && self.blk(lo).jt == hi && lo != hi {
                cond = Pred::or(cond, self.machine_pred(lo));
                lo = self.blk(lo).jf;
            } else if hi >= 2 && self.blk(hi).jf == lo && lo != hi {
                cond = Pred::and(cond, self.machine_pred(hi));
                hi = self.blk(hi).jt;
            } else {
                break;
            }
        }
        Some(match (hi, lo) {
            (ACCEPT, REJECT) => cond,
            (REJECT, ACCEPT) => negated(cond),
            (ACCEPT, _) => Pred::or(cond, self.to_pred(lo, limit)?),
            (_, REJECT) => Pred::and(cond, self.to_pred(hi, limit)?),
            (REJECT, _) => Pred::and(negated(cond), self.to_pred(lo, limit)?),
            (_, ACCEPT) => Pred::or(negated(cond), self.to_pred(hi, limit)?),
            _ if hi == lo => {
                // Both branches meet: the test only costs its load.
                Pred::and(
                    Pred::or(cond.clone(), negated(cond)),
                    self.to_pred(hi, limit)?,
                )
            }
            _ => {
                // if cond then hi else lo; cond is evaluated again on the else path, which
                // reads the same bytes and so cannot change the verdict.
                let then = Pred::and(cond.clone(), self.to_pred(hi, limit)?);
                let other = Pred::and(negated(cond), self.to_pred(lo, limit)?);
                Pred::or(then, other)
            }
        })
    }
}

/// `a and b` with the constant folding that keeps BPF's verdicts.
///
/// `x and false` is kept: x still runs, and a load of x past the captured bytes rejects the
/// packet even where an `or` would go on (`x and false or less 44`). libpcap's optimiser does
/// drop x's tests (their branches meet, so they are bypassed), except where x holds the
/// program's first block, whose load stays; [`optimize`] models both.
pub fn simplify_and(a: Pred, b: Pred) -> Pred {
    match (&a, &b) {
        (Pred::True, _) => b,
        (_, Pred::True) => a,
        // `false and y` never evaluates y.
        (Pred::False, _) => Pred::False,
        _ => Pred::and(a, b),
    }
}

/// `a or b` with constant folding; `x or true` is kept for the reason `x and false` is (see
/// [`simplify_and`]).
pub fn simplify_or(a: Pred, b: Pred) -> Pred {
    match (&a, &b) {
        (Pred::False, _) => b,
        (_, Pred::False) => a,
        (Pred::True, _) => Pred::True,
        _ => Pred::or(a, b),
    }
}

/// Folds every constant away, tests and all (`x and false` becomes `false`): what libpcap's
/// optimiser leaves of a filter too large for the model, apart from the first block's load.
fn fold_constants(p: Pred) -> Pred {
    if !p.has_inner_constant() {
        return p;
    }
    let and = |a: Pred, b: Pred| match (&a, &b) {
        (Pred::False, _) | (_, Pred::False) => Pred::False,
        (Pred::True, _) => b,
        (_, Pred::True) => a,
        _ => Pred::and(a, b),
    };
    let or = |a: Pred, b: Pred| match (&a, &b) {
        (Pred::True, _) | (_, Pred::True) => Pred::True,
        (Pred::False, _) => b,
        (_, Pred::False) => a,
        _ => Pred::or(a, b),
    };
    p.rebuild(and, or, negated)
}

/// The result of optimising one rule.
pub enum Optimized {
    /// The predicate libpcap's optimised program evaluates.
    Pred(Pred),
    /// No packet can be accepted (libpcap: "expression rejects all packets").
    RejectsAll,
    /// libpcap's optimiser refuses the filter ("division by zero", ...).
    Error(&'static str),
}

/// Applies the optimiser's verdict-visible effects to one rule.
/// `not p`, without a `not` where that is exact: a negated test is the opposite relation
/// (`pkt[12:2] != 0x800`), a negated negation is the test itself. A load past the captured
/// bytes rejects the packet whichever way the test is written, so the verdict is the same.
fn negated(p: Pred) -> Pred {
    match &p {
        Pred::True => Pred::False,
        Pred::False => Pred::True,
        Pred::Atom(a) => Pred::Atom(Atom {
            rel: a.rel.negate(),
            ..*a
        }),
        Pred::Cmp(a, r, b) => Pred::Cmp(a.clone(), r.negate(), b.clone()),
        Pred::Not(_) => {
            let mut p = p;
            match &mut p {
                Pred::Not(inner) => std::mem::replace(&mut **inner, Pred::True),
                _ => unreachable!("matched a negation above"),
            }
        }
        _ => Pred::not(p),
    }
}

/// What libpcap's optimiser refuses when its last pass rewrites a comparison's statements: a
/// divisor it proves zero (`x / (1 / 2)`), a shift by a known amount over 31 of a value it does
/// not know (`len << (0 | 32)`; with both known it folds to 0). gencode's own checks (a literal
/// 0 divisor, a literal shift over 31) are made while lowering. A comparison the branch passes
/// removed is never rewritten, so `not (icmp[0] / (1 / 2)) = ip6[0]` (`ip` and `ip6` at once)
/// compiles.
fn optimiser_error(t: &Test) -> Option<&'static str> {
    let Test::Cmp(a, _, b) = t else {
        return None;
    };
    val_error(a).or_else(|| val_error(b))
}

fn val_error(v: &Val) -> Option<&'static str> {
    use crate::ir::ArithOp::*;
    match v {
        Val::Bin(op, x, y) => {
            match (op, &**x, &**y) {
                (Div, _, Val::K(0)) => return Some("division by zero"),
                (Mod, _, Val::K(0)) => return Some("modulus by zero"),
                (Shl | Shr, x, Val::K(k)) if *k > 31 && !matches!(x, Val::K(_)) => {
                    return Some("shift by more than 31 bits")
                }
                _ => {}
            }
            val_error(x).or_else(|| val_error(y))
        }
        Val::Neg(x) => val_error(x),
        Val::LoadInd { index, .. } => val_error(index),
        _ => None,
    }
}

/// [`optimiser_error`] for every comparison of a predicate (one too large for the model).
fn pred_error(p: &Pred) -> Option<&'static str> {
    p.find_leaf(|q| match q {
        Pred::Cmp(a, _, b) => val_error(a).or_else(|| val_error(b)),
        _ => None,
    })
}

/// A filter past the model's limits: kept as written, constants folded.
fn too_large(p: Pred) -> Optimized {
    if let Some(e) = pred_error(&p) {
        return Optimized::Error(e);
    }
    match fold_constants(p) {
        Pred::False => Optimized::RejectsAll,
        p => Optimized::Pred(p),
    }
}

pub fn optimize(p: Pred) -> Optimized {
    if p.size_exceeds(MAX_BLOCKS) {
        return too_large(p);
    }
    let mut cfg = Cfg {
        tests: Vec::new(),
        cmp_values: HashMap::new(),
        machine: Vec::new(),
        machine_first: Vec::new(),
        pass_number: 0,
        blocks: Vec::new(),
        root: REJECT,
    };
    let Some(root) = cfg.build(&p, ACCEPT, REJECT) else {
        return too_large(p);
    };
    cfg.root = root;
    if root < 2 {
        return if root == ACCEPT {
            Optimized::Pred(Pred::True)
        } else {
            Optimized::RejectsAll
        };
    }
    let first_test = cfg.blk(root).test;
    // opt_loop(.., 0): until a pass moves nothing, or 100 passes in a row that only moved
    // branches (libpcap's loop detection); bounded in all as a guard.
    let ids = Ids::new(&cfg);
    let mut only_branches = 0;
    for pass in 1..=MAX_PASSES {
        cfg.pass_number = pass;
        let (changed, bypassed) = cfg.pass(&ids);
        // The first pass's peepholes (`sub x; jeq #0` to `jeq x`) count as changes in libpcap,
        // so a second pass always runs, with the values they leave.
        if !changed && pass > 1 {
            break;
        }
        only_branches = if bypassed { 0 } else { only_branches + 1 };
        if only_branches >= 100 {
            break;
        }
    }
    // The last pass rewrites the statements of every block still reachable, top level first.
    let lv = cfg.levels();
    for &b in lv.lists.iter().rev().flatten() {
        if b >= 2 {
            if let Some(e) = optimiser_error(&cfg.tests[cfg.blk(b).test]) {
                return Optimized::Error(e);
            }
        }
    }
    // The last pass folds comparisons of constants: their blocks stay, going one way.
    for i in 0..cfg.blocks.len() {
        if let Test::Cmp(Val::K(x), rel, Val::K(y)) = &cfg.tests[cfg.blocks[i].test] {
            let (_, _, _, positive) = cfg.machine[cfg.blocks[i].test];
            let machine_true = rel.holds(*x, *y) == positive;
            let b = &mut cfg.blocks[i];
            if machine_true {
                b.jf = b.jt;
            } else {
                b.jt = b.jf;
            }
        }
    }
    cfg.intern_blocks();
    // opt_root: leading blocks whose branches meet are skipped; the first one's loads stay.
    let mut r = cfg.root;
    while r >= 2 && cfg.blk(r).jt == cfg.blk(r).jf {
        r = cfg.blk(r).jt;
    }
    if r == REJECT {
        return Optimized::RejectsAll;
    }
    if r == ACCEPT {
        return Optimized::Pred(Pred::True);
    }
    let mut limit = 4 * cfg.blocks.len() + 64;
    let Some(q) = cfg.to_pred(r, &mut limit) else {
        return too_large(p);
    };
    if cfg.blk(r).test != first_test && !matches!(cfg.tests[first_test], Test::Const(_)) {
        // The first block's load still runs, whatever it finds.
        let t = cfg.test_pred(first_test);
        let load_only = Pred::or(t.clone(), Pred::not(t));
        return Optimized::Pred(Pred::and(load_only, q));
    }
    Optimized::Pred(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Packet;

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

    /// A branch to reject is written as the opposite test, not as `not test` (nor, for a
    /// machine test that is itself negated, `not not test`), and keeps its verdicts: on a
    /// packet where the test holds, one where it fails, and one too short for its load.
    #[test]
    fn negated_branches_are_opposite_tests() {
        assert!(matches!(negated(eq(12, 1)), Pred::Atom(a) if a.rel == Rel::Ne));
        assert!(matches!(negated(Pred::not(eq(12, 1))), Pred::Atom(a) if a.rel == Rel::Eq));
        let q = crate::compile("tcp src port 80", crate::LinkType::ETHERNET).unwrap();
        let text = q.to_string();
        assert!(!text.contains("not "), "{text}");
        let p = Pred::and(Pred::not(eq(12, 0x800)), eq(14, 7));
        let Optimized::Pred(q) = optimize(p.clone()) else {
            panic!("refused");
        };
        assert!(!q.to_string().contains("not "), "{q}");
        for pkt in [&[0u8; 16][..], &[0u8; 13][..]] {
            let mut v = pkt.to_vec();
            for (at, b) in [(12, 8u8), (15, 7)] {
                for set in [false, true] {
                    if at < v.len() {
                        v[at] = if set { b } else { 0 };
                    }
                    let pk = Packet::new(&v, v.len() as u32);
                    assert_eq!(q.eval(&pk).ok(), p.eval(&pk).ok(), "{v:?}");
                }
            }
        }
    }

    #[test]
    fn a_test_whose_outcome_never_matters_is_removed() {
        // (ip and x[1000] == 0) or ip: the load at 1000 disappears.
        let p = Pred::or(Pred::and(eq(12, 0x800), eq(1000, 0)), eq(12, 0x800));
        let Optimized::Pred(q) = optimize(p) else {
            panic!("satisfiable filter refused");
        };
        let mut pkt = vec![0u8; 20];
        pkt[12] = 8;
        assert!(q.matches(&Packet::new(&pkt, 20)));
    }

    #[test]
    fn or_pullup_reads_same_value_tests_first() {
        // src==a or dst==a or src==b: for a packet cut inside dst, src==b still decides.
        let p = Pred::or(eq(0, 1), Pred::or(eq(4, 1), eq(0, 2)));
        let Optimized::Pred(q) = optimize(Pred::and(eq(8, 0), p)) else {
            panic!("refused");
        };
        let pkt = [0u8, 2, 0, 0, 0];
        assert!(!q.matches(&Packet::new(&pkt[..], 5)));
        let pkt = [0u8, 2, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(q.matches(&Packet::new(&pkt[..], 10)));
    }

    /// `x and false or y`: x's load stays where x holds the first block (the root), and goes
    /// elsewhere, as in libpcap.
    #[test]
    fn a_false_conjunct_keeps_only_the_root_load() {
        let short = [0u8; 20];
        let y = eq(12, 0);
        let at_root = Pred::or(Pred::and(eq(1000, 0), Pred::False), y.clone());
        let Optimized::Pred(q) = optimize(at_root) else {
            panic!("refused");
        };
        assert!(!q.matches(&Packet::new(&short[..], 20)), "{q}");
        let inside = Pred::and(eq(14, 0), Pred::or(Pred::and(eq(1000, 0), Pred::False), y));
        let Optimized::Pred(q) = optimize(inside) else {
            panic!("refused");
        };
        assert!(q.matches(&Packet::new(&short[..], 20)), "{q}");
    }

    /// A constant comparison never shares a value with an arithmetic one: `0 != 0` once jumped
    /// on `x[1000] == 1`'s outcome and accepted.
    #[test]
    fn constant_comparisons_are_values_of_their_own() {
        let x = Pred::Cmp(
            Val::Load(Load {
                base: crate::ir::Base::Abs,
                off: 30,
                size: 1,
            }),
            Rel::Eq,
            Val::K(1),
        );
        let never = Pred::Cmp(Val::K(0), Rel::Ne, Val::K(0));
        let p = Pred::or(eq(14, 9), Pred::and(x, Pred::and(eq(12, 0), never)));
        let Optimized::Pred(q) = optimize(p) else {
            panic!("refused");
        };
        let mut pkt = [0u8; 40];
        pkt[30] = 1;
        assert!(!q.matches(&Packet::new(&pkt[..], 40)), "{q}");
    }

    /// Past the model's size limit constants fold away with the tests under them.
    #[test]
    fn large_filters_fold_constants() {
        let chain = (0..MAX_BLOCKS as u32 + 10).fold(eq(0, 0xffff), |p, k| Pred::or(p, eq(2, k)));
        let p = Pred::or(Pred::and(eq(1000, 0), Pred::False), chain);
        let Optimized::Pred(q) = optimize(p) else {
            panic!("refused");
        };
        assert!(!q.has_inner_constant());
        let pkt = [0u8; 20];
        assert!(q.matches(&Packet::new(&pkt[..], 20)));
    }

    /// libpcap's passes move branches against dominator sets computed before the pass's own
    /// moves; for this filter that drops the source-port test of the last `tcp port 80` on the
    /// path where the first one matched, so libpcap (1.10) rejects a TCP packet from port 80.
    /// So do we (the oracle test checks it against libpcap on real captures).
    #[test]
    fn stale_dominators_carry_into_the_program() {
        let mut pkt = vec![0u8; 54];
        pkt[12] = 8; // IPv4
        pkt[14] = 0x45;
        pkt[23] = 6; // TCP
        pkt[34..36].copy_from_slice(&80u16.to_be_bytes());
        pkt[36..38].copy_from_slice(&16433u16.to_be_bytes());
        let pk = Packet::new(&pkt, 54);
        let eth = crate::LinkType::ETHERNET;
        let f = crate::compile(
            "tcp port 80 and tcp port 443 or tcp port 53 or tcp port 80",
            eth,
        );
        assert!(!f.unwrap().matches(&pk));
        // Without the first `and`, the port-80 test stays.
        let g = crate::compile("tcp port 53 or tcp port 80", eth).unwrap();
        assert!(g.matches(&pk));
    }

    /// gencode's constant blocks (`ip` on raw IPv4) are blocks: as the first block, they and
    /// not the next test's load are what stays at the root.
    #[test]
    fn a_gencode_constant_can_be_the_root() {
        let raw4 = crate::LinkType(228);
        let f = crate::compile("ip[31] = 0 and ip6 or greater 0", raw4).unwrap();
        let pkt = [0x45u8; 31];
        assert!(f.matches(&Packet::new(&pkt, 31)));
        // Where the first block is a real test, its load stays and a short packet is rejected.
        let g = crate::compile("ether[31] = 0 and ip6 or greater 0", raw4).unwrap();
        assert!(!g.matches(&Packet::new(&pkt, 31)));
    }

    /// `ip[9]` in arithmetic is an indexed load whose value is not the protocol test's, so the
    /// comparison stays behind the fragment test, as in libpcap: a later fragment of a TCP
    /// datagram is accepted without reading `tcp[32]` (past this packet's end).
    #[test]
    fn an_arithmetic_load_is_not_an_atoms_value() {
        let mut pkt = vec![0u8; 54];
        pkt[12] = 8;
        pkt[14] = 0x45;
        pkt[20..22].copy_from_slice(&0x0053u16.to_be_bytes()); // fragment offset 0x53
        pkt[23] = 6;
        let f = crate::compile("not ip[9] != tcp[32] or udp", crate::LinkType::ETHERNET).unwrap();
        assert!(f.matches(&Packet::new(&pkt, 54)), "{f}");
    }
}
