//! The filter IR: what a pcap-filter expression means, independent of how it was written.
//!
//! A filter is a [`Pred`]: atoms (a load of 1, 2 or 4 bytes, a mask, a relation, a constant)
//! and general comparisons of arithmetic values, combined by `and`, `or` and `not`, evaluated
//! left to right with short-circuiting, exactly in the order libpcap's code generator emits its
//! tests. That order matters for one reason: BPF semantics. When a load reaches past the
//! captured bytes (or a run-time division by zero happens) the *whole filter* rejects the packet
//! at that point, whatever `not` or `or` surround the load. [`Pred::eval`] returns
//! [`Reject`] in that case, and callers map it to "no match".
//!
//! Offsets are absolute (from the first captured byte): the link type and any `vlan`/`mpls`
//! shifts have been folded in by the lowering.

use std::fmt;

/// Where a load's offset is measured from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Base {
    /// From the first captured byte.
    Abs,
    /// From `4 * (pkt[at] & 0x0f)`: the IPv4 header length, as BPF's `ldx 4*([at]&0xf)` computes
    /// it (`at` is the absolute offset of the IPv4 header's first byte). Reading `pkt[at]` is
    /// itself a load that can fail.
    IpHdrLen { at: u32 },
}

/// A load of `size` (1, 2 or 4) bytes, big-endian, at `base + off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Load {
    pub base: Base,
    pub off: u32,
    pub size: u8,
}

/// Comparison of an (unsigned 32-bit) value with another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rel {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Rel {
    #[inline]
    pub fn holds(self, a: u32, b: u32) -> bool {
        match self {
            Rel::Eq => a == b,
            Rel::Ne => a != b,
            Rel::Lt => a < b,
            Rel::Le => a <= b,
            Rel::Gt => a > b,
            Rel::Ge => a >= b,
        }
    }
    /// The relation that holds exactly when `self` does not.
    pub fn negate(self) -> Rel {
        match self {
            Rel::Eq => Rel::Ne,
            Rel::Ne => Rel::Eq,
            Rel::Lt => Rel::Ge,
            Rel::Le => Rel::Gt,
            Rel::Gt => Rel::Le,
            Rel::Ge => Rel::Lt,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Rel::Eq => "==",
            Rel::Ne => "!=",
            Rel::Lt => "<",
            Rel::Le => "<=",
            Rel::Gt => ">",
            Rel::Ge => ">=",
        }
    }
}

/// `(load & mask) rel k`: the unit the decision graph merges and the JIT specialises.
/// `mask == u32::MAX` means no mask. BPF's `jset k` is `mask = k, rel = Ne, k = 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom {
    pub load: Load,
    pub mask: u32,
    pub rel: Rel,
    pub k: u32,
}

/// Arithmetic operators of the filter language (BPF ALU, 32-bit unsigned, wrapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

impl ArithOp {
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
            ArithOp::And => "&",
            ArithOp::Or => "|",
            ArithOp::Xor => "^",
            ArithOp::Shl => "<<",
            ArithOp::Shr => ">>",
        }
    }

    /// BPF's semantics; `None` for a run-time division (or modulo) by zero, which rejects.
    /// Shifts by 32 or more give 0, as libpcap's `bpf_filter` does.
    #[inline]
    pub fn apply(self, a: u32, b: u32) -> Option<u32> {
        Some(match self {
            ArithOp::Add => a.wrapping_add(b),
            ArithOp::Sub => a.wrapping_sub(b),
            ArithOp::Mul => a.wrapping_mul(b),
            ArithOp::Div => a.checked_div(b)?,
            ArithOp::Mod => a.checked_rem(b)?,
            ArithOp::And => a & b,
            ArithOp::Or => a | b,
            ArithOp::Xor => a ^ b,
            ArithOp::Shl => {
                if b < 32 {
                    a << b
                } else {
                    0
                }
            }
            ArithOp::Shr => {
                if b < 32 {
                    a >> b
                } else {
                    0
                }
            }
        })
    }
}

