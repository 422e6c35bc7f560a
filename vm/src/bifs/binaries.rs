//! The `binary` module's native functions and `split_binary`. Parts and splits return
//! sub-binaries that share the original bytes.

use super::{int_arg, list_arg, usize_arg, Table};
use crate::bitsyntax;
use crate::interp::{badarg, Ctl, Res};
use crate::term::{Bits, Term};
use num_bigint::{BigInt, Sign};
use std::rc::Rc;

fn bin(t: &Term) -> Result<&Rc<Bits>, Ctl> {
    match t {
        Term::Bin(b) if b.is_binary() => Ok(b),
        _ => Err(badarg()),
    }
}

/// The bytes of a binary argument, borrowed when byte-aligned (reading copies nothing).
fn bytes(t: &Term) -> Result<std::borrow::Cow<'_, [u8]>, Ctl> {
    let b = bin(t)?;
    Ok(match b.aligned() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(b.to_bytes()),
    })
}

/// A shared slice of `b`, in bytes.
fn part(b: &Rc<Bits>, start: usize, len: usize) -> Term {
    bitsyntax::sub(b, start * 8, len * 8)
}

fn part_args(b: &Rc<Bits>, pos: &Term, len: &Term) -> Result<(usize, usize), Ctl> {
    let size = (b.len / 8) as i64;
    let (p, l) = (int_arg(pos)?, int_arg(len)?);
    let Some(end) = p.checked_add(l) else {
        return Err(badarg());
    };
    let (s, e) = if l >= 0 { (p, end) } else { (end, p) };
    if s < 0 || e > size {
        return Err(badarg());
    }
    Ok((s as usize, (e - s) as usize))
}

/// Patterns for split/match: one binary or a list of binaries.
fn patterns(t: &Term) -> Result<Vec<Vec<u8>>, Ctl> {
    let v = match t {
        Term::Bin(_) => vec![bytes(t)?.into_owned()],
        Term::Cons(_) => list_arg(t)?
            .iter()
            .map(|x| bytes(x).map(|b| b.into_owned()))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(badarg()),
    };
    if v.is_empty() || v.iter().any(|p| p.is_empty()) {
        return Err(badarg());
    }
    Ok(v)
}

/// First (leftmost, then longest) match of any pattern in `h` at or after `from`.
fn find(h: &[u8], pats: &[Vec<u8>], from: usize, limit: usize) -> Option<(usize, usize)> {
    for i in from..limit {
        let mut best: Option<usize> = None;
        for p in pats {
            if i + p.len() <= limit
                && &h[i..i + p.len()] == p.as_slice()
                && best.map(|b| p.len() > b).unwrap_or(true)
            {
                best = Some(p.len());
            }
        }
        if let Some(l) = best {
            return Some((i, l));
        }
    }
    None
}

struct Opts {
    global: bool,
    trim: bool,
    trim_all: bool,
    scope: Option<(usize, usize)>,
}

fn opts(t: Option<&Term>, size: usize) -> Result<Opts, Ctl> {
    let mut o = Opts {
        global: false,
        trim: false,
        trim_all: false,
        scope: None,
    };
    if let Some(t) = t {
        for x in list_arg(t)? {
            match &x {
                Term::Atom(a) if a.name() == "global" => o.global = true,
                Term::Atom(a) if a.name() == "trim" => o.trim = true,
                Term::Atom(a) if a.name() == "trim_all" => o.trim_all = true,
                Term::Tuple(tp)
                    if tp.len() == 2 && tp[0].is_atom(crate::atom::Atom::intern("scope")) =>
                {
                    match &tp[1] {
                        Term::Tuple(sc) if sc.len() == 2 => {
                            let (p, l) = (int_arg(&sc[0])?, int_arg(&sc[1])?);
                            let (s, e) = if l >= 0 { (p, p + l) } else { (p + l, p) };
                            if s < 0 || e as usize > size {
                                return Err(badarg());
                            }
                            o.scope = Some((s as usize, e as usize));
                        }
                        _ => return Err(badarg()),
                    }
                }
                _ => return Err(badarg()),
            }
        }
    }
    Ok(o)
}

