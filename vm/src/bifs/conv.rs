//! Conversions between terms and text or bytes: atoms, integers, floats, lists, binaries,
//! iolists and chardata, and the external term format (`term_to_binary`, byte-identical to
//! OTP 25's default encoding).

use super::{atom_arg, int_arg, list_arg, Table};
use crate::atom::{self, Atom};
use crate::fmt;
use crate::interp::{badarg, Ctl, Res};
use crate::term::{Bits, MapKey, Term};
use num_bigint::{BigInt, Sign};
use num_traits::Num;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Flattens an iolist (bytes, binaries, nested lists, binary tail) into bytes.
pub fn iolist_to_bytes(t: &Term) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    fn go(t: &Term, out: &mut Vec<u8>, depth: usize) -> Option<()> {
        if depth > 100_000 {
            return None;
        }
        let mut c = t;
        loop {
            match c {
                Term::Nil => return Some(()),
                Term::Bin(b) => {
                    out.extend_from_slice(&b.aligned().map(|s| s.to_vec()).or_else(|| {
                        if b.is_binary() {
                            Some(b.to_bytes())
                        } else {
                            None
                        }
                    })?);
                    return Some(());
                }
                Term::Cons(x) => {
                    match &x.head {
                        Term::Int(i) if (0..=255).contains(i) => out.push(*i as u8),
                        h @ (Term::Cons(_) | Term::Nil | Term::Bin(_)) => go(h, out, depth + 1)?,
                        _ => return None,
                    }
                    c = &x.tail;
                }
                _ => return None,
            }
        }
    }
    go(t, &mut out, 0)?;
    Some(out)
}

/// Flattens chardata (code points, UTF-8 binaries, nested lists) into UTF-8 bytes.
pub fn chardata_to_bytes(t: &Term) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    fn go(t: &Term, out: &mut Vec<u8>, depth: usize) -> Option<()> {
        if depth > 100_000 {
            return None;
        }
        let mut c = t;
        loop {
            match c {
                Term::Nil => return Some(()),
                Term::Bin(b) if b.is_binary() => {
                    out.extend_from_slice(&b.to_bytes());
                    return Some(());
                }
                Term::Cons(x) => {
                    match &x.head {
                        Term::Int(i) if *i >= 0 => {
                            let ch = char::from_u32(*i as u32)?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        h @ (Term::Cons(_) | Term::Nil | Term::Bin(_)) => go(h, out, depth + 1)?,
                        _ => return None,
                    }
                    c = &x.tail;
                }
                _ => return None,
            }
        }
    }
    go(t, &mut out, 0)?;
    Some(out)
}

fn is_latin1(enc: &Term) -> Result<bool, Ctl> {
    match enc {
        Term::Atom(a) => match a.name() {
            "latin1" => Ok(true),
            "unicode" | "utf8" => Ok(false),
            _ => Err(badarg()),
        },
        _ => Err(badarg()),
    }
}

/// Code points of chardata; binaries are decoded as UTF-8, or as bytes when `latin1`.
fn code_points(t: &Term, latin1: bool, out: &mut Vec<u32>, depth: usize) -> Option<()> {
    if depth > 100_000 {
        return None;
    }
    let mut c = t;
    loop {
        match c {
            Term::Nil => return Some(()),
            Term::Bin(b) if b.is_binary() => {
                let bytes = b.to_bytes();
                if latin1 {
                    out.extend(bytes.iter().map(|&x| x as u32));
                } else {
                    out.extend(
                        std::str::from_utf8(&bytes)
                            .ok()?
                            .chars()
                            .map(|ch| ch as u32),
                    );
                }
                return Some(());
            }
            Term::Cons(x) => {
                match &x.head {
                    Term::Int(i) if (0..=0x10ffff).contains(i) => out.push(*i as u32),
                    h @ (Term::Cons(_) | Term::Nil | Term::Bin(_)) => {
                        code_points(h, latin1, out, depth + 1)?
                    }
                    _ => return None,
                }
                c = &x.tail;
            }
            _ => return None,
        }
    }
}

