//! Text forms of terms: OTP's `~w` writer, a single-line `~p` approximation used when the
//! Erlang `io_lib` is not loaded, and float formatting byte-identical to OTP 25's
//! `float_to_list/2` (`short`, `{decimals,N}`, `{scientific,N}`, `compact`).

use crate::term::{FunKind, Term};

/// Shortest round-trip digits of a finite non-zero |f|: (digits, place) with
/// |f| = 0.DIGITS x 10^place.
fn shortest_digits(f: f64) -> (String, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    tie_to_even(f.abs(), digits, exp + 1)
}

/// When the float lies exactly halfway between two shortest candidates, OTP (Ryu) takes the
/// even one; Rust's formatter may take the other (8.8214874267578125e-5 is written
/// 8.821487426757812e-5 by OTP, ...813e-5 by Rust). `digits`/`place` as in `shortest_digits`.
fn tie_to_even(f: f64, digits: String, place: i32) -> (String, i32) {
    use num_bigint::BigInt;
    use num_traits::Zero;
    let n = digits.len();
    // The float's exact value is m * 2^e: written out in decimal it ends after finitely many
    // digits. A tie needs exactly one more digit than `digits`, a 5.
    let bits = f.to_bits();
    let (m, e) = {
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1 << 52) - 1);
        if exp == 0 {
            (frac, -1074)
        } else {
            (frac | (1 << 52), exp - 1075)
        }
    };
    // The exact value's digits: m * 2^e = m * 5^-e / 10^-e for e < 0.
    let exact = if e >= 0 {
        (BigInt::from(m) << e as usize).to_string()
    } else {
        (BigInt::from(m) * BigInt::from(5).pow((-e) as u32)).to_string()
    };
    let exact = exact.trim_end_matches('0');
    if exact.len() != n + 1 || !exact.ends_with('5') {
        return (digits, place);
    }
    let lo: BigInt = exact[..n].parse().unwrap_or_else(|_| BigInt::zero());
    let hi = &lo + 1;
    let even = if (&lo % 2u32).is_zero() { lo } else { hi };
    let mut d = even.to_string();
    // A carry (999 + 1) adds a digit: the value moves one place up.
    let even_place = if d.len() > n {
        d.truncate(n);
        place + 1
    } else {
        place
    };
    // Only if it still reads back as the same float (it does, halfway inside its interval).
    let back: Option<f64> = format!("0.{d}e{even_place}").parse().ok();
    if back == Some(f) {
        (d, even_place)
    } else {
        (digits, place)
    }
}

