//! Erlang terms. Immutable and acyclic, so a reference-counted representation is correct:
//! small integers, floats, atoms, pids and references are unboxed; compound terms share
//! their parts through `Rc`, tuples through `Tuple` (`term/tuple.rs`: count, length and
//! elements in one allocation behind a thin pointer). Every process of a VM is a green thread on the one OS thread
//! that runs it (`embed.rs`), so terms never cross threads and their counts need not be
//! atomic: a register move of a list is a plain increment, not a locked one. Only bytes an
//! embedder hands in from another thread (`ForeignBuf`) are shared atomically.

use crate::atom::{self, Atom};
use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

mod tuple;
pub use tuple::Tuple;

#[derive(Debug)]
// `#[repr(u8)]`: the tag is the first byte and each variant's payload sits where a `repr(C)`
// struct of the tag and the payload puts it; native code (`jit.rs`) reads terms by that
// layout. (`Option<Term>` stays 16 bytes: the unused tags are its niche.)
#[repr(u8)]
pub enum Term {
    // The immediates first: native code tests "owns nothing" as one comparison of the tag.
    Int(i64),
    Float(f64),
    Atom(Atom),
    Nil,
    Pid(u64),
    Ref(u64),
    Big(Rc<BigInt>),
    Cons(Rc<Cons>),
    Tuple(Tuple),
    Bin(Rc<Bits>),
    Map(Rc<BTreeMap<MapKey, Term>>),
    Fun(Rc<Fun>),
}

// A clone copies the term's 16 bytes with one load and one store, after counting one more
// reference for a boxed variant. The derived clone rebuilt the enum field by field (a 4-byte
// tag store, then the payload's): a 16-byte load of that value soon after (a register move,
// a tail call's argument swap) cannot be forwarded from those narrower stores and stalls
// (~12% of `links`' `run_fast` samples in `perf annotate`, at `get_list`'s `put!`).
impl Clone for Term {
    #[inline(always)]
    fn clone(&self) -> Term {
        match self {
            Term::Int(_)
            | Term::Float(_)
            | Term::Atom(_)
            | Term::Nil
            | Term::Pid(_)
            | Term::Ref(_) => {}
            Term::Big(r) => std::mem::forget(Rc::clone(r)),
            Term::Cons(r) => std::mem::forget(Rc::clone(r)),
            Term::Tuple(t) => std::mem::forget(t.clone()),
            Term::Bin(r) => std::mem::forget(Rc::clone(r)),
            Term::Map(r) => std::mem::forget(Rc::clone(r)),
            Term::Fun(r) => std::mem::forget(Rc::clone(r)),
        }
        // SAFETY: a bitwise copy of the term; for a boxed variant the reference it holds
        // was counted just above (the forgotten clone), so both copies own one.
        unsafe { std::ptr::read(self) }
    }
}

// `repr(C)`: native code (`jit.rs`) reads the head and the tail at fixed offsets.
#[derive(Debug)]
#[repr(C)]
pub struct Cons {
    pub head: Term,
    pub tail: Term,
}

// A million-element list must not drop recursively (it would overflow the Rust stack): the
// cells this one owns alone are unlinked in a loop. Most drops end at once: the tail is
// shared (a list rebuilt in front of an old tail) or not a cons, and the ordinary drop of
// the tail only decrements a count.
impl Drop for Cons {
    #[inline]
    fn drop(&mut self) {
        let mut tail = match &self.tail {
            Term::Cons(c) if Rc::strong_count(c) == 1 => {
                std::mem::replace(&mut self.tail, Term::Nil)
            }
            _ => return,
        };
        while let Term::Cons(mut rc) = tail {
            match Rc::get_mut(&mut rc) {
                // `rc` is freed at the end of this arm; its tail is Nil by then, so its own
                // drop returns at once.
                Some(c) => tail = std::mem::replace(&mut c.tail, Term::Nil),
                None => break,
            }
        }
    }
}

/// Bytes owned by someone outside the VM (an embedder's buffer, e.g. a NIC frame), kept
/// alive by reference counting while any binary refers to them. The bytes must not move or
/// change while the value lives.
pub type ForeignBuf = Arc<dyn AsRef<[u8]> + Send + Sync>;