fn chars_to_binary(data: &Term, in_enc: &Term, out_enc: &Term) -> Res {
    let mut cps = Vec::new();
    code_points(data, is_latin1(in_enc)?, &mut cps, 0).ok_or_else(badarg)?;
    if is_latin1(out_enc)? {
        let bytes: Option<Vec<u8>> = cps
            .iter()
            .map(|&c| if c < 256 { Some(c as u8) } else { None })
            .collect();
        return bytes.map(Term::binary).ok_or_else(badarg);
    }
    let s: Option<String> = cps.iter().map(|&c| char::from_u32(c)).collect();
    Ok(Term::binary(s.ok_or_else(badarg)?.into_bytes()))
}

/// What `io:put_chars` writes on OTP's `-noshell` standard output, whose encoding is latin1:
/// binaries are UTF-8 text, characters below 256 are one byte each, others are written as
/// `\x{HEX}`.
pub fn chardata_to_output(t: &Term) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    fn put(c: u32, out: &mut Vec<u8>) {
        if c < 256 {
            out.push(c as u8);
        } else {
            out.extend_from_slice(format!("\\x{{{:X}}}", c).as_bytes());
        }
    }
    fn go(t: &Term, out: &mut Vec<u8>, depth: usize) -> Option<()> {
        if depth > 100_000 {
            return None;
        }
        let mut c = t;
        loop {
            match c {
                Term::Nil => return Some(()),
                Term::Bin(b) if b.is_binary() => {
                    let bytes = b.to_bytes();
                    match std::str::from_utf8(&bytes) {
                        Ok(s) => s.chars().for_each(|ch| put(ch as u32, out)),
                        Err(_) => out.extend_from_slice(&bytes),
                    }
                    return Some(());
                }
                Term::Cons(x) => {
                    match &x.head {
                        Term::Int(i) if (0..=0x10ffff).contains(i) => put(*i as u32, out),
                        h @ (Term::Cons(_) | Term::Nil | Term::Bin(_)) => go(h, out, depth + 1)?,
                        _ => return None,
                    }
                    c = &x.tail;
                }
                _ => return None,
            }
        }
    }
    go(t, &mut out, 0)?;
    Some(out)
}

fn text_arg(t: &Term) -> Result<String, Ctl> {
    t.as_string().ok_or_else(badarg)
}

fn bin_arg(t: &Term) -> Result<Vec<u8>, Ctl> {
    match t {
        Term::Bin(b) if b.is_binary() => Ok(b.to_bytes()),
        _ => Err(badarg()),
    }
}

fn parse_int(s: &str, base: u32) -> Result<Term, Ctl> {
    if !(2..=36).contains(&base) {
        return Err(badarg());
    }
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(base)) {
        return Err(badarg());
    }
    let v = BigInt::from_str_radix(digits, base).map_err(|_| badarg())?;
    Ok(Term::big(if neg { -v } else { v }))
}

fn int_to_string(t: &Term, base: u32) -> Result<String, Ctl> {
    if !(2..=36).contains(&base) {
        return Err(badarg());
    }
    let b = t.to_bigint().ok_or_else(badarg)?;
    Ok(b.to_str_radix(base).to_uppercase())
}

/// Parses an Erlang float literal as `list_to_float` accepts it ("1.5", "1.0e10", not "1").
fn parse_float(s: &str) -> Result<f64, Ctl> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == ds || i >= b.len() || b[i] != b'.' {
        return Err(badarg());
    }
    i += 1;
    let fs = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == fs {
        return Err(badarg());
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es {
            return Err(badarg());
        }
    }
    if i != b.len() {
        return Err(badarg());
    }
    let f: f64 = s.parse().map_err(|_| badarg())?;
    if f.is_finite() {
        Ok(f)
    } else {
        Err(badarg())
    }
}

/// `float_to_list/2` options.
fn float_text(f: f64, opts: &Term) -> Result<String, Ctl> {
    let opts = list_arg(opts)?;
    let mut compact = false;
    let mut mode: Option<(bool, usize)> = None;
    let mut short = false;
    for o in &opts {
        match o {
            Term::Atom(a) if a.name() == "compact" => compact = true,
            Term::Atom(a) if a.name() == "short" => short = true,
            Term::Tuple(t) if t.len() == 2 => {
                let n = int_arg(&t[1])?;
                match (&t[0], n) {
                    (Term::Atom(a), 0..=253) if a.name() == "decimals" => {
                        mode = Some((false, n as usize))
                    }
                    (Term::Atom(a), 0..=249) if a.name() == "scientific" => {
                        mode = Some((true, n as usize))
                    }
                    _ => return Err(badarg()),
                }
            }
            _ => return Err(badarg()),
        }
    }
    if short && mode.is_none() {
        return Ok(fmt::float_short(f));
    }
    Ok(match mode {
        Some((true, n)) => fmt::float_scientific(f, n),
        Some((false, n)) => fmt::float_decimals(f, n, compact),
        None => fmt::float_scientific(f, 20),
    })
}