/// `float_to_list(F, [short])` / `io_lib_format:fwrite_g/1`.
pub fn float_short(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let (s, place) = shortest_digits(f);
    let l = s.len() as i32;
    // OTP writes integral floats from 2^53 up (no longer exact integers) in exponent form.
    let body = if f.abs() >= 9007199254740992.0 {
        insert_exp(&(place - 1).to_string(), &s)
    } else if place < 0 || place >= l {
        let exp_l = (place - 1).to_string();
        let exp_dot = if l == 1 { 2 } else { 1 };
        let exp_cost = exp_l.len() as i32 + 1 + exp_dot;
        if place < 0 {
            if 2 - place <= exp_cost {
                format!("0.{}{}", "0".repeat((-place) as usize), s)
            } else {
                insert_exp(&exp_l, &s)
            }
        } else if place - l + 2 <= exp_cost {
            format!("{}{}.0", s, "0".repeat((place - l) as usize))
        } else {
            insert_exp(&exp_l, &s)
        }
    } else if place == 0 {
        format!("0.{s}")
    } else {
        format!("{}.{}", &s[..place as usize], &s[place as usize..])
    };
    if f < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

fn insert_exp(exp_l: &str, s: &str) -> String {
    if s.len() == 1 {
        format!("{s}.0e{exp_l}")
    } else {
        format!("{}.{}e{}", &s[..1], &s[1..], exp_l)
    }
}

/// C's `%.{n}e`: mantissa, `e`, sign, at least two exponent digits.
pub fn float_scientific(f: f64, n: usize) -> String {
    let s = format!("{:.*e}", n, f);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = exp.parse().unwrap_or(0);
    format!("{}e{}{:02}", mant, if e < 0 { '-' } else { '+' }, e.abs())
}

pub fn float_decimals(f: f64, n: usize, compact: bool) -> String {
    // OTP rounds exact ties away from zero (2.5 -> "3"), where Rust rounds them to even.
    let wide = format!("{:.*}", n + 40, f.abs());
    let tie = wide.rfind('.').map(|dot| {
        let tail = &wide[dot + 1 + n..];
        tail.starts_with('5') && tail[1..].bytes().all(|b| b == b'0')
    });
    let mut s = if tie == Some(true) {
        let bump = 0.5 * 10f64.powi(-(n as i32));
        let mut r = format!("{:.*}", n, f.abs() + bump);
        // Adding half an ulp of the last place can itself round; re-derive from the digits.
        let kept = &wide[..wide
            .rfind('.')
            .map(|d| if n == 0 { d } else { d + 1 + n })
            .unwrap_or(wide.len())];
        if let Some(inc) = increment_decimal(kept) {
            r = inc;
        }
        if f < 0.0 {
            format!("-{r}")
        } else {
            r
        }
    } else {
        format!("{:.*}", n, f)
    };
    if compact && s.contains('.') {
        while s.ends_with('0') && !s.ends_with(".0") {
            s.pop();
        }
    }
    s
}

/// Adds one unit in the last place of a non-negative decimal string ("1.24" -> "1.25",
/// "9.99" -> "10.00", "2" -> "3").
fn increment_decimal(s: &str) -> Option<String> {
    let mut b: Vec<u8> = s.as_bytes().to_vec();
    let mut i = b.len();
    loop {
        if i == 0 {
            b.insert(0, b'1');
            break;
        }
        i -= 1;
        match b[i] {
            b'.' => continue,
            b'9' => b[i] = b'0',
            d @ b'0'..=b'8' => {
                b[i] = d + 1;
                break;
            }
            _ => return None,
        }
    }
    String::from_utf8(b).ok()
}

pub fn atom_needs_quotes(a: &str) -> bool {
    let mut cs = a.chars();
    match cs.next() {
        Some(c)
            if c.is_ascii_lowercase()
                || (c as u32 >= 0xdf && c as u32 <= 0xff && c != '\u{f7}') => {}
        _ => return true,
    }
    if !a.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || c == '_'
            || c == '@'
            || (c as u32 >= 0xc0 && c as u32 <= 0xff && c != '\u{d7}' && c != '\u{f7}')
    }) {
        return true;
    }
    crate::lexer::keyword(a).is_some()
}

pub fn quote_atom(a: &str) -> String {
    if !atom_needs_quotes(a) {
        return a.to_string();
    }
    let mut s = String::from("'");
    for c in a.chars() {
        escape_char(&mut s, c, '\'');
    }
    s.push('\'');
    s
}

fn escape_char(s: &mut String, c: char, q: char) {
    match c {
        '\\' => s.push_str("\\\\"),
        '\n' => s.push_str("\\n"),
        '\r' => s.push_str("\\r"),
        '\t' => s.push_str("\\t"),
        '\x0b' => s.push_str("\\v"),
        '\x08' => s.push_str("\\b"),
        '\x0c' => s.push_str("\\f"),
        '\x1b' => s.push_str("\\e"),
        '\x7f' => s.push_str("\\d"),
        c if c == q => {
            s.push('\\');
            s.push(c);
        }
        c if (c as u32) < 32 => s.push_str(&format!(
            "\\^{}",
            char::from_u32(c as u32 + 64).unwrap_or('?')
        )),
        c => s.push(c),
    }
}

/// `io_lib:write/1` (`~w`).
pub fn write_term(t: &Term) -> String {
    let mut s = String::new();
    write(&mut s, t, false);
    s
}

/// A single-line `~p`: strings and printable binaries shown as text.
pub fn print_term(t: &Term) -> String {
    let mut s = String::new();
    write(&mut s, t, true);
    s
}

fn printable_list(t: &Term) -> Option<String> {
    let s = t.as_string()?;
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| {
        (' '..='~').contains(&c)
            || ('\u{a0}'..='\u{ff}').contains(&c)
            || "\n\r\t\x0b\x08\x0c\x1b".contains(c)
    }) {
        Some(s)
    } else {
        None
    }
}