/// An arithmetic value, evaluated as one straight-line BPF block: every load in it is performed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Val {
    K(u32),
    /// The packet's length on the wire (`len`).
    Len,
    Load(Load),
    /// A load of `size` bytes at `index + off`, where `index` is computed at run time
    /// (`proto[expr]`).
    LoadInd {
        index: Box<Val>,
        off: u32,
        size: u8,
    },
    Bin(ArithOp, Box<Val>, Box<Val>),
    Neg(Box<Val>),
    /// libpcap's `protochain` walk, a loop in its BPF program: from the IPv4 (or IPv6) header
    /// at offset `nl`, follow IPv6 extension headers and AH until the protocol number is
    /// `proto`, IPPROTO_NONE (59) or one it cannot skip; the value is that protocol number.
    ProtoChain {
        v6: bool,
        nl: u32,
        proto: u32,
    },
}

/// libpcap's protochain loop has no bound (a crafted packet can make it spin forever); we stop
/// after this many headers and reject.
pub const PROTOCHAIN_MAX_HEADERS: usize = 4096;

/// A boolean filter.
///
/// A run of one operator is a right-leaning chain (`a or (b or (c or ...))`), as long as the
/// rule (a 100,000-host `host A or host B ...` is 300,000 nodes deep along its right spine),
/// while left operands nest only as deep as the source does (bounded by the parser's
/// `MAX_NESTING`). So every pass walks right spines in a loop and recurses only into left
/// operands; `Clone`, `Drop`, `PartialEq`, `Hash` and `Debug` are written out to do the same
/// (derived ones recurse once per node and overflow a thread's stack on such chains).
pub enum Pred {
    True,
    False,
    Atom(Atom),
    /// A comparison of two general values; all loads on both sides are performed.
    Cmp(Val, Rel, Val),
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
    Not(Box<Pred>),
}

impl Pred {
    /// A node with children (whose drop or copy could recurse).
    #[inline]
    fn is_inner(&self) -> bool {
        matches!(self, Pred::And(..) | Pred::Or(..) | Pred::Not(..))
    }
}

impl Drop for Pred {
    /// Frees any shape without recursion: a node's children with children of their own are
    /// moved out before the node is freed, so the implicit drop of its fields finds leaves only.
    /// Nothing is allocated unless some node has two inner children.
    fn drop(&mut self) {
        let (x, y) = match self {
            Pred::And(a, b) | Pred::Or(a, b) => (take_inner(a), take_inner(b)),
            Pred::Not(a) => (take_inner(a), None),
            _ => return,
        };
        let mut pending = Vec::new();
        let first = match (x, y) {
            (Some(a), Some(b)) => {
                pending.push(a);
                b
            }
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => return,
        };
        drop_all(first, pending);
    }
}

/// Moves `p` out of its box if it has children, leaving a leaf behind.
#[inline]
fn take_inner(p: &mut Pred) -> Option<Pred> {
    p.is_inner().then(|| std::mem::replace(p, Pred::True))
}

/// Frees `first` and everything in `pending`, one node at a time.
fn drop_all(first: Pred, mut pending: Vec<Pred>) {
    let mut next = Some(first);
    while let Some(mut p) = next.take().or_else(|| pending.pop()) {
        match &mut p {
            Pred::And(a, b) | Pred::Or(a, b) => match (take_inner(a), take_inner(b)) {
                (Some(a), Some(b)) => {
                    pending.push(a);
                    next = Some(b);
                }
                (Some(x), None) | (None, Some(x)) => next = Some(x),
                (None, None) => {}
            },
            Pred::Not(a) => next = take_inner(a),
            _ => {}
        }
        // `p` now holds leaves only: its own drop returns at once.
    }
}

/// How many levels `Pred::clone` recurses into both operands before it walks right spines in a
/// loop: plain recursion is the fast path for small rules, the loop (which allocates) keeps long
/// chains off the stack.
const CLONE_RECURSION: u32 = 48;

impl Clone for Pred {
    fn clone(&self) -> Pred {
        self.clone_within(CLONE_RECURSION)
    }
}

impl Pred {
    fn clone_within(&self, depth: u32) -> Pred {
        match self {
            Pred::True => Pred::True,
            Pred::False => Pred::False,
            Pred::Atom(a) => Pred::Atom(*a),
            Pred::Cmp(x, r, y) => Pred::Cmp(x.clone(), *r, y.clone()),
            Pred::Not(a) if depth > 0 => Pred::not(a.clone_within(depth - 1)),
            Pred::And(a, b) if depth > 0 => {
                Pred::and(a.clone_within(depth - 1), b.clone_within(depth - 1))
            }
            Pred::Or(a, b) if depth > 0 => {
                Pred::or(a.clone_within(depth - 1), b.clone_within(depth - 1))
            }
            Pred::And(..) | Pred::Or(..) | Pred::Not(..) => self.clone_by_work_list(),
        }
    }