fn split(a: &[Term]) -> Res {
    let b = bin(&a[0])?.clone();
    let h = b.to_bytes();
    let pats = patterns(&a[1])?;
    let o = opts(a.get(2), h.len())?;
    let (lo, hi) = o.scope.unwrap_or((0, h.len()));
    let mut parts = Vec::new();
    let mut start = 0;
    let mut from = lo;
    while let Some((i, l)) = find(&h, &pats, from, hi) {
        parts.push(part(&b, start, i - start));
        start = i + l;
        from = start;
        if !o.global {
            break;
        }
    }
    parts.push(part(&b, start, h.len() - start));
    if o.trim_all {
        parts.retain(|p| !matches!(p, Term::Bin(x) if x.len == 0));
    } else if o.trim {
        while matches!(parts.last(), Some(Term::Bin(x)) if x.len == 0) {
            parts.pop();
        }
    }
    Ok(Term::list(parts))
}

fn matches(a: &[Term], all: bool) -> Res {
    let h = bytes(&a[0])?;
    let pats = patterns(&a[1])?;
    let o = opts(a.get(2), h.len())?;
    let (lo, hi) = o.scope.unwrap_or((0, h.len()));
    let mut out = Vec::new();
    let mut from = lo;
    while let Some((i, l)) = find(&h, &pats, from, hi) {
        out.push(Term::tuple(vec![Term::Int(i as i64), Term::Int(l as i64)]));
        from = i + l;
        if !all {
            return Ok(out.pop().unwrap_or(Term::atom("nomatch")));
        }
    }
    if !all {
        return Ok(Term::atom("nomatch"));
    }
    Ok(Term::list(out))
}

fn replace(a: &[Term]) -> Res {
    let b = bin(&a[0])?.clone();
    let h = b.to_bytes();
    let pats = patterns(&a[1])?;
    let rep = bytes(&a[2])?;
    let mut global = false;
    if let Some(o) = a.get(3) {
        for x in list_arg(o)? {
            match &x {
                Term::Atom(at) if at.name() == "global" => global = true,
                Term::Tuple(t)
                    if t.len() == 2 && t[0].is_atom(crate::atom::Atom::intern("scope")) => {}
                _ => return Err(badarg()),
            }
        }
    }
    let mut out = Vec::with_capacity(h.len());
    let mut from = 0;
    while let Some((i, l)) = find(&h, &pats, from, h.len()) {
        out.extend_from_slice(&h[from..i]);
        out.extend_from_slice(&rep);
        from = i + l;
        if !global {
            break;
        }
    }
    out.extend_from_slice(&h[from..]);
    Ok(Term::binary(out))
}

fn endian_little(t: Option<&Term>) -> Result<bool, Ctl> {
    match t {
        None => Ok(false),
        Some(Term::Atom(a)) if a.name() == "big" => Ok(false),
        Some(Term::Atom(a)) if a.name() == "little" => Ok(true),
        _ => Err(badarg()),
    }
}

