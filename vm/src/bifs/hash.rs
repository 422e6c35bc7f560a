//! `erlang:phash2/1,2` with OTP's exact values.
//!
//! OTP documents phash2 as portable and stable across releases and machines, and OTP code
//! relies on its values (`sets`, `proplists:get_keys/1` orders, sharding by `phash2(Key, N)`),
//! so the same term must hash to the same number here. The algorithm follows the
//! specification of ERTS' `make_hash2` (OTP 25: `erts/emulator/beam/utils.c`): Bob Jenkins'
//! 96-bit mix over 32-bit pieces of the term, one constant per kind of term
//! (`HCONST * k mod 2^32`), the atom table's hashpjw value for atoms, a block hash for
//! binaries, and an order-independent XOR of per-pair hashes for maps. Written here from that
//! description; the constants are OTP's.
//!
//! What cannot match: pids, references and local funs hash internal numbers (process
//! index, reference words, the fun's `old_uniq`) that our VM does not share with OTP; they
//! are hashed with the same shapes over our own numbers, so they are stable within a run.

use crate::term::{FunKind, Term};
use num_bigint::Sign;

/// The golden ratio, Jenkins' arbitrary start value; `HC[k]` is `HCONST * k mod 2^32`.
const HCONST: u32 = 0x9e37_79b9;
const fn hc(k: u32) -> u32 {
    HCONST.wrapping_mul(k)
}
const HCONST_2: u32 = hc(2);
const HCONST_3: u32 = hc(3);
const HCONST_4: u32 = hc(4);
const HCONST_5: u32 = hc(5);
const HCONST_7: u32 = hc(7);
const HCONST_9: u32 = hc(9);
const HCONST_10: u32 = hc(10);
const HCONST_11: u32 = hc(11);
const HCONST_12: u32 = hc(12);
const HCONST_13: u32 = hc(13);
const HCONST_14: u32 = hc(14);
const HCONST_15: u32 = hc(15);
const HCONST_16: u32 = hc(16);
const HCONST_19: u32 = hc(19);

/// ERTS' tag number for `[]` (`NIL_DEF`), mixed in when `[]` is not the first thing hashed.
const NIL_DEF: u32 = 0x2;
/// The value `[]` hashes to when it is the first thing hashed.
const NIL_FIRST: u32 = 3_468_870_702;

/// Bob Jenkins' 96-bit mix (lookup2), as ERTS uses it.
fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    let (mut x, mut y, mut z) = (*a, *b, *c);
    x = x.wrapping_sub(y).wrapping_sub(z) ^ (z >> 13);
    y = y.wrapping_sub(z).wrapping_sub(x) ^ (x << 8);
    z = z.wrapping_sub(x).wrapping_sub(y) ^ (y >> 13);
    x = x.wrapping_sub(y).wrapping_sub(z) ^ (z >> 12);
    y = y.wrapping_sub(z).wrapping_sub(x) ^ (x << 16);
    z = z.wrapping_sub(x).wrapping_sub(y) ^ (y >> 5);
    x = x.wrapping_sub(y).wrapping_sub(z) ^ (z >> 3);
    y = y.wrapping_sub(z).wrapping_sub(x) ^ (x << 10);
    z = z.wrapping_sub(x).wrapping_sub(y) ^ (y >> 15);
    (*a, *b, *c) = (x, y, z);
}

/// The running hash state of one `make_hash2` walk.
struct H {
    hash: u32,
    xor_pairs: u32,
}