    /// Out of recursion budget: a post-order walk with explicit stacks, whichever way the
    /// tree leans (the parser's chains lean right; one folded by hand may lean left).
    fn clone_by_work_list(&self) -> Pred {
        self.rebuild(Pred::and, Pred::or, Pred::not)
    }

    /// The tree built again bottom-up without recursion, each node's rebuilt operands combined
    /// by the given constructor (the plain constructors copy it).
    pub(crate) fn rebuild(
        &self,
        and: fn(Pred, Pred) -> Pred,
        or: fn(Pred, Pred) -> Pred,
        not: fn(Pred) -> Pred,
    ) -> Pred {
        enum Step<'a> {
            Visit(&'a Pred),
            Build(&'a Pred),
        }
        let mut steps = vec![Step::Visit(self)];
        let mut done: Vec<Pred> = Vec::new();
        while let Some(step) = steps.pop() {
            match step {
                Step::Visit(p) => match p {
                    Pred::And(a, b) | Pred::Or(a, b) => {
                        steps.push(Step::Build(p));
                        steps.push(Step::Visit(b));
                        steps.push(Step::Visit(a));
                    }
                    Pred::Not(a) => {
                        steps.push(Step::Build(p));
                        steps.push(Step::Visit(a));
                    }
                    leaf => done.push(leaf.clone_within(0)),
                },
                Step::Build(p) => {
                    let b = done.pop().expect("operand built");
                    let node = match p {
                        Pred::Not(_) => not(b),
                        _ => {
                            let a = done.pop().expect("operand built");
                            if matches!(p, Pred::And(..)) {
                                and(a, b)
                            } else {
                                or(a, b)
                            }
                        }
                    };
                    done.push(node);
                }
            }
        }
        done.pop().expect("the root built")
    }

    /// Whether a constant sits below an `and`, `or` or `not`.
    pub(crate) fn has_inner_constant(&self) -> bool {
        let constant = |p: &Pred| matches!(p, Pred::True | Pred::False);
        let mut stack = vec![self];
        while let Some(q) = stack.pop() {
            match q {
                Pred::And(a, b) | Pred::Or(a, b) => {
                    if constant(a) || constant(b) {
                        return true;
                    }
                    stack.push(a);
                    stack.push(b);
                }
                Pred::Not(a) => {
                    if constant(a) {
                        return true;
                    }
                    stack.push(a);
                }
                _ => {}
            }
        }
        false
    }
}

impl PartialEq for Pred {
    /// Node by node with a work list: a chain may lean either way and be as long as a rule.
    fn eq(&self, other: &Pred) -> bool {
        let mut todo = vec![(self, other)];
        while let Some((x, y)) = todo.pop() {
            match (x, y) {
                (Pred::And(a1, b1), Pred::And(a2, b2)) | (Pred::Or(a1, b1), Pred::Or(a2, b2)) => {
                    todo.push((b1, b2));
                    todo.push((a1, a2));
                }
                (Pred::Not(a), Pred::Not(b)) => todo.push((a, b)),
                (Pred::True, Pred::True) | (Pred::False, Pred::False) => {}
                (Pred::Atom(a), Pred::Atom(b)) if a == b => {}
                (Pred::Cmp(a1, r1, b1), Pred::Cmp(a2, r2, b2))
                    if r1 == r2 && a1 == a2 && b1 == b2 => {}
                _ => return false,
            }
        }
        true
    }
}

impl Eq for Pred {}

impl std::hash::Hash for Pred {
    /// Pre-order (a node, then its left operand, then its right), with a work list.
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let mut todo = vec![self];
        while let Some(cur) = todo.pop() {
            std::mem::discriminant(cur).hash(h);
            match cur {
                Pred::And(a, b) | Pred::Or(a, b) => {
                    todo.push(b);
                    todo.push(a);
                }
                Pred::Not(a) => todo.push(a),
                Pred::True | Pred::False => {}
                Pred::Atom(a) => a.hash(h),
                Pred::Cmp(a, r, b) => {
                    a.hash(h);
                    r.hash(h);
                    b.hash(h);
                }
            }
        }
    }
}

