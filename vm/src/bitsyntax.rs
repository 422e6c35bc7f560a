//! Bit-level building and reading for the bit syntax: integers of any size and endianness,
//! floats, sub-bitstrings (shared, not copied) and UTF-8/16/32 code points.

use crate::term::{Bits, Term};
use num_bigint::{BigInt, Sign};
use std::rc::Rc;

/// Accumulates a bitstring under construction.
#[derive(Default)]
pub struct BitBuilder {
    pub bytes: Vec<u8>,
    pub bits: usize,
}

impl BitBuilder {
    pub fn push_bit(&mut self, b: u8) {
        if self.bits.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if b != 0 {
            let i = self.bits / 8;
            self.bytes[i] |= 0x80 >> (self.bits % 8);
        }
        self.bits += 1;
    }

    pub fn push_bytes(&mut self, b: &[u8]) {
        if self.bits.is_multiple_of(8) {
            self.bytes.extend_from_slice(b);
            self.bits += b.len() * 8;
        } else {
            for &x in b {
                for k in 0..8 {
                    self.push_bit((x >> (7 - k)) & 1);
                }
            }
        }
    }

    pub fn push_bits(&mut self, src: &Bits) {
        crate::term::count_copy(src.byte_len());
        if let Some(s) = src.aligned() {
            self.push_bytes(s);
            return;
        }
        for i in 0..src.len {
            self.push_bit(src.bit(i));
        }
    }

    /// Appends `size` bits of integer `v` (two's complement), big or little endian.
    pub fn push_int(&mut self, v: &BigInt, size: usize, little: bool) {
        if size == 0 {
            return;
        }
        let nbytes = size.div_ceil(8);
        // Two's complement little-endian bytes of v, sign-extended to nbytes.
        let mut le = v.to_signed_bytes_le();
        let fill = if v.sign() == Sign::Minus { 0xff } else { 0 };
        le.resize(nbytes.max(le.len()), fill);
        le.truncate(nbytes);
        if little && size.is_multiple_of(8) {
            self.push_bytes(&le);
            return;
        }
        if little {
            // Little-endian with a partial byte: OTP stores the low bytes first and the final
            // partial byte holds the top bits.
            let full = size / 8;
            let rem = size % 8;
            self.push_bytes(&le[..full]);
            let last = le[full];
            for k in (0..rem).rev() {
                self.push_bit((last >> k) & 1);
            }
            return;
        }
        // Big endian: the low `size` bits, most significant first.
        for i in (0..size).rev() {
            let byte = le.get(i / 8).copied().unwrap_or(fill);
            self.push_bit((byte >> (i % 8)) & 1);
        }
    }

    pub fn push_small(&mut self, v: i64, size: usize, little: bool) {
        if !little && size <= 64 && self.bits.is_multiple_of(8) && size.is_multiple_of(8) {
            let n = size / 8;
            let bytes = (v as u64).to_be_bytes();
            self.push_bytes(&bytes[8 - n..]);
            return;
        }
        if size <= 64 && !little {
            for i in (0..size).rev() {
                let bit = if i >= 64 {
                    (v < 0) as u8
                } else {
                    ((v >> i) & 1) as u8
                };
                self.push_bit(bit);
            }
            return;
        }
        self.push_int(&BigInt::from(v), size, little);
    }

    pub fn finish(self) -> Term {
        Term::bitstring(self.bytes, self.bits)
    }
}