// The owner is only held, never read: it keeps the bytes alive.
#[derive(Clone)]
#[allow(dead_code)]
enum Owner {
    Heap(Rc<Vec<u8>>),
    Foreign(ForeignBuf),
}

/// The shared bytes under a bitstring: the VM's own buffer or a foreign one. Holds a pointer
/// to the bytes so reading them costs no indirection through the owner.
#[derive(Clone)]
pub struct BinData {
    ptr: *const u8,
    len: usize,
    owner: Owner,
}

impl BinData {
    pub fn heap(v: Vec<u8>) -> BinData {
        let a = Rc::new(v);
        BinData {
            ptr: a.as_ptr(),
            len: a.len(),
            owner: Owner::Heap(a),
        }
    }
    pub fn foreign(buf: ForeignBuf) -> BinData {
        let s = (*buf).as_ref();
        BinData {
            ptr: s.as_ptr(),
            len: s.len(),
            owner: Owner::Foreign(buf),
        }
    }
    pub fn is_foreign(&self) -> bool {
        matches!(self.owner, Owner::Foreign(_))
    }
}

impl std::ops::Deref for BinData {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: ptr/len were taken from the owner, which this value keeps alive.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl std::fmt::Debug for BinData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BinData({} bytes)", self.len)
    }
}

thread_local! {
    static COPIED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Binary bytes copied so far on this thread (a VM runs on its caller's thread): building a
/// binary out of another, flattening to a byte vector. Sending, matching and sub-binaries
/// copy nothing and do not count.
pub fn bytes_copied() -> u64 {
    COPIED.with(|c| c.get())
}

pub(crate) fn count_copy(n: usize) {
    COPIED.with(|c| c.set(c.get() + n as u64));
}

/// A bitstring: a window (in bits) on shared bytes. Sub-binaries share `data`; binaries over
/// 64 bytes are thus off-heap and reference-counted.
#[derive(Debug)]
pub struct Bits {
    pub data: BinData,
    pub off: usize,
    pub len: usize,
}

impl Bits {
    pub fn is_binary(&self) -> bool {
        self.len.is_multiple_of(8)
    }
    pub fn byte_len(&self) -> usize {
        self.len.div_ceil(8)
    }
    /// Bit `i` of the window (0 = most significant bit of the first byte).
    pub fn bit(&self, i: usize) -> u8 {
        let p = self.off + i;
        (self.data[p / 8] >> (7 - (p % 8))) & 1
    }
    /// Byte-aligned slice when the window starts on a byte boundary.
    pub fn aligned(&self) -> Option<&[u8]> {
        if self.off.is_multiple_of(8) && self.len.is_multiple_of(8) {
            Some(&self.data[self.off / 8..(self.off + self.len) / 8])
        } else {
            None
        }
    }
    /// The window's bytes (last byte padded with zero bits if the length is not a multiple of 8).
    pub fn to_bytes(&self) -> Vec<u8> {
        count_copy(self.byte_len());
        if let Some(s) = self.aligned() {
            return s.to_vec();
        }
        let mut out = vec![0u8; self.byte_len()];
        for i in 0..self.len {
            if self.bit(i) == 1 {
                out[i / 8] |= 0x80 >> (i % 8);
            }
        }
        out
    }
}

pub enum FunKind {
    Local {
        module: Rc<crate::code::Module>,
        index: usize,
        env: Vec<Term>,
    },
    External {
        module: Atom,
        function: Atom,
    },
}

pub struct Fun {
    pub kind: FunKind,
    pub arity: usize,
}

impl std::fmt::Debug for Fun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#Fun/{}", self.arity)
    }
}