impl fmt::Debug for Pred {
    /// The derived format (`And(Atom(..), Or(..))`), written with a work list.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        enum Step<'a> {
            Node(&'a Pred),
            Text(&'static str),
        }
        let mut todo = vec![Step::Node(self)];
        while let Some(step) = todo.pop() {
            match step {
                Step::Text(t) => f.write_str(t)?,
                Step::Node(p) => match p {
                    Pred::And(a, b) | Pred::Or(a, b) => {
                        let name = if matches!(p, Pred::And(..)) {
                            "And("
                        } else {
                            "Or("
                        };
                        f.write_str(name)?;
                        todo.push(Step::Text(")"));
                        todo.push(Step::Node(b));
                        todo.push(Step::Text(", "));
                        todo.push(Step::Node(a));
                    }
                    Pred::Not(a) => {
                        f.write_str("Not(")?;
                        todo.push(Step::Text(")"));
                        todo.push(Step::Node(a));
                    }
                    Pred::True => f.write_str("True")?,
                    Pred::False => f.write_str("False")?,
                    Pred::Atom(a) => write!(f, "Atom({a:?})")?,
                    Pred::Cmp(a, r, b) => write!(f, "Cmp({a:?}, {r:?}, {b:?})")?,
                },
            }
        }
        Ok(())
    }
}

/// The packet was rejected by BPF semantics (a load past the captured bytes, or a run-time
/// division by zero): the whole filter is false, whatever surrounds the failing load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reject;

/// A packet as filters see it.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    /// The captured bytes.
    pub data: &'a [u8],
    /// The length on the wire (`len`), at least `data.len()` in sane captures (not assumed).
    pub wire_len: u32,
}

impl<'a> Packet<'a> {
    pub fn new(data: &'a [u8], wire_len: u32) -> Self {
        Packet { data, wire_len }
    }

    /// Big-endian load of 1, 2 or 4 bytes at `off`; `Reject` when any byte is past the capture.
    #[inline]
    pub fn load_at(&self, off: u32, size: u8) -> Result<u32, Reject> {
        let off = off as usize;
        let end = off.checked_add(size as usize).ok_or(Reject)?;
        let b = self.data.get(off..end).ok_or(Reject)?;
        Ok(match size {
            1 => b[0] as u32,
            2 => u16::from_be_bytes([b[0], b[1]]) as u32,
            _ => u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        })
    }

    #[inline]
    pub fn load(&self, l: &Load) -> Result<u32, Reject> {
        let base = match l.base {
            Base::Abs => 0u32,
            Base::IpHdrLen { at } => 4 * (self.load_at(at, 1)? & 0x0f),
        };
        // BPF adds X + k in 32 bits; an overflowing sum is simply out of bounds.
        let off = base.checked_add(l.off).ok_or(Reject)?;
        self.load_at(off, l.size)
    }
}

impl Atom {
    #[inline]
    pub fn eval(&self, p: &Packet) -> Result<bool, Reject> {
        let v = p.load(&self.load)?;
        Ok(self.rel.holds(v & self.mask, self.k))
    }
}

impl Val {
    pub fn eval(&self, p: &Packet) -> Result<u32, Reject> {
        match self {
            Val::K(k) => Ok(*k),
            Val::Len => Ok(p.wire_len),
            Val::Load(l) => p.load(l),
            Val::LoadInd { index, off, size } => {
                let x = index.eval(p)?;
                let at = x.checked_add(*off).ok_or(Reject)?;
                p.load_at(at, *size)
            }
            Val::Bin(op, a, b) => {
                let a = a.eval(p)?;
                let b = b.eval(p)?;
                op.apply(a, b).ok_or(Reject)
            }
            Val::Neg(a) => Ok(a.eval(p)?.wrapping_neg()),
            Val::ProtoChain { v6, nl, proto } => protochain(p, *v6, *nl, *proto),
        }
    }
}