fn write(s: &mut String, t: &Term, pretty: bool) {
    match t {
        Term::Int(i) => s.push_str(&i.to_string()),
        Term::Big(b) => s.push_str(&b.to_string()),
        Term::Float(f) => s.push_str(&float_short(*f)),
        Term::Atom(a) => s.push_str(&quote_atom(a.name())),
        Term::Nil => s.push_str("[]"),
        Term::Cons(_) => {
            if pretty {
                if let Some(str) = printable_list(t) {
                    s.push('"');
                    for c in str.chars() {
                        escape_char(s, c, '"');
                    }
                    s.push('"');
                    return;
                }
            }
            s.push('[');
            let mut cur = t;
            let mut first = true;
            loop {
                match cur {
                    Term::Cons(c) => {
                        if !first {
                            s.push(',');
                        }
                        first = false;
                        write(s, &c.head, pretty);
                        cur = &c.tail;
                    }
                    Term::Nil => break,
                    other => {
                        s.push('|');
                        write(s, other, pretty);
                        break;
                    }
                }
            }
            s.push(']');
        }
        Term::Tuple(v) => {
            s.push('{');
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                write(s, x, pretty);
            }
            s.push('}');
        }
        Term::Map(m) => {
            s.push_str("#{");
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                write(s, &k.0, pretty);
                s.push_str(" => ");
                write(s, v, pretty);
            }
            s.push('}');
        }
        Term::Bin(b) => {
            s.push_str("<<");
            let bytes = b.to_bytes();
            let full = b.len / 8;
            if pretty && b.is_binary() && full > 0 {
                if let Ok(text) = std::str::from_utf8(&bytes) {
                    if text
                        .chars()
                        .all(|c| (' '..='~').contains(&c) || "\n\r\t\x0b\x08\x0c\x1b".contains(c))
                    {
                        s.push('"');
                        for c in text.chars() {
                            escape_char(s, c, '"');
                        }
                        s.push_str("\">>");
                        return;
                    }
                }
            }
            for (i, x) in bytes.iter().take(full).enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(&x.to_string());
            }
            let rem = b.len % 8;
            if rem > 0 {
                if full > 0 {
                    s.push(',');
                }
                let last = bytes[full] >> (8 - rem);
                s.push_str(&format!("{last}:{rem}"));
            }
            s.push_str(">>");
        }
        Term::Fun(f) => match &f.kind {
            FunKind::External { module, function } => {
                s.push_str(&format!(
                    "fun {}:{}/{}",
                    quote_atom(module.name()),
                    quote_atom(function.name()),
                    f.arity
                ));
            }
            FunKind::Local { module, index, .. } => {
                s.push_str(&format!("#Fun<{}.{}.{}>", module.name.name(), index, 0));
            }
        },
        Term::Pid(p) => s.push_str(&format!("<0.{}.0>", p + 80)),
        Term::Ref(r) => s.push_str(&format!("#Ref<0.0.0.{r}>")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected strings come from OTP 25's float_to_list(F, [short]).
    #[test]
    fn short_floats_match_otp() {
        let cases = [
            (0.1, "0.1"),
            (1.5e-5, "1.5e-5"),
            (0.0001, "0.0001"),
            (123456789.0, "123456789.0"),
            (1.0e15, "1.0e15"),
            (1000.0, "1.0e3"),
            (100.0, "100.0"),
            (0.000123, "1.23e-4"),
            (2.0 / 3.0, "0.6666666666666666"),
            (12345678901234567.0, "1.2345678901234568e16"),
            (5.0e-324, "5.0e-324"),
            (9007199254740990.0, "9007199254740990.0"),
            (9007199254740992.0, "9.007199254740992e15"),
        ];
        for (f, s) in cases {
            assert_eq!(float_short(f), s);
        }
    }

    #[test]
    fn decimals_round_ties_away_from_zero_like_otp() {
        assert_eq!(float_decimals(2.5, 0, false), "3");
        assert_eq!(float_decimals(0.125, 2, false), "0.13");
        assert_eq!(float_decimals(-0.125, 2, false), "-0.13");
        assert_eq!(float_decimals(9.995, 2, false), "9.99"); // 9.995 is below the tie in binary
        assert_eq!(float_decimals(99.5, 0, false), "100");
    }

    #[test]
    fn scientific_has_signed_two_digit_exponent() {
        assert_eq!(float_scientific(1.0, 20), "1.00000000000000000000e+00");
        assert_eq!(float_scientific(0.00123, 3), "1.230e-03");
    }
}