/// A map key ordered by Erlang's exact term order (1 and 1.0 are different keys).
#[derive(Clone, Debug)]
pub struct MapKey(pub Term);
impl PartialEq for MapKey {
    fn eq(&self, o: &Self) -> bool {
        cmp_terms(&self.0, &o.0, true) == Ordering::Equal
    }
}
impl Eq for MapKey {}
impl PartialOrd for MapKey {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for MapKey {
    fn cmp(&self, o: &Self) -> Ordering {
        cmp_terms(&self.0, &o.0, true)
    }
}

impl Term {
    pub fn atom(name: &str) -> Term {
        Term::Atom(Atom::intern(name))
    }
    pub fn bool(b: bool) -> Term {
        Term::Atom(Atom::from_bool(b))
    }
    pub fn ok() -> Term {
        Term::Atom(atom::OK)
    }
    pub fn tuple(v: Vec<Term>) -> Term {
        Term::Tuple(Tuple::from_vec(v))
    }
    /// A map; embedders build maps through this rather than naming the pointer type.
    pub fn map(m: BTreeMap<MapKey, Term>) -> Term {
        Term::Map(Rc::new(m))
    }
    pub fn cons(h: Term, t: Term) -> Term {
        Term::Cons(Rc::new(Cons { head: h, tail: t }))
    }
    pub fn list(v: Vec<Term>) -> Term {
        Self::list_with_tail(v, Term::Nil)
    }
    pub fn list_with_tail(v: Vec<Term>, tail: Term) -> Term {
        let mut t = tail;
        for x in v.into_iter().rev() {
            t = Term::cons(x, t);
        }
        t
    }
    pub fn string(s: &str) -> Term {
        Term::list(s.chars().map(|c| Term::Int(c as i64)).collect())
    }
    pub fn binary(bytes: Vec<u8>) -> Term {
        let len = bytes.len() * 8;
        Term::Bin(Rc::new(Bits {
            data: BinData::heap(bytes),
            off: 0,
            len,
        }))
    }
    pub fn bitstring(bytes: Vec<u8>, len_bits: usize) -> Term {
        Term::Bin(Rc::new(Bits {
            data: BinData::heap(bytes),
            off: 0,
            len: len_bits,
        }))
    }
    /// A binary over an embedder's buffer: no byte is copied, and the buffer stays alive
    /// while this binary or any sub-binary of it does.
    pub fn foreign_binary(buf: ForeignBuf) -> Term {
        let data = BinData::foreign(buf);
        let len = data.len * 8;
        Term::Bin(Rc::new(Bits { data, off: 0, len }))
    }
    pub fn big(b: BigInt) -> Term {
        match b.to_i64() {
            Some(i) => Term::Int(i),
            None => Term::Big(Rc::new(b)),
        }
    }
    /// Whether the value is held in place (no reference-counted part to release).
    #[inline(always)]
    pub fn is_immediate(&self) -> bool {
        matches!(
            self,
            Term::Int(_) | Term::Float(_) | Term::Atom(_) | Term::Nil | Term::Pid(_) | Term::Ref(_)
        )
    }
    pub fn is_atom(&self, a: Atom) -> bool {
        matches!(self, Term::Atom(x) if *x == a)
    }
    pub fn is_true(&self) -> bool {
        self.is_atom(atom::TRUE)
    }
    pub fn is_integer(&self) -> bool {
        matches!(self, Term::Int(_) | Term::Big(_))
    }
    pub fn is_number(&self) -> bool {
        matches!(self, Term::Int(_) | Term::Big(_) | Term::Float(_))
    }
    pub fn is_list(&self) -> bool {
        matches!(self, Term::Nil | Term::Cons(_))
    }
    pub fn to_bigint(&self) -> Option<BigInt> {
        match self {
            Term::Int(i) => Some(BigInt::from(*i)),
            Term::Big(b) => Some((**b).clone()),
            _ => None,
        }
    }
    pub fn to_f64(&self) -> Option<f64> {
        match self {
            Term::Int(i) => Some(*i as f64),
            Term::Big(b) => b.to_f64(),
            Term::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Collects a proper list into a vector; `None` if improper.
    pub fn list_to_vec(&self) -> Option<Vec<Term>> {
        let mut out = Vec::new();
        let mut t = self;
        loop {
            match t {
                Term::Nil => return Some(out),
                Term::Cons(c) => {
                    out.push(c.head.clone());
                    t = &c.tail;
                }
                _ => return None,
            }
        }
    }

    /// A list of character codes as a Rust string, if it is one.
    pub fn as_string(&self) -> Option<String> {
        let mut s = String::new();
        let mut t = self;
        loop {
            match t {
                Term::Nil => return Some(s),
                Term::Cons(c) => {
                    match &c.head {
                        Term::Int(i) if *i >= 0 => s.push(char::from_u32(*i as u32)?),
                        _ => return None,
                    }
                    t = &c.tail;
                }
                _ => return None,
            }
        }
    }

    fn type_rank(&self) -> u8 {
        match self {
            Term::Int(_) | Term::Big(_) | Term::Float(_) => 0,
            Term::Atom(_) => 1,
            Term::Ref(_) => 2,
            Term::Fun(_) => 3,
            Term::Pid(_) => 5,
            Term::Tuple(_) => 6,
            Term::Map(_) => 7,
            Term::Nil => 8,
            Term::Cons(_) => 9,
            Term::Bin(_) => 10,
        }
    }
}

fn cmp_int_float(i: &Term, f: f64) -> Ordering {
    // Compare exactly where f64 cannot represent the integer.
    if f.is_nan() {
        return Ordering::Less;
    }
    match i {
        Term::Int(x) => {
            let xf = *x as f64;
            if xf != f {
                return xf.partial_cmp(&f).unwrap_or(Ordering::Equal);
            }
            // Same as floats; decide with the integer part of f.
            if f.abs() < 9.2e18 {
                x.cmp(&(f as i64))
            } else {
                Ordering::Equal
            }
        }
        Term::Big(b) => {
            if f.is_infinite() {
                return if f > 0.0 {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            let fb = num_bigint::BigInt::from(f.trunc() as i128);
            if f.abs() < 1.0e38 {
                match (**b).cmp(&fb) {
                    Ordering::Equal => {
                        if f.fract() > 0.0 {
                            Ordering::Less
                        } else if f.fract() < 0.0 {
                            Ordering::Greater
                        } else {
                            Ordering::Equal
                        }
                    }
                    o => o,
                }
            } else {
                b.to_f64()
                    .unwrap_or(0.0)
                    .partial_cmp(&f)
                    .unwrap_or(Ordering::Equal)
            }
        }
        _ => Ordering::Equal,
    }
}

/// Erlang term order. With `exact`, an integer and a float are never equal (`=:=`); the
/// integer sorts first.
pub fn cmp_terms(a: &Term, b: &Term, exact: bool) -> Ordering {
    use Term::*;
    match (a, b) {
        (Int(x), Int(y)) => x.cmp(y),
        (Float(x), Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Int(_) | Big(_), Big(_)) | (Big(_), Int(_)) => a
            .to_bigint()
            .unwrap_or_default()
            .cmp(&b.to_bigint().unwrap_or_default()),
        (Int(_) | Big(_), Float(f)) => match cmp_int_float(a, *f) {
            Ordering::Equal if exact => Ordering::Less,
            o => o,
        },
        (Float(f), Int(_) | Big(_)) => match cmp_int_float(b, *f) {
            Ordering::Equal if exact => Ordering::Greater,
            o => o.reverse(),
        },
        (Atom(x), Atom(y)) => {
            if x == y {
                Ordering::Equal
            } else {
                x.name().as_bytes().cmp(y.name().as_bytes())
            }
        }
        (Ref(x), Ref(y)) | (Pid(x), Pid(y)) => x.cmp(y),
        (Tuple(x), Tuple(y)) => {
            if self::Tuple::ptr_eq(x, y) {
                return Ordering::Equal;
            }
            x.len().cmp(&y.len()).then_with(|| {
                for (p, q) in x.iter().zip(y.iter()) {
                    let o = cmp_terms(p, q, exact);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            })
        }
        (Map(x), Map(y)) => x.len().cmp(&y.len()).then_with(|| {
            for ((k1, _), (k2, _)) in x.iter().zip(y.iter()) {
                let o = cmp_terms(&k1.0, &k2.0, true);
                if o != Ordering::Equal {
                    return o;
                }
            }
            for ((_, v1), (_, v2)) in x.iter().zip(y.iter()) {
                let o = cmp_terms(v1, v2, exact);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }),
        (Nil, Nil) => Ordering::Equal,
        (Cons(_), Cons(_)) => {
            let (mut p, mut q) = (a, b);
            loop {
                match (p, q) {
                    (Cons(x), Cons(y)) => {
                        if Rc::ptr_eq(x, y) {
                            return Ordering::Equal;
                        }
                        let o = cmp_terms(&x.head, &y.head, exact);
                        if o != Ordering::Equal {
                            return o;
                        }
                        p = &x.tail;
                        q = &y.tail;
                    }
                    _ => return cmp_terms(p, q, exact),
                }
            }
        }
        (Bin(x), Bin(y)) => {
            // Compare bit by bit over the common length, then by length.
            let common = x.len.min(y.len);
            for i in 0..common {
                let (u, v) = (x.bit(i), y.bit(i));
                if u != v {
                    return u.cmp(&v);
                }
            }
            x.len.cmp(&y.len)
        }
        (Fun(x), Fun(y)) => cmp_funs(x, y, exact),
        _ => a.type_rank().cmp(&b.type_rank()),
    }
}

/// Funs are equal when they come from the same fun expression with equal environments, or
/// name the same exported function.
fn cmp_funs(x: &Rc<Fun>, y: &Rc<Fun>, exact: bool) -> Ordering {
    if Rc::ptr_eq(x, y) {
        return Ordering::Equal;
    }
    match (&x.kind, &y.kind) {
        (
            FunKind::Local {
                module: m1,
                index: i1,
                env: e1,
            },
            FunKind::Local {
                module: m2,
                index: i2,
                env: e2,
            },
        ) => m1
            .name
            .name()
            .cmp(m2.name.name())
            .then(i1.cmp(i2))
            .then(e1.len().cmp(&e2.len()))
            .then_with(|| {
                for (a, b) in e1.iter().zip(e2.iter()) {
                    let o = cmp_terms(a, b, exact);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            }),
        (
            FunKind::External {
                module: m1,
                function: f1,
            },
            FunKind::External {
                module: m2,
                function: f2,
            },
        ) => m1
            .name()
            .cmp(m2.name())
            .then(f1.name().cmp(f2.name()))
            .then(x.arity.cmp(&y.arity)),
        (FunKind::Local { .. }, FunKind::External { .. }) => Ordering::Less,
        (FunKind::External { .. }, FunKind::Local { .. }) => Ordering::Greater,
    }
}

pub fn exact_eq(a: &Term, b: &Term) -> bool {
    match (a, b) {
        (Term::Int(x), Term::Int(y)) => x == y,
        (Term::Atom(x), Term::Atom(y)) => x == y,
        _ => cmp_terms(a, b, true) == Ordering::Equal,
    }
}

pub fn eq(a: &Term, b: &Term) -> bool {
    match (a, b) {
        (Term::Int(x), Term::Int(y)) => x == y,
        (Term::Atom(x), Term::Atom(y)) => x == y,
        _ => cmp_terms(a, b, false) == Ordering::Equal,
    }
}

pub fn is_zero(t: &Term) -> bool {
    match t {
        Term::Int(0) => true,
        Term::Big(b) => b.is_zero(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_order_follows_erlang() {
        let order = [
            Term::Int(1),
            Term::atom("a"),
            Term::Ref(1),
            Term::Pid(1),
            Term::tuple(vec![]),
            Term::Map(Rc::new(BTreeMap::new())),
            Term::Nil,
            Term::list(vec![Term::Int(1)]),
            Term::binary(vec![]),
        ];
        for w in order.windows(2) {
            assert_eq!(
                cmp_terms(&w[0], &w[1], false),
                Ordering::Less,
                "{:?} < {:?}",
                w[0],
                w[1]
            );
        }
    }

    #[test]
    fn term_is_two_words() {
        // Registers, cons cells and tuple slots are all terms: a fat pointer in any variant
        // (Rc<[Term]>, Rc<str>) would grow every one of them by half.
        assert_eq!(std::mem::size_of::<Term>(), 16);
    }

    #[test]
    fn int_and_float_equal_but_not_exact() {
        assert!(eq(&Term::Int(1), &Term::Float(1.0)));
        assert!(!exact_eq(&Term::Int(1), &Term::Float(1.0)));
    }

    #[test]
    fn long_list_drops_without_overflow() {
        let mut t = Term::Nil;
        for i in 0..2_000_000 {
            t = Term::cons(Term::Int(i), t);
        }
        drop(t);
    }

    #[test]
    fn long_list_behind_a_shared_tail_drops_without_overflow() {
        let mut long = Term::Nil;
        for i in 0..2_000_000 {
            long = Term::cons(Term::Int(i), long);
        }
        // The front cell is dropped while the tail is shared, then the last holder of the
        // tail (a million cells it owns alone) goes.
        let front = Term::cons(Term::Int(-1), long.clone());
        drop(front);
        let Term::Cons(c) = &long else {
            panic!("a cons")
        };
        assert_eq!(Rc::strong_count(c), 1);
        let front = Term::cons(Term::Int(-1), long);
        drop(front);
    }
}