/// The loop libpcap's `gen_protochain` emits, instruction for instruction (including its AH
/// step, which sets X to the AH length instead of advancing it).
fn protochain(p: &Packet, v6: bool, nl: u32, proto: u32) -> Result<u32, Reject> {
    let at = |x: u32, k: u32| x.checked_add(k).ok_or(Reject);
    let mut a = p.load_at(nl + if v6 { 6 } else { 9 }, 1)?;
    let mut x = if v6 {
        40
    } else {
        4 * (p.load_at(nl, 1)? & 0x0f)
    };
    for _ in 0..PROTOCHAIN_MAX_HEADERS {
        if a == proto || a == 59 {
            return Ok(a);
        }
        if v6 && matches!(a, 0 | 60 | 43 | 44) {
            let next = p.load_at(at(x, nl)?, 1)?;
            let len = p.load_at(at(x, nl + 1)?, 1)?;
            x = len.wrapping_add(1).wrapping_mul(8).wrapping_add(x);
            a = next;
            continue;
        }
        if a == 51 {
            let next = p.load_at(at(x, nl)?, 1)?;
            x = x.wrapping_add(1);
            let len = p.load_at(at(x, nl)?, 1)?;
            x = len.wrapping_add(2).wrapping_mul(4);
            a = next;
            continue;
        }
        return Ok(a);
    }
    Err(Reject)
}

impl Pred {
    /// Short-circuit evaluation with BPF's reject-on-bad-load semantics. Chains are walked in
    /// a loop along their right spine, so long `or` chains need no deep recursion.
    pub fn eval(&self, p: &Packet) -> Result<bool, Reject> {
        let mut cur = self;
        loop {
            match cur {
                Pred::True => return Ok(true),
                Pred::False => return Ok(false),
                Pred::Atom(a) => return a.eval(p),
                Pred::Cmp(a, rel, b) => {
                    let x = a.eval(p)?;
                    let y = b.eval(p)?;
                    return Ok(rel.holds(x, y));
                }
                Pred::And(a, b) => {
                    if !a.eval(p)? {
                        return Ok(false);
                    }
                    cur = b;
                }
                Pred::Or(a, b) => {
                    if a.eval(p)? {
                        return Ok(true);
                    }
                    cur = b;
                }
                Pred::Not(a) => return Ok(!a.eval(p)?),
            }
        }
    }

    /// Number of atoms and comparisons, counted without recursion.
    pub fn size(&self) -> usize {
        self.count_leaves(usize::MAX)
    }

    /// Whether [`Pred::size`] is above `max`, counting no further than that (a 10,000-host
    /// rule is 30,000 atoms; the optimizer only asks whether it is small).
    pub fn size_exceeds(&self, max: usize) -> bool {
        self.count_leaves(max) > max
    }

    /// Atoms and comparisons, counted up to `max + 1` at most.
    fn count_leaves(&self, max: usize) -> usize {
        let mut n = 0;
        self.find_leaf(|q| {
            if matches!(q, Pred::Atom(_) | Pred::Cmp(..)) {
                n += 1;
            }
            (n > max).then_some(())
        });
        n
    }

    /// The first `Some` that `f` gives for a leaf, leaves taken left to right without
    /// recursion.
    pub(crate) fn find_leaf<T>(&self, mut f: impl FnMut(&Pred) -> Option<T>) -> Option<T> {
        let mut stack = vec![self];
        while let Some(q) = stack.pop() {
            match q {
                Pred::And(a, b) | Pred::Or(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Pred::Not(a) => stack.push(a),
                leaf => {
                    if let Some(t) = f(leaf) {
                        return Some(t);
                    }
                }
            }
        }
        None
    }

    /// Does the filter accept the packet? (A rejected evaluation is a non-match.)
    pub fn matches(&self, p: &Packet) -> bool {
        self.eval(p).unwrap_or(false)
    }

    pub fn and(a: Pred, b: Pred) -> Pred {
        Pred::And(Box::new(a), Box::new(b))
    }
    pub fn or(a: Pred, b: Pred) -> Pred {
        Pred::Or(Box::new(a), Box::new(b))
    }
    #[allow(clippy::should_implement_trait)]
    pub fn not(a: Pred) -> Pred {
        Pred::Not(Box::new(a))
    }
    /// `(load & mask) rel k` at an absolute offset.
    pub fn atom(off: u32, size: u8, mask: u32, rel: Rel, k: u32) -> Pred {
        Pred::Atom(Atom {
            load: Load {
                base: Base::Abs,
                off,
                size,
            },
            mask,
            rel,
            k,
        })
    }
}

impl fmt::Display for Load {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.base {
            Base::Abs => write!(f, "pkt[{}:{}]", self.off, self.size),
            Base::IpHdrLen { at } => write!(f, "pkt[4*([{}]&0xf)+{}:{}]", at, self.off, self.size),
        }
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mask == u32::MAX {
            write!(f, "{} {} {:#x}", self.load, self.rel.symbol(), self.k)
        } else {
            write!(
                f,
                "{} & {:#x} {} {:#x}",
                self.load,
                self.mask,
                self.rel.symbol(),
                self.k
            )
        }
    }
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::K(k) => write!(f, "{k:#x}"),
            Val::Len => write!(f, "len"),
            Val::Load(l) => write!(f, "{l}"),
            Val::LoadInd { index, off, size } => write!(f, "pkt[({index})+{off}:{size}]"),
            Val::Bin(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            Val::Neg(a) => write!(f, "-({a})"),
            Val::ProtoChain { v6, nl, proto } => write!(
                f,
                "protochain{}(@{nl}, {proto})",
                if *v6 { "6" } else { "4" }
            ),
        }
    }
}