fn float_of(t: &Term) -> Result<f64, Ctl> {
    match t {
        Term::Float(f) => Ok(*f),
        _ => Err(badarg()),
    }
}

fn bytes_to_list(b: &[u8]) -> Term {
    Term::list(b.iter().map(|x| Term::Int(*x as i64)).collect())
}

fn atom_from_text(s: &str) -> Result<Term, Ctl> {
    if s.chars().count() > 255 {
        return Err(crate::interp::error(Term::Atom(atom::SYSTEM_LIMIT)));
    }
    Ok(Term::Atom(intern_cached(s)))
}

/// `Atom::intern` through a per-thread cache: the shared table takes a lock and SipHashes
/// the name, and `list_to_atom`/`binary_to_atom` run in loops (Estone's `bif_dispatch`,
/// protocol parsers turning the same few names into atoms). Atoms are never removed, so a
/// cached entry stays right; the cache is emptied when it grows past `CAP` names.
fn intern_cached(s: &str) -> Atom {
    const CAP: usize = 4096;
    thread_local! {
        static CACHE: std::cell::RefCell<rustc_hash::FxHashMap<Box<str>, Atom>> =
            std::cell::RefCell::new(rustc_hash::FxHashMap::default());
    }
    CACHE.with(|c| {
        if let Some(&a) = c.borrow().get(s) {
            return a;
        }
        let a = Atom::intern(s);
        let mut c = c.borrow_mut();
        if c.len() >= CAP {
            c.clear();
        }
        c.insert(s.into(), a);
        a
    })
}

