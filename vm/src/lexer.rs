//! Erlang tokens. Every token carries its position so later stages can point at the source.

use num_bigint::BigInt;
use num_traits::Num;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Atom(String),
    Var(String),
    Int(BigInt),
    Float(f64),
    Char(u32),
    Str(String),
    /// Reserved words (`case`, `end`, `div`...).
    Kw(&'static str),
    Punct(&'static str),
    /// The full stop ending a form.
    Dot,
    Eof,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct LexError {
    pub pos: Pos,
    pub msg: String,
}

const KEYWORDS: &[&str] = &[
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
    "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or", "orelse", "receive",
    "rem", "try", "when", "xor",
];

// Longest first so that greedy matching picks `=:=` over `=`.
const PUNCTS: &[&str] = &[
    "=:=", "=/=", "...", "<<", ">>", "->", "<-", "<=", "=>", ":=", "==", "/=", "=<", ">=", "++",
    "--", "||", "::", "..", "??", "(", ")", "[", "]", "{", "}", ",", ";", ":", "|", "<", ">", "=",
    "+", "-", "*", "/", "!", "#", "?", ".",
];

pub fn keyword(s: &str) -> Option<&'static str> {
    KEYWORDS.iter().copied().find(|k| *k == s)
}

pub fn tokenize(src: &str, file: u32) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    macro_rules! adv {
        () => {{
            if chars[i] == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
            i += 1;
        }};
    }
    // A run of digits valid for `ok`, a single `_` allowed between two of them (erl_scan's
    // rule: `1__0` and `1_` end the number before the underscore).
    macro_rules! digit_run {
        ($ok:expr) => {{
            let ok = $ok;
            while i < chars.len() {
                let under = chars[i] == '_' && chars.get(i + 1).is_some_and(|&c| ok(c));
                if ok(chars[i]) || (under && i > 0 && ok(chars[i - 1])) {
                    adv!();
                } else {
                    break;
                }
            }
        }};
    }
    let dec = |c: char| c.is_ascii_digit();
    while i < chars.len() {
        let c = chars[i];
        let pos = Pos { file, line, col };
        if c.is_whitespace() {
            adv!();
            continue;
        }
        if c == '%' {
            while i < chars.len() && chars[i] != '\n' {
                adv!();
            }
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            digit_run!(dec);
            let digits: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            if i < chars.len() && chars[i] == '#' {
                let base: u32 = digits.parse().unwrap_or(0);
                if !(2..=36).contains(&base) {
                    return Err(LexError {
                        pos,
                        msg: format!("illegal base '{digits}'"),
                    });
                }
                adv!();
                // The digits of the base only: `2#102` is `2#10` and then `2`, as erl_scan
                // reads it (and the parser then stops at the `2`).
                let s2 = i;
                digit_run!(|c: char| c.is_digit(base));
                let d: String = chars[s2..i].iter().filter(|c| **c != '_').collect();
                match BigInt::from_str_radix(&d, base) {
                    Ok(v) if !d.is_empty() => out.push(Token {
                        tok: Tok::Int(v),
                        pos,
                    }),
                    _ => {
                        return Err(LexError {
                            pos,
                            msg: "illegal integer".into(),
                        })
                    }
                }
                continue;
            }
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
                adv!();
                digit_run!(dec);
                if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                    // erl_scan commits to an exponent at the `e`: `1.5e_1` is an illegal float.
                    adv!();
                    if i < chars.len() && (chars[i] == '-' || chars[i] == '+') {
                        adv!();
                    }
                    if i < chars.len() && chars[i].is_ascii_digit() {
                        digit_run!(dec);
                    } else {
                        return Err(LexError {
                            pos,
                            msg: "illegal float".into(),
                        });
                    }
                }
                let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
                match text.parse::<f64>() {
                    Ok(f) if f.is_finite() => out.push(Token {
                        tok: Tok::Float(f),
                        pos,
                    }),
                    _ => {
                        return Err(LexError {
                            pos,
                            msg: format!("illegal float {text}"),
                        })
                    }
                }
                continue;
            }
            let v = BigInt::from_str_radix(&digits, 10).map_err(|_| LexError {
                pos,
                msg: "illegal integer".into(),
            })?;
            out.push(Token {
                tok: Tok::Int(v),
                pos,
            });
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '@')
            {
                adv!();
            }
            let s: String = chars[start..i].iter().collect();
            let tok = if c.is_uppercase() || c == '_' {
                Tok::Var(s)
            } else if let Some(k) = keyword(&s) {
                Tok::Kw(k)
            } else {
                Tok::Atom(s)
            };
            out.push(Token { tok, pos });
            continue;
        }
        if c == '\'' || c == '"' {
            adv!();
            let mut s = String::new();
            loop {
                if i >= chars.len() {
                    return Err(LexError {
                        pos,
                        msg: format!("unterminated {}", if c == '"' { "string" } else { "atom" }),
                    });
                }
                let d = chars[i];
                if d == c {
                    adv!();
                    break;
                }
                if d == '\\' {
                    adv!();
                    let ch =
                        escape(&chars, &mut i, &mut line, &mut col).ok_or_else(|| LexError {
                            pos: Pos { file, line, col },
                            msg: "bad escape sequence".into(),
                        })?;
                    s.push(ch);
                    continue;
                }
                s.push(d);
                adv!();
            }
            out.push(Token {
                tok: if c == '"' { Tok::Str(s) } else { Tok::Atom(s) },
                pos,
            });
            continue;
        }
        if c == '$' {
            adv!();
            if i >= chars.len() {
                return Err(LexError {
                    pos,
                    msg: "unterminated character".into(),
                });
            }
            let ch = if chars[i] == '\\' {
                adv!();
                escape(&chars, &mut i, &mut line, &mut col).ok_or_else(|| LexError {
                    pos,
                    msg: "bad escape sequence".into(),
                })?
            } else {
                let ch = chars[i];
                adv!();
                ch
            };
            out.push(Token {
                tok: Tok::Char(ch as u32),
                pos,
            });
            continue;
        }
        // A '.' followed by whitespace, '%' or end of input ends a form.
        if c == '.' && (i + 1 >= chars.len() || chars[i + 1].is_whitespace() || chars[i + 1] == '%')
        {
            adv!();
            out.push(Token { tok: Tok::Dot, pos });
            continue;
        }
        // Every punctuator is ASCII, so its byte length is its length in chars.
        let matched = PUNCTS.iter().copied().find(|p| {
            chars
                .get(i..i + p.len())
                .is_some_and(|s| s.iter().zip(p.bytes()).all(|(&a, b)| a == char::from(b)))
        });
        match matched {
            Some(p) => {
                for _ in 0..p.chars().count() {
                    adv!();
                }
                out.push(Token {
                    tok: Tok::Punct(p),
                    pos,
                });
            }
            None => {
                return Err(LexError {
                    pos,
                    msg: format!("illegal character '{c}'"),
                })
            }
        }
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: Pos { file, line, col },
    });
    Ok(out)
}