/// Reads `size` bits at bit offset `off` of `b` as an integer.
pub fn read_int(b: &Bits, off: usize, size: usize, signed: bool, little: bool) -> Term {
    if size == 0 {
        return Term::Int(0);
    }
    if size <= 63 && !little {
        let mut v: u64 = 0;
        let p = b.off + off;
        if p.is_multiple_of(8) && size.is_multiple_of(8) {
            for k in 0..size / 8 {
                v = (v << 8) | b.data[p / 8 + k] as u64;
            }
        } else {
            for i in 0..size {
                v = (v << 1) | b.bit(off + i) as u64;
            }
        }
        let mut r = v as i64;
        if signed && (v >> (size - 1)) & 1 == 1 {
            r -= 1i64 << size;
        }
        return Term::Int(r);
    }
    // General path: collect bits big-endian into bytes, reorder for little endian.
    let mut bytes_be: Vec<u8> = Vec::with_capacity(size.div_ceil(8));
    if little {
        let full = size / 8;
        let rem = size % 8;
        let mut le: Vec<u8> = Vec::new();
        for k in 0..full {
            let mut x = 0u8;
            for j in 0..8 {
                x = (x << 1) | b.bit(off + k * 8 + j);
            }
            le.push(x);
        }
        if rem > 0 {
            let mut x = 0u8;
            for j in 0..rem {
                x = (x << 1) | b.bit(off + full * 8 + j);
            }
            le.push(x);
        }
        let mag = num_bigint::BigUint::from_bytes_le(&le);
        let v = BigInt::from(mag);
        return sign_adjust(v, size, signed);
    }
    // Big endian: left-pad to whole bytes.
    let pad = (8 - size % 8) % 8;
    let mut acc = 0u8;
    let mut n = pad;
    for i in 0..size {
        acc = (acc << 1) | b.bit(off + i);
        n += 1;
        if n == 8 {
            bytes_be.push(acc);
            acc = 0;
            n = 0;
        }
    }
    let v = BigInt::from(num_bigint::BigUint::from_bytes_be(&bytes_be));
    sign_adjust(v, size, signed)
}

fn sign_adjust(v: BigInt, size: usize, signed: bool) -> Term {
    if signed && v.bit(size as u64 - 1) {
        Term::big(v - (BigInt::from(1) << size))
    } else {
        Term::big(v)
    }
}

/// A shared sub-bitstring of `b` (no bytes copied).
pub fn sub(b: &Bits, off: usize, len: usize) -> Term {
    Term::Bin(Rc::new(Bits {
        data: b.data.clone(),
        off: b.off + off,
        len,
    }))
}

pub fn read_bytes(b: &Bits, off: usize, n: usize) -> Vec<u8> {
    let p = b.off + off;
    if p.is_multiple_of(8) {
        return b.data[p / 8..p / 8 + n].to_vec();
    }
    (0..n)
        .map(|k| {
            let mut x = 0u8;
            for j in 0..8 {
                x = (x << 1) | b.bit(off + k * 8 + j);
            }
            x
        })
        .collect()
}

pub fn encode_utf16(c: u32, little: bool) -> Vec<u8> {
    let mut units = [0u16; 2];
    let ch = char::from_u32(c).unwrap_or('\u{fffd}');
    let s = ch.encode_utf16(&mut units);
    let mut out = Vec::new();
    for u in s.iter() {
        if little {
            out.extend_from_slice(&u.to_le_bytes());
        } else {
            out.extend_from_slice(&u.to_be_bytes());
        }
    }
    out
}

