//! Arithmetic with Erlang's rules: small integers overflow into bignums, `/` always gives a
//! float, integer-only operators raise `badarith` on floats, float overflow raises `badarith`.

use crate::code::Op2;
use crate::interp::{badarith, Ctl};
use crate::term::Term;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

fn big(t: &Term) -> Option<BigInt> {
    t.to_bigint()
}

fn float_result(f: f64) -> Result<Term, Ctl> {
    if f.is_finite() {
        Ok(Term::Float(f))
    } else {
        Err(badarith())
    }
}

/// Refuses integers beyond a size where work becomes unbounded (OTP raises system_limit).
fn limit(b: BigInt) -> Result<Term, Ctl> {
    if b.bits() > 4_000_000 {
        return Err(crate::interp::error(Term::Atom(crate::atom::SYSTEM_LIMIT)));
    }
    Ok(Term::big(b))
}

pub fn arith(op: Op2, a: &Term, b: &Term) -> Result<Term, Ctl> {
    use Op2::*;
    if let (Term::Int(x), Term::Int(y)) = (a, b) {
        let (x, y) = (*x, *y);
        let r = match op {
            Add => x.checked_add(y),
            Sub => x.checked_sub(y),
            Mul => x.checked_mul(y),
            IDiv => {
                if y == 0 {
                    return Err(badarith());
                }
                x.checked_div(y)
            }
            Rem => {
                if y == 0 {
                    return Err(badarith());
                }
                x.checked_rem(y)
            }
            Band => Some(x & y),
            Bor => Some(x | y),
            Bxor => Some(x ^ y),
            Bsl => {
                if (0..63).contains(&y) && (x.unsigned_abs() >> (62 - y)) == 0 {
                    Some(x << y)
                } else if y < 0 && y > -64 {
                    Some(x >> (-y))
                } else if y <= -64 {
                    Some(if x < 0 { -1 } else { 0 })
                } else {
                    None
                }
            }
            Bsr => {
                if (0..64).contains(&y) {
                    Some(x >> y)
                } else if y >= 64 {
                    Some(if x < 0 { -1 } else { 0 })
                } else if y > -63 && (x.unsigned_abs() >> (62 + y)) == 0 {
                    Some(x << (-y))
                } else {
                    None
                }
            }
            FDiv => {
                if y == 0 {
                    return Err(badarith());
                }
                return float_result(x as f64 / y as f64);
            }
            _ => return Err(badarith()),
        };
        if let Some(r) = r {
            return Ok(Term::Int(r));
        }
    }
    match op {
        Add | Sub | Mul | FDiv => {
            if let (Term::Float(_), _) | (_, Term::Float(_)) = (a, b) {
                let (Some(x), Some(y)) = (a.to_f64(), b.to_f64()) else {
                    return Err(badarith());
                };
                if !a.is_number() || !b.is_number() {
                    return Err(badarith());
                }
                return float_result(match op {
                    Add => x + y,
                    Sub => x - y,
                    Mul => x * y,
                    _ => {
                        if y == 0.0 {
                            return Err(badarith());
                        }
                        x / y
                    }
                });
            }
            let (Some(x), Some(y)) = (big(a), big(b)) else {
                return Err(badarith());
            };
            match op {
                Add => limit(x + y),
                Sub => limit(x - y),
                Mul => {
                    if x.bits() + y.bits() > 4_000_000 {
                        return Err(crate::interp::error(Term::Atom(crate::atom::SYSTEM_LIMIT)));
                    }
                    limit(x * y)
                }
                _ => {
                    if y.is_zero() {
                        return Err(badarith());
                    }
                    let (Some(xf), Some(yf)) = (x.to_f64(), y.to_f64()) else {
                        return Err(badarith());
                    };
                    float_result(xf / yf)
                }
            }
        }
        IDiv | Rem | Band | Bor | Bxor | Bsl | Bsr => {
            let (Some(x), Some(y)) = (big(a), big(b)) else {
                return Err(badarith());
            };
            match op {
                IDiv | Rem if y.is_zero() => Err(badarith()),
                // Erlang div truncates toward zero; rem has the dividend's sign.
                IDiv => limit(x.div_rem(&y).0),
                Rem => limit(x.div_rem(&y).1),
                Band => limit(x & y),
                Bor => limit(x | y),
                Bxor => limit(x ^ y),
                Bsl | Bsr => {
                    // Zero stays zero however far it moves (OTP: `0 bsl (1 bsl 64)` is 0).
                    if x.is_zero() {
                        return Ok(Term::Int(0));
                    }
                    // The distance to the left, in i128 so that negating the most negative
                    // 64-bit distance cannot overflow; beyond i128, only its direction counts.
                    let left = y.to_i128().map(|v| if op == Bsr { -v } else { v });
                    let to_left = left.map_or((op == Bsl) == y.is_positive(), |l| l >= 0);
                    if to_left {
                        match left {
                            Some(l) if l <= 4_000_000 => limit(x << (l as usize)),
                            _ => Err(crate::interp::error(Term::Atom(crate::atom::SYSTEM_LIMIT))),
                        }
                    } else {
                        // Arithmetic shift right (floor), as Erlang does for negatives; past
                        // the number's own bits only its sign is left.
                        let right = left
                            .map_or(u64::MAX, |l| l.unsigned_abs().min(u64::MAX as u128) as u64);
                        if right > x.bits() {
                            return Ok(Term::Int(if x.is_negative() { -1 } else { 0 }));
                        }
                        let d = BigInt::from(1) << (right as usize);
                        limit(x.div_floor(&d))
                    }
                }
                _ => Err(badarith()),
            }
        }
        _ => Err(badarith()),
    }
}

pub fn neg(a: &Term) -> Result<Term, Ctl> {
    match a {
        Term::Int(i) => Ok(match i.checked_neg() {
            Some(n) => Term::Int(n),
            None => Term::big(-BigInt::from(*i)),
        }),
        Term::Big(b) => Ok(Term::big(-(**b).clone())),
        // IEEE negation, as OTP 25's `-`/1 on an operand of unknown type: -(0.0) is -0.0.
        // (Where OTP's compiler has inferred a float it may subtract from 0.0 instead,
        // giving 0.0: see tests/random_exprs.rs.)
        Term::Float(f) => Ok(Term::Float(-f)),
        _ => Err(badarith()),
    }
}

pub fn bnot(a: &Term) -> Result<Term, Ctl> {
    match a {
        Term::Int(i) => Ok(Term::Int(!i)),
        Term::Big(b) => Ok(Term::big(-(**b).clone() - 1)),
        _ => Err(badarith()),
    }
}

pub fn abs(a: &Term) -> Option<Term> {
    match a {
        Term::Int(i) => Some(match i.checked_abs() {
            Some(n) => Term::Int(n),
            None => Term::big(BigInt::from(*i).abs()),
        }),
        Term::Big(b) => Some(Term::big(b.abs())),
        // OTP negates only what is below zero: abs(-0.0) is -0.0.
        Term::Float(f) => Some(Term::Float(if *f < 0.0 { -f } else { *f })),
        _ => None,
    }
}