impl fmt::Display for Pred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pred::True => write!(f, "true"),
            Pred::False => write!(f, "false"),
            Pred::Atom(a) => write!(f, "{a}"),
            Pred::Cmp(a, r, b) => write!(f, "{a} {} {b}", r.symbol()),
            Pred::And(..) | Pred::Or(..) => {
                // A chain of one operator prints flat, walked along its right spine.
                let is_and = matches!(self, Pred::And(..));
                let word = if is_and { " and " } else { " or " };
                write!(f, "(")?;
                let mut cur = self;
                let mut first = true;
                loop {
                    match (cur, is_and) {
                        (Pred::And(a, b), true) | (Pred::Or(a, b), false) => {
                            if !first {
                                write!(f, "{word}")?;
                            }
                            write!(f, "{a}")?;
                            first = false;
                            cur = b;
                        }
                        _ => {
                            write!(f, "{word}{cur})")?;
                            return Ok(());
                        }
                    }
                }
            }
            Pred::Not(a) => write!(f, "not {a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_exceeds_agrees_with_size() {
        let a = |k| Pred::atom(12, 2, u32::MAX, Rel::Eq, k);
        let preds = [
            Pred::True,
            a(1),
            Pred::not(a(1)),
            Pred::and(a(1), Pred::or(a(2), Pred::not(a(3)))),
            (0..50).fold(Pred::False, |p, k| Pred::or(p, a(k))),
        ];
        for p in &preds {
            for max in 0..60 {
                assert_eq!(p.size_exceeds(max), p.size() > max, "{p} at {max}");
            }
        }
    }

    #[test]
    fn out_of_bounds_load_rejects_through_not_and_or() {
        let pkt = [0u8; 20];
        let p = Packet::new(&pkt, 20);
        let oob = Pred::atom(100, 1, u32::MAX, Rel::Eq, 1);
        assert_eq!(Pred::not(oob.clone()).eval(&p), Err(Reject));
        // The first operand decides `or` before the bad load is reached...
        assert_eq!(Pred::or(Pred::True, oob.clone()).eval(&p), Ok(true));
        // ...but once reached, the bad load rejects the whole filter.
        assert!(!Pred::or(oob, Pred::True).matches(&p));
    }

    #[test]
    fn iphdrlen_base_reads_header_length_nibble() {
        let mut pkt = vec![0u8; 60];
        pkt[14] = 0x46; // IHL 6 -> 24 bytes
        pkt[14 + 24] = 0xab;
        let p = Packet::new(&pkt, 60);
        let l = Load {
            base: Base::IpHdrLen { at: 14 },
            off: 14,
            size: 1,
        };
        assert_eq!(p.load(&l), Ok(0xab));
    }

    #[test]
    fn runtime_division_by_zero_rejects() {
        let pkt = [0u8; 4];
        let p = Packet::new(&pkt, 4);
        let v = Val::Bin(
            ArithOp::Div,
            Box::new(Val::K(8)),
            Box::new(Val::Load(Load {
                base: Base::Abs,
                off: 0,
                size: 1,
            })),
        );
        assert_eq!(Pred::Cmp(v, Rel::Eq, Val::K(0)).eval(&p), Err(Reject));
    }
}