pub fn register(t: &mut Table) {
    t.insert(("erlang", "atom_to_list", 1), |_, a| {
        Ok(Term::string(atom_arg(&a[0])?.name()))
    });
    t.insert(("erlang", "list_to_atom", 1), |_, a| {
        atom_from_text(&text_arg(&a[0])?)
    });
    t.insert(("erlang", "list_to_existing_atom", 1), |_, a| {
        Atom::existing(&text_arg(&a[0])?)
            .map(Term::Atom)
            .ok_or_else(badarg)
    });
    t.insert(("erlang", "atom_to_binary", 1), |_, a| {
        Ok(Term::binary(atom_arg(&a[0])?.name().as_bytes().to_vec()))
    });
    t.insert(("erlang", "atom_to_binary", 2), |_, a| {
        let name = atom_arg(&a[0])?.name();
        match atom_arg(&a[1])?.name() {
            "utf8" | "unicode" => Ok(Term::binary(name.as_bytes().to_vec())),
            "latin1" => {
                let v: Option<Vec<u8>> = name
                    .chars()
                    .map(|c| {
                        if (c as u32) < 256 {
                            Some(c as u8)
                        } else {
                            None
                        }
                    })
                    .collect();
                Ok(Term::binary(v.ok_or_else(badarg)?))
            }
            _ => Err(badarg()),
        }
    });
    fn bin_to_atom(a: &[Term], existing: bool) -> Res {
        let b = bin_arg(&a[0])?;
        let enc = if a.len() > 1 {
            atom_arg(&a[1])?.name()
        } else {
            "utf8"
        };
        let s = match enc {
            "utf8" | "unicode" => String::from_utf8(b).map_err(|_| badarg())?,
            "latin1" => b.iter().map(|&x| x as char).collect(),
            _ => return Err(badarg()),
        };
        if existing {
            Atom::existing(&s).map(Term::Atom).ok_or_else(badarg)
        } else {
            atom_from_text(&s)
        }
    }
    t.insert(("erlang", "binary_to_atom", 1), |_, a| {
        bin_to_atom(a, false)
    });
    t.insert(("erlang", "binary_to_atom", 2), |_, a| {
        bin_to_atom(a, false)
    });
    t.insert(("erlang", "binary_to_existing_atom", 1), |_, a| {
        bin_to_atom(a, true)
    });
    t.insert(("erlang", "binary_to_existing_atom", 2), |_, a| {
        bin_to_atom(a, true)
    });
    t.insert(("erlang", "integer_to_list", 1), |_, a| {
        Ok(Term::string(&int_to_string(&a[0], 10)?))
    });
    t.insert(("erlang", "integer_to_list", 2), |_, a| {
        Ok(Term::string(&int_to_string(&a[0], int_arg(&a[1])? as u32)?))
    });
    t.insert(("erlang", "integer_to_binary", 1), |_, a| {
        Ok(Term::binary(int_to_string(&a[0], 10)?.into_bytes()))
    });
    t.insert(("erlang", "integer_to_binary", 2), |_, a| {
        Ok(Term::binary(
            int_to_string(&a[0], int_arg(&a[1])? as u32)?.into_bytes(),
        ))
    });
    t.insert(("erlang", "list_to_integer", 1), |_, a| {
        parse_int(&text_arg(&a[0])?, 10)
    });
    t.insert(("erlang", "list_to_integer", 2), |_, a| {
        parse_int(&text_arg(&a[0])?, int_arg(&a[1])? as u32)
    });
    t.insert(("erlang", "binary_to_integer", 1), |_, a| {
        parse_int(
            &String::from_utf8(bin_arg(&a[0])?).map_err(|_| badarg())?,
            10,
        )
    });
    t.insert(("erlang", "binary_to_integer", 2), |_, a| {
        parse_int(
            &String::from_utf8(bin_arg(&a[0])?).map_err(|_| badarg())?,
            int_arg(&a[1])? as u32,
        )
    });
    t.insert(("erlang", "float_to_list", 1), |_, a| {
        Ok(Term::string(&fmt::float_scientific(float_of(&a[0])?, 20)))
    });
    t.insert(("erlang", "float_to_list", 2), |_, a| {
        Ok(Term::string(&float_text(float_of(&a[0])?, &a[1])?))
    });
    t.insert(("erlang", "float_to_binary", 1), |_, a| {
        Ok(Term::binary(
            fmt::float_scientific(float_of(&a[0])?, 20).into_bytes(),
        ))
    });
    t.insert(("erlang", "float_to_binary", 2), |_, a| {
        Ok(Term::binary(
            float_text(float_of(&a[0])?, &a[1])?.into_bytes(),
        ))
    });
    t.insert(("erlang", "list_to_float", 1), |_, a| {
        Ok(Term::Float(parse_float(&text_arg(&a[0])?)?))
    });
    t.insert(("erlang", "binary_to_float", 1), |_, a| {
        Ok(Term::Float(parse_float(
            &String::from_utf8(bin_arg(&a[0])?).map_err(|_| badarg())?,
        )?))
    });
    t.insert(("erlang", "binary_to_list", 1), |_, a| {
        Ok(bytes_to_list(&bin_arg(&a[0])?))
    });
    t.insert(("erlang", "binary_to_list", 3), |_, a| {
        let b = bin_arg(&a[0])?;
        let (s, e) = (int_arg(&a[1])?, int_arg(&a[2])?);
        if s < 1 || e < s - 1 || e as usize > b.len() {
            return Err(badarg());
        }
        Ok(bytes_to_list(&b[s as usize - 1..e as usize]))
    });
    t.insert(("erlang", "bitstring_to_list", 1), |_, a| match &a[0] {
        Term::Bin(b) => {
            let bytes = b.to_bytes();
            let full = b.len / 8;
            let items: Vec<Term> = bytes[..full].iter().map(|x| Term::Int(*x as i64)).collect();
            if b.len % 8 == 0 {
                return Ok(Term::list(items));
            }
            let rem = b.len % 8;
            let tail = Term::bitstring(vec![bytes[full]], rem);
            Ok(Term::list_with_tail(items, Term::cons(tail, Term::Nil)))
        }
        _ => Err(badarg()),
    });
    t.insert(("erlang", "list_to_binary", 1), |_, a| {
        if !a[0].is_list() {
            return Err(badarg());
        }
        Ok(Term::binary(iolist_to_bytes(&a[0]).ok_or_else(badarg)?))
    });
    t.insert(("erlang", "iolist_to_binary", 1), |_, a| {
        if let Term::Bin(b) = &a[0] {
            if b.is_binary() {
                return Ok(a[0].clone());
            }
        }
        Ok(Term::binary(iolist_to_bytes(&a[0]).ok_or_else(badarg)?))
    });
    t.insert(("erlang", "list_to_bitstring", 1), |_, a| {
        let mut bb = crate::bitsyntax::BitBuilder::default();
        fn go(t: &Term, bb: &mut crate::bitsyntax::BitBuilder) -> Option<()> {
            let mut c = t;
            loop {
                match c {
                    Term::Nil => return Some(()),
                    Term::Bin(b) => {
                        bb.push_bits(b);
                        return Some(());
                    }
                    Term::Cons(x) => {
                        match &x.head {
                            Term::Int(i) if (0..=255).contains(i) => bb.push_bytes(&[*i as u8]),
                            h @ (Term::Cons(_) | Term::Nil | Term::Bin(_)) => go(h, bb)?,
                            _ => return None,
                        }
                        c = &x.tail;
                    }
                    _ => return None,
                }
            }
        }
        go(&a[0], &mut bb).ok_or_else(badarg)?;
        Ok(bb.finish())
    });
    t.insert(("erlang", "iolist_to_iovec", 1), |_, a| {
        let b = iolist_to_bytes(&a[0]).ok_or_else(badarg)?;
        Ok(if b.is_empty() {
            Term::Nil
        } else {
            Term::list(vec![Term::binary(b)])
        })
    });
    t.insert(("erlang", "iolist_size", 1), |_, a| {
        Ok(Term::Int(
            iolist_to_bytes(&a[0]).ok_or_else(badarg)?.len() as i64
        ))
    });
    t.insert(("erlang", "term_to_binary", 1), |_, a| {
        let mut out = vec![131u8];
        encode(&a[0], &mut out);
        Ok(Term::binary(out))
    });
    t.insert(("erlang", "term_to_binary", 2), |_, a| {
        let mut out = vec![131u8];
        encode(&a[0], &mut out);
        Ok(Term::binary(out))
    });
    t.insert(("erlang", "binary_to_term", 1), |_, a| {
        let b = bin_arg(&a[0])?;
        if b.first() != Some(&131) {
            return Err(badarg());
        }
        let mut i = 1;
        let t = decode(&b, &mut i, 0).ok_or_else(badarg)?;
        Ok(t)
    });
    t.insert(("erlang", "binary_to_term", 2), |_, a| {
        let b = bin_arg(&a[0])?;
        if b.first() != Some(&131) {
            return Err(badarg());
        }
        let mut i = 1;
        let t = decode(&b, &mut i, 0).ok_or_else(badarg)?;
        Ok(t)
    });
    t.insert(("unicode", "characters_to_list", 1), |_, a| {
        let b = chardata_to_bytes(&a[0]).ok_or_else(badarg)?;
        let s = String::from_utf8(b).map_err(|_| badarg())?;
        Ok(Term::string(&s))
    });
    t.insert(("unicode", "characters_to_list", 2), |_, a| {
        let b = chardata_to_bytes(&a[0]).ok_or_else(badarg)?;
        let s = if a[1].is_atom(Atom::intern("latin1")) {
            b.iter().map(|&x| x as char).collect()
        } else {
            String::from_utf8(b).map_err(|_| badarg())?
        };
        Ok(Term::string(&s))
    });
    t.insert(("unicode", "characters_to_binary", 1), |_, a| {
        Ok(Term::binary(chardata_to_bytes(&a[0]).ok_or_else(badarg)?))
    });
    t.insert(("unicode", "characters_to_binary", 2), |_, a| {
        chars_to_binary(&a[0], &a[1], &Term::atom("unicode"))
    });
    t.insert(("unicode", "characters_to_binary", 3), |_, a| {
        chars_to_binary(&a[0], &a[1], &a[2])
    });
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_be_bytes());
}