impl H {
    fn u32_2(&mut self, x: u32, y: u32, k: u32) {
        let mut a = k.wrapping_add(x);
        let mut b = k.wrapping_add(y);
        mix(&mut a, &mut b, &mut self.hash);
    }
    fn u32_1(&mut self, x: u32, k: u32) {
        self.u32_2(x, 0, k)
    }
    /// Integers that fit in 28 signed bits.
    fn sint32(&mut self, y: i32) {
        if y < 0 {
            // OTP mixes negative numbers twice: once their magnitude, once themselves.
            self.u32_1(y.wrapping_neg() as u32, HCONST);
        }
        self.u32_1(y as u32, HCONST);
    }
    /// Larger integers: the magnitude in 64-bit digits, least significant first, each split
    /// into its low and high 32-bit halves (the same for a 64-bit small and for a bignum).
    fn magnitude(&mut self, negative: bool, digits: &[u64]) {
        let k = if negative { HCONST_10 } else { HCONST_11 };
        for d in digits {
            self.u32_2(*d as u32, (*d >> 32) as u32, k);
        }
    }
    fn int(&mut self, i: i64) {
        if (-(1 << 27)..(1 << 27)).contains(&i) {
            self.sint32(i as i32);
        } else {
            self.magnitude(i < 0, &[i.unsigned_abs()]);
        }
    }
    fn atom(&mut self, name: &str) {
        let v = atom_hash(name);
        if self.hash == 0 {
            // OTP takes the atom table's value unmixed when nothing was hashed before it.
            self.hash = v;
        } else {
            self.u32_1(v, HCONST_3);
        }
    }
}

/// The atom table's hash (hashpjw over the name's UTF-8 bytes, with two-byte sequences for
/// U+0080..U+00FF folded back to their latin1 byte so old latin1 atoms keep their value).
fn atom_hash(name: &str) -> u32 {
    let p = name.as_bytes();
    let mut h: u32 = 0;
    let mut i = 0;
    while i < p.len() {
        let mut v = p[i];
        i += 1;
        if i < p.len() && (v & 0xfe) == 0xc2 && (p[i] & 0xc0) == 0x80 {
            // ERTS keeps this in a byte, so the lead byte's high bits fall off.
            v = (v << 6) | (p[i] & 0x3f);
            i += 1;
        }
        h = (h << 4).wrapping_add(v as u32);
        let g = h & 0xf000_0000;
        if g != 0 {
            h ^= g >> 24;
            h ^= g;
        }
    }
    h
}

/// Jenkins' lookup2 block hash over whole bytes, `initval` the hash so far.
fn block_hash(k: &[u8], initval: u32) -> u32 {
    let word = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    let (mut a, mut b, mut c) = (HCONST, HCONST, initval);
    let mut chunks = k.chunks_exact(12);
    for ch in &mut chunks {
        a = a.wrapping_add(word(&ch[0..4]));
        b = b.wrapping_add(word(&ch[4..8]));
        c = c.wrapping_add(word(&ch[8..12]));
        mix(&mut a, &mut b, &mut c);
    }
    let rest = chunks.remainder();
    // The length goes into c's low byte, so the trailing bytes fill c from its second byte.
    c = c.wrapping_add(k.len() as u32);
    let mut tail = [0u8; 12];
    tail[..rest.len()].copy_from_slice(rest);
    a = a.wrapping_add(word(&tail[0..4]));
    b = b.wrapping_add(word(&tail[4..8]));
    c = c.wrapping_add(u32::from_le_bytes([0, tail[8], tail[9], tail[10]]));
    mix(&mut a, &mut b, &mut c);
    c
}

/// Work left on the explicit stack (a deep term must not recurse on the Rust stack).
enum Job<'a> {
    Term(&'a Term),
    /// End of a map: restore the enclosing hash and fold the pairs' XOR into it.
    MapTail {
        hash: u32,
        xor_pairs: u32,
    },
    /// End of one key/value pair: XOR its hash into the pairs' total.
    MapPair,
}

fn byte_of(t: &Term) -> Option<u8> {
    match t {
        Term::Int(i) if (0..=255).contains(i) => Some(*i as u8),
        _ => None,
    }
}