pub fn register(t: &mut Table) {
    t.insert(("erlang", "split_binary", 2), |_, a| {
        let b = bin(&a[0])?;
        let n = usize_arg(&a[1])?;
        if n.checked_mul(8).is_none_or(|bits| bits > b.len) {
            return Err(badarg());
        }
        Ok(Term::tuple(vec![part(b, 0, n), part(b, n, b.len / 8 - n)]))
    });
    t.insert(("binary", "part", 2), |_, a| {
        let b = bin(&a[0])?;
        let Term::Tuple(pl) = &a[1] else {
            return Err(badarg());
        };
        if pl.len() != 2 {
            return Err(badarg());
        }
        let (s, l) = part_args(b, &pl[0], &pl[1])?;
        Ok(part(b, s, l))
    });
    t.insert(("binary", "part", 3), |_, a| {
        let b = bin(&a[0])?;
        let (s, l) = part_args(b, &a[1], &a[2])?;
        Ok(part(b, s, l))
    });
    t.insert(("erlang", "binary_part", 2), |_, a| {
        let b = bin(&a[0])?;
        let Term::Tuple(pl) = &a[1] else {
            return Err(badarg());
        };
        if pl.len() != 2 {
            return Err(badarg());
        }
        let (s, l) = part_args(b, &pl[0], &pl[1])?;
        Ok(part(b, s, l))
    });
    t.insert(("erlang", "binary_part", 3), |_, a| {
        let b = bin(&a[0])?;
        let (s, l) = part_args(b, &a[1], &a[2])?;
        Ok(part(b, s, l))
    });
    t.insert(("binary", "split", 2), |_, a| split(a));
    t.insert(("binary", "split", 3), |_, a| split(a));
    t.insert(("binary", "match", 2), |_, a| matches(a, false));
    t.insert(("binary", "match", 3), |_, a| matches(a, false));
    t.insert(("binary", "matches", 2), |_, a| matches(a, true));
    t.insert(("binary", "matches", 3), |_, a| matches(a, true));
    t.insert(("binary", "replace", 3), |_, a| replace(a));
    t.insert(("binary", "replace", 4), |_, a| replace(a));
    t.insert(("binary", "copy", 1), |_, a| {
        let b = bytes(&a[0])?;
        crate::term::count_copy(b.len());
        Ok(Term::binary(b.into_owned()))
    });
    t.insert(("binary", "copy", 2), |_, a| {
        let b = bytes(&a[0])?;
        let n = usize_arg(&a[1])?;
        if b.len().saturating_mul(n) > 1 << 31 {
            return Err(badarg());
        }
        Ok(Term::binary(b.repeat(n)))
    });
    t.insert(("binary", "decode_unsigned", 1), |_, a| {
        Ok(Term::big(BigInt::from_bytes_be(Sign::Plus, &bytes(&a[0])?)))
    });
    t.insert(("binary", "decode_unsigned", 2), |_, a| {
        let b = bytes(&a[0])?;
        Ok(Term::big(if endian_little(Some(&a[1]))? {
            BigInt::from_bytes_le(Sign::Plus, &b)
        } else {
            BigInt::from_bytes_be(Sign::Plus, &b)
        }))
    });
    fn encode_unsigned(a: &[Term]) -> Res {
        let v = a[0].to_bigint().ok_or_else(badarg)?;
        if v.sign() == Sign::Minus {
            return Err(badarg());
        }
        let little = endian_little(a.get(1))?;
        let (_, mut b) = v.to_bytes_be();
        if b.is_empty() {
            b.push(0);
        }
        if little {
            b.reverse();
        }
        Ok(Term::binary(b))
    }
    t.insert(("binary", "encode_unsigned", 1), |_, a| encode_unsigned(a));
    t.insert(("binary", "encode_unsigned", 2), |_, a| encode_unsigned(a));
    t.insert(("binary", "at", 2), |_, a| {
        let b = bytes(&a[0])?;
        let i = usize_arg(&a[1])?;
        b.get(i).map(|x| Term::Int(*x as i64)).ok_or_else(badarg)
    });
    t.insert(("binary", "first", 1), |_, a| {
        bytes(&a[0])?
            .first()
            .map(|x| Term::Int(*x as i64))
            .ok_or_else(badarg)
    });
    t.insert(("binary", "last", 1), |_, a| {
        bytes(&a[0])?
            .last()
            .map(|x| Term::Int(*x as i64))
            .ok_or_else(badarg)
    });
    t.insert(("binary", "bin_to_list", 1), |_, a| {
        Ok(Term::list(
            bytes(&a[0])?.iter().map(|x| Term::Int(*x as i64)).collect(),
        ))
    });
    fn bin_to_list_part(a: &[Term], s: &Term, l: &Term) -> Res {
        let b = bin(&a[0])?;
        let (s, l) = part_args(b, s, l)?;
        let v = b.to_bytes();
        Ok(Term::list(
            v[s..s + l].iter().map(|x| Term::Int(*x as i64)).collect(),
        ))
    }
    t.insert(("binary", "bin_to_list", 2), |_, a| {
        let Term::Tuple(pl) = &a[1] else {
            return Err(badarg());
        };
        if pl.len() != 2 {
            return Err(badarg());
        }
        bin_to_list_part(a, &pl[0], &pl[1])
    });
    t.insert(("binary", "bin_to_list", 3), |_, a| {
        bin_to_list_part(a, &a[1], &a[2])
    });
    t.insert(("binary", "list_to_bin", 1), |_, a| {
        if !a[0].is_list() {
            return Err(badarg());
        }
        Ok(Term::binary(
            super::conv::iolist_to_bytes(&a[0]).ok_or_else(badarg)?,
        ))
    });
    t.insert(("binary", "referenced_byte_size", 1), |_, a| {
        let b = bin(&a[0])?;
        // Binaries up to 64 bytes live on the process heap in OTP: slicing one copies it.
        let n = if b.data.len() > 64 {
            b.data.len()
        } else {
            b.len / 8
        };
        Ok(Term::Int(n as i64))
    });
    t.insert(("binary", "longest_common_prefix", 1), |_, a| {
        let bs = list_arg(&a[0])?
            .iter()
            .map(|x| bytes(x).map(|b| b.into_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        if bs.is_empty() {
            return Err(badarg());
        }
        let mut n = 0;
        'outer: while let Some(c) = bs[0].get(n) {
            for b in &bs[1..] {
                if b.get(n) != Some(c) {
                    break 'outer;
                }
            }
            n += 1;
        }
        Ok(Term::Int(n as i64))
    });
}