/// External term format, as OTP 25's `term_to_binary/1` writes it.
pub fn encode(t: &Term, out: &mut Vec<u8>) {
    match t {
        Term::Int(i) if (0..=255).contains(i) => {
            out.push(97);
            out.push(*i as u8);
        }
        Term::Int(i) if *i >= i32::MIN as i64 && *i <= i32::MAX as i64 => {
            out.push(98);
            out.extend_from_slice(&(*i as i32).to_be_bytes());
        }
        Term::Int(_) | Term::Big(_) => {
            let b = t.to_bigint().unwrap_or_default();
            let (sign, mag) = b.to_bytes_le();
            if mag.len() < 256 {
                out.push(110);
                out.push(mag.len() as u8);
            } else {
                out.push(111);
                put_u32(out, mag.len());
            }
            out.push(if sign == Sign::Minus { 1 } else { 0 });
            out.extend_from_slice(&mag);
        }
        Term::Float(f) => {
            out.push(70);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        Term::Atom(a) => {
            let name = a.name();
            if name.chars().all(|c| (c as u32) < 256) {
                out.push(100);
                out.extend_from_slice(&(name.chars().count() as u16).to_be_bytes());
                out.extend(name.chars().map(|c| c as u8));
            } else if name.len() < 256 {
                out.push(119);
                out.push(name.len() as u8);
                out.extend_from_slice(name.as_bytes());
            } else {
                out.push(118);
                out.extend_from_slice(&(name.len() as u16).to_be_bytes());
                out.extend_from_slice(name.as_bytes());
            }
        }
        Term::Nil => out.push(106),
        Term::Cons(_) => {
            let mut items = Vec::new();
            let mut c = t;
            while let Term::Cons(x) = c {
                items.push(&x.head);
                c = &x.tail;
            }
            let proper = matches!(c, Term::Nil);
            if proper
                && items.len() < 65536
                && items
                    .iter()
                    .all(|x| matches!(x, Term::Int(i) if (0..=255).contains(i)))
            {
                out.push(107);
                out.extend_from_slice(&(items.len() as u16).to_be_bytes());
                for x in items {
                    if let Term::Int(i) = x {
                        out.push(*i as u8);
                    }
                }
                return;
            }
            out.push(108);
            put_u32(out, items.len());
            for x in items {
                encode(x, out);
            }
            encode(c, out);
        }
        Term::Tuple(v) => {
            if v.len() < 256 {
                out.push(104);
                out.push(v.len() as u8);
            } else {
                out.push(105);
                put_u32(out, v.len());
            }
            for x in v.iter() {
                encode(x, out);
            }
        }
        Term::Map(m) => {
            out.push(116);
            put_u32(out, m.len());
            for (k, v) in m.iter() {
                encode(&k.0, out);
                encode(v, out);
            }
        }
        Term::Bin(b) => {
            let bytes = b.to_bytes();
            if b.is_binary() {
                out.push(109);
                put_u32(out, bytes.len());
            } else {
                out.push(77);
                put_u32(out, bytes.len());
                out.push((b.len % 8) as u8);
            }
            out.extend_from_slice(&bytes);
        }
        Term::Pid(p) => {
            // NEW_PID_EXT for nonode@nohost.
            out.push(88);
            encode(&Term::atom("nonode@nohost"), out);
            put_u32(out, *p as usize + 80);
            put_u32(out, 0);
            put_u32(out, 0);
        }
        Term::Ref(r) => {
            out.push(90);
            out.extend_from_slice(&3u16.to_be_bytes());
            encode(&Term::atom("nonode@nohost"), out);
            put_u32(out, 0);
            put_u32(out, *r as usize);
            put_u32(out, 0);
            put_u32(out, 0);
        }
        Term::Fun(f) => {
            // Only external funs have a portable encoding here.
            if let crate::term::FunKind::External { module, function } = &f.kind {
                out.push(113);
                encode(&Term::Atom(*module), out);
                encode(&Term::Atom(*function), out);
                encode(&Term::Int(f.arity as i64), out);
            } else {
                encode(&Term::atom("fun"), out);
            }
        }
    }
}

fn decode(b: &[u8], i: &mut usize, depth: usize) -> Option<Term> {
    if depth > 10_000 {
        return None;
    }
    let take = |i: &mut usize, n: usize| -> Option<&[u8]> {
        let s = b.get(*i..*i + n)?;
        *i += n;
        Some(s)
    };
    let u32_at = |i: &mut usize| -> Option<usize> {
        let s = b.get(*i..*i + 4)?;
        *i += 4;
        Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)
    };
    let tag = *b.get(*i)?;
    *i += 1;
    Some(match tag {
        97 => Term::Int(*take(i, 1)?.first()? as i64),
        98 => {
            let s = take(i, 4)?;
            Term::Int(i32::from_be_bytes([s[0], s[1], s[2], s[3]]) as i64)
        }
        110 | 111 => {
            let n = if tag == 110 {
                *take(i, 1)?.first()? as usize
            } else {
                u32_at(i)?
            };
            let sign = *take(i, 1)?.first()?;
            let mag = take(i, n)?;
            let v = BigInt::from_bytes_le(if sign == 0 { Sign::Plus } else { Sign::Minus }, mag);
            Term::big(v)
        }
        70 => {
            let s = take(i, 8)?;
            let f = f64::from_bits(u64::from_be_bytes(s.try_into().ok()?));
            if !f.is_finite() {
                return None;
            }
            Term::Float(f)
        }
        88 => {
            // NEW_PID_EXT as `encode` writes it: node atom, ID (pid + 80), serial, creation.
            let _node = decode(b, i, depth + 1)?;
            let id = u32_at(i)?;
            let _serial = u32_at(i)?;
            let _creation = u32_at(i)?;
            Term::Pid((id as u64).checked_sub(80)?)
        }
        90 => {
            // NEWER_REFERENCE_EXT: word count, node atom, creation, words (the first is ours).
            let n = u16::from_be_bytes([*b.get(*i)?, *b.get(*i + 1)?]) as usize;
            *i += 2;
            let _node = decode(b, i, depth + 1)?;
            let _creation = u32_at(i)?;
            if n == 0 || n > 5 {
                return None;
            }
            let first = u32_at(i)?;
            for _ in 1..n {
                u32_at(i)?;
            }
            Term::Ref(first as u64)
        }
        100 | 118 | 115 | 119 => {
            let n = if tag == 100 || tag == 118 {
                let s = take(i, 2)?;
                u16::from_be_bytes([s[0], s[1]]) as usize
            } else {
                *take(i, 1)?.first()? as usize
            };
            let s = take(i, n)?;
            let name: String = if tag == 100 || tag == 115 {
                s.iter().map(|&c| c as char).collect()
            } else {
                String::from_utf8(s.to_vec()).ok()?
            };
            Term::Atom(Atom::intern(&name))
        }
        106 => Term::Nil,
        107 => {
            let s = take(i, 2)?;
            let n = u16::from_be_bytes([s[0], s[1]]) as usize;
            let bytes = take(i, n)?;
            bytes_to_list(bytes)
        }
        108 => {
            let n = u32_at(i)?;
            if n > b.len() {
                return None;
            }
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(decode(b, i, depth + 1)?);
            }
            let tail = decode(b, i, depth + 1)?;
            Term::list_with_tail(items, tail)
        }
        104 | 105 => {
            let n = if tag == 104 {
                *take(i, 1)?.first()? as usize
            } else {
                u32_at(i)?
            };
            if n > b.len() {
                return None;
            }
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(decode(b, i, depth + 1)?);
            }
            Term::tuple(items)
        }
        116 => {
            let n = u32_at(i)?;
            if n > b.len() {
                return None;
            }
            let mut m = BTreeMap::new();
            for _ in 0..n {
                let k = decode(b, i, depth + 1)?;
                let v = decode(b, i, depth + 1)?;
                m.insert(MapKey(k), v);
            }
            Term::Map(Rc::new(m))
        }
        109 => {
            let n = u32_at(i)?;
            Term::binary(take(i, n)?.to_vec())
        }
        77 => {
            let n = u32_at(i)?;
            let bits = *take(i, 1)?.first()? as usize;
            if n == 0 || bits == 0 || bits > 8 {
                return None;
            }
            let data = take(i, n)?.to_vec();
            Term::Bin(Rc::new(Bits {
                data: crate::term::BinData::heap(data),
                off: 0,
                len: (n - 1) * 8 + bits,
            }))
        }
        113 => {
            let m = decode(b, i, depth + 1)?;
            let f = decode(b, i, depth + 1)?;
            let a = decode(b, i, depth + 1)?;
            match (m, f, a) {
                (Term::Atom(m), Term::Atom(f), Term::Int(a)) if (0..=255).contains(&a) => {
                    Term::Fun(Rc::new(crate::term::Fun {
                        kind: crate::term::FunKind::External {
                            module: m,
                            function: f,
                        },
                        arity: a as usize,
                    }))
                }
                _ => return None,
            }
        }
        _ => return None,
    })
}