/// OTP's `make_hash2`: the full 32-bit hash of a term.
pub fn make_hash2(term: &Term) -> u32 {
    let mut h = H {
        hash: 0,
        xor_pairs: 0,
    };
    let mut stack: Vec<Job> = Vec::new();
    let mut cur: Option<&Term> = Some(term);
    loop {
        let Some(t) = cur.take() else {
            match stack.pop() {
                None => return h.hash,
                Some(Job::Term(t)) => cur = Some(t),
                Some(Job::MapTail { hash, xor_pairs }) => {
                    let pairs = h.xor_pairs;
                    h.hash = hash;
                    h.u32_1(pairs, HCONST_19);
                    h.xor_pairs = xor_pairs;
                }
                Some(Job::MapPair) => {
                    h.xor_pairs ^= h.hash;
                    h.hash = 0;
                }
            }
            continue;
        };
        match t {
            Term::Cons(_) => {
                // Runs of bytes (strings) are packed four to a 32-bit piece.
                let mut node = t;
                let (mut count, mut packed) = (0u32, 0u32);
                while let Term::Cons(c) = node {
                    let Some(b) = byte_of(&c.head) else { break };
                    packed = (packed << 8).wrapping_add(b as u32);
                    if count == 3 {
                        h.u32_1(packed, HCONST_4);
                        count = 0;
                        packed = 0;
                    } else {
                        count += 1;
                    }
                    node = &c.tail;
                }
                if count > 0 {
                    h.u32_1(packed, HCONST_4);
                }
                match node {
                    Term::Cons(c) => {
                        stack.push(Job::Term(&c.tail));
                        cur = Some(&c.head);
                    }
                    tail => cur = Some(tail),
                }
            }
            Term::Tuple(v) => {
                h.u32_1(v.len() as u32, HCONST_9);
                for x in v.iter().skip(1).rev() {
                    stack.push(Job::Term(x));
                }
                cur = v.first();
            }
            Term::Map(m) => {
                h.u32_1(m.len() as u32, HCONST_16);
                if !m.is_empty() {
                    stack.push(Job::MapTail {
                        hash: h.hash,
                        xor_pairs: h.xor_pairs,
                    });
                    h.hash = 0;
                    h.xor_pairs = 0;
                    for (k, v) in m.iter() {
                        stack.push(Job::MapPair);
                        stack.push(Job::Term(v));
                        stack.push(Job::Term(&k.0));
                    }
                }
            }
            Term::Fun(f) => match &f.kind {
                FunKind::External { module, function } => {
                    h.u32_2(f.arity as u32, atom_hash(module.name()), HCONST);
                    h.u32_1(atom_hash(function.name()), HCONST_14);
                }
                FunKind::Local { module, index, env } => {
                    // OTP's second pair is (index, old_uniq); we have no old_uniq.
                    h.u32_2(env.len() as u32, atom_hash(module.name.name()), HCONST);
                    h.u32_2(*index as u32, 0, HCONST);
                    for x in env.iter().skip(1).rev() {
                        stack.push(Job::Term(x));
                    }
                    cur = env.first();
                }
            },
            Term::Bin(b) => {
                let con = HCONST_13.wrapping_add(h.hash);
                if b.len == 0 {
                    h.hash = con;
                } else {
                    let bytes = b.to_bytes();
                    let whole = b.len / 8;
                    h.hash = block_hash(&bytes[..whole], con);
                    let rem = (b.len % 8) as u32;
                    if rem > 0 {
                        h.u32_2(rem, (bytes[whole] >> (8 - rem)) as u32, HCONST_15);
                    }
                }
            }
            Term::Big(big) => {
                let (sign, digits) = big.to_u64_digits();
                h.magnitude(sign == Sign::Minus, &digits);
            }
            Term::Int(i) => h.int(*i),
            Term::Float(f) => {
                // -0.0 hashes as 0.0 (they compare equal with ==).
                let bits = if *f == 0.0 { 0 } else { f.to_bits() };
                h.u32_2((bits >> 32) as u32, bits as u32, HCONST_12);
            }
            Term::Atom(a) => h.atom(a.name()),
            Term::Nil => {
                if h.hash == 0 {
                    h.hash = NIL_FIRST;
                } else {
                    h.u32_1(NIL_DEF, HCONST_2);
                }
            }
            Term::Pid(p) => h.u32_1(*p as u32, HCONST_5),
            Term::Ref(r) => h.u32_1(*r as u32, HCONST_7),
        }
    }
}

/// `erlang:phash2/1`: 27 bits of the hash.
pub fn phash2(t: &Term) -> i64 {
    (make_hash2(t) & ((1 << 27) - 1)) as i64
}

/// `erlang:phash2/2`: the hash modulo `range` (1..=2^32; OTP raises `badarg` otherwise).
pub fn phash2_range(t: &Term, range: &Term) -> Option<i64> {
    match range {
        Term::Int(r) if (1..=1 << 32).contains(r) => Some((make_hash2(t) as i64) % r),
        _ => None,
    }
}