fn escape(chars: &[char], i: &mut usize, line: &mut u32, col: &mut u32) -> Option<char> {
    let c = *chars.get(*i)?;
    let mut adv = |i: &mut usize| {
        if chars[*i] == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
        *i += 1;
    };
    adv(i);
    Some(match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'b' => '\x08',
        'd' => '\x7f',
        'e' => '\x1b',
        'f' => '\x0c',
        's' => ' ',
        'v' => '\x0b',
        '0'..='7' => {
            let mut v = c.to_digit(8)?;
            for _ in 0..2 {
                match chars.get(*i).and_then(|d| d.to_digit(8)) {
                    Some(d) => {
                        v = v * 8 + d;
                        adv(i);
                    }
                    None => break,
                }
            }
            char::from_u32(v)?
        }
        'x' => {
            if chars.get(*i) == Some(&'{') {
                adv(i);
                let mut v: u32 = 0;
                while *chars.get(*i)? != '}' {
                    v = v.checked_mul(16)?.checked_add(chars[*i].to_digit(16)?)?;
                    adv(i);
                }
                adv(i);
                char::from_u32(v)?
            } else {
                let a = chars.get(*i)?.to_digit(16)?;
                adv(i);
                let b = chars.get(*i)?.to_digit(16)?;
                adv(i);
                char::from_u32(a * 16 + b)?
            }
        }
        '^' => {
            let d = *chars.get(*i)?;
            adv(i);
            char::from_u32((d as u32) & 31)?
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_numbers_atoms_and_strings() {
        let t = tokenize("f(X) -> 16#ff + 1.5e3 + $a, 'hello world', \"a\\nb\".", 0).unwrap();
        let toks: Vec<Tok> = t.into_iter().map(|t| t.tok).collect();
        assert_eq!(toks[0], Tok::Atom("f".into()));
        assert_eq!(toks[2], Tok::Var("X".into()));
        assert_eq!(toks[5], Tok::Int(BigInt::from(255)));
        assert_eq!(toks[7], Tok::Float(1500.0));
        assert_eq!(toks[9], Tok::Char(97));
        assert_eq!(toks[11], Tok::Atom("hello world".into()));
        assert_eq!(toks[13], Tok::Str("a\nb".into()));
        assert_eq!(toks[14], Tok::Dot);
    }

    #[test]
    fn bad_character_is_an_error_with_position() {
        let e = tokenize("a.\n  `", 0).unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (2, 3));
    }
}