/// Decodes one UTF-8 code point at bit offset `off`; returns (code point, bits used).
pub fn decode_utf8(b: &Bits, off: usize) -> Option<(u32, usize)> {
    let avail = (b.len - off) / 8;
    if avail == 0 {
        return None;
    }
    let first = read_bytes(b, off, 1)[0];
    let n = match first {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    if avail < n {
        return None;
    }
    let bytes = read_bytes(b, off, n);
    let s = std::str::from_utf8(&bytes).ok()?;
    let c = s.chars().next()?;
    Some((c as u32, n * 8))
}

pub fn decode_utf16(b: &Bits, off: usize, little: bool) -> Option<(u32, usize)> {
    let rd = |o: usize| -> Option<u16> {
        if b.len < o + 16 {
            return None;
        }
        let x = read_bytes(b, o, 2);
        Some(if little {
            u16::from_le_bytes([x[0], x[1]])
        } else {
            u16::from_be_bytes([x[0], x[1]])
        })
    };
    let u = rd(off)?;
    if (0xd800..0xdc00).contains(&u) {
        let l = rd(off + 16)?;
        if !(0xdc00..0xe000).contains(&l) {
            return None;
        }
        let c = 0x10000 + (((u as u32) - 0xd800) << 10) + ((l as u32) - 0xdc00);
        return Some((c, 32));
    }
    if (0xdc00..0xe000).contains(&u) {
        return None;
    }
    Some((u as u32, 16))
}

/// The IEEE 754 half-precision bits of `f`, rounded to nearest (ties to even) as OTP does for
/// a 16-bit float segment: past 65,504 a value rounds to infinity, below 2^-14 it becomes
/// subnormal, below 2^-25 zero.
pub fn f64_to_f16(f: f64) -> u16 {
    let bits = f.to_bits();
    let sign = ((bits >> 48) & 0x8000) as u16;
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    if exp == 0x7ff {
        return sign | 0x7c00 | if frac != 0 { 0x200 } else { 0 };
    }
    // The significand with its implicit bit (none for f64 subnormals, far below half's range).
    let sig = if exp == 0 { frac } else { frac | (1 << 52) };
    // Half's exponent field for this value if it were normal.
    let e = exp - 1023 + 15;
    // Bits to drop from the 53-bit significand: 42 for a normal half, more below its range.
    let drop = if e >= 1 { 42 } else { 42 + (1 - e) };
    if drop >= 64 {
        return sign;
    }
    let kept = sig >> drop;
    let rest = sig & ((1u64 << drop) - 1);
    let half = 1u64 << (drop - 1);
    let rounded = kept + u64::from(rest > half || (rest == half && kept & 1 == 1));
    if e >= 1 {
        // `rounded` is 1.xxx with 10 fraction bits; a carry out moves to the next exponent.
        let (m, e) = if rounded >> 11 != 0 {
            (rounded >> 1, e + 1)
        } else {
            (rounded, e)
        };
        if e >= 31 {
            return sign | 0x7c00;
        }
        sign | ((e as u16) << 10) | (m as u16 & 0x3ff)
    } else {
        // Subnormal: the rounded value's bits are the encoding (0x400 is the smallest normal).
        sign | rounded as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_round_trips_at_odd_sizes() {
        for &(v, size, signed) in &[
            (5i64, 3usize, false),
            (-3, 5, true),
            (1000, 12, false),
            (-1, 70, true),
        ] {
            let mut bb = BitBuilder::default();
            bb.push_int(&BigInt::from(v), size, false);
            let t = bb.finish();
            let Term::Bin(b) = t else { panic!() };
            assert_eq!(b.len, size);
            let r = read_int(&b, 0, size, signed, false);
            assert!(crate::term::exact_eq(&r, &Term::Int(v)), "{v} {size}");
        }
    }

    #[test]
    fn little_endian_bytes() {
        let mut bb = BitBuilder::default();
        bb.push_int(&BigInt::from(0x0102), 16, true);
        assert_eq!(bb.bytes, vec![2, 1]);
    }

    #[test]
    fn half_floats_round_to_nearest_even() {
        for (f, h) in [
            (1.0, 0x3c00u16),
            (-0.25, 0xb400),
            (0.1, 0x2e66),
            (65504.0, 0x7bff),
            (65519.0, 0x7bff),
            (65520.0, 0x7c00),
            (65535.0, 0x7c00),
            (1.0e300, 0x7c00),
            (-1.0e300, 0xfc00),
            (2049.0, 0x6800),
            (2051.0, 0x6802),
            (2.0f64.powi(-14), 0x0400),
            (2.0f64.powi(-24), 0x0001),
            (2.0f64.powi(-25), 0x0000),
            (1.5 * 2.0f64.powi(-25), 0x0001),
            (2.0f64.powi(-14) - 2.0f64.powi(-25), 0x0400),
            (-0.0, 0x8000),
            (0.0, 0x0000),
        ] {
            assert_eq!(f64_to_f16(f), h, "{f}: {:#06x} for {h:#06x}", f64_to_f16(f));
        }
    }
}
