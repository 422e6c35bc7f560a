//! Rule files: one `name: expression` per line, `#` comments, blank lines. Order is priority.

use rustc_hash::FxHashMap;
use std::fmt;

/// One rule as written: its name, its expression text and where it stands in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSource {
    pub name: String,
    pub expr: String,
    /// 1-based line number in the rule file.
    pub line: usize,
    /// Byte offset of the expression within its line (for carets).
    pub expr_col: usize,
}

/// A rule file that cannot be read: the line and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleFileError {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for RuleFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

impl std::error::Error for RuleFileError {}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Splits a rule file into rules. Expressions are not compiled here (see [`crate::compile`]).
/// A `#` starts a comment only at the start of a line or after whitespace, so that it never cuts
/// an expression short.
pub fn parse_rule_file(text: &str) -> Result<Vec<RuleSource>, RuleFileError> {
    // Sized for one rule a line up front: growing a 100,000-rule vector and map doubles them
    // about twenty times over, rehashing and copying what is already far out of the cache.
    let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
    let mut out = Vec::with_capacity(lines);
    // Names borrowed from the text, Fx-hashed: a 100,000-rule file should not pay a String
    // and a SipHash per name twice over.
    let mut seen: FxHashMap<&str, usize> =
        FxHashMap::with_capacity_and_hasher(lines, Default::default());
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let mut body = raw;
        if let Some(pos) = comment_start(raw) {
            body = &raw[..pos];
        }
        if body.trim().is_empty() {
            continue;
        }
        let Some(colon) = body.find(':') else {
            return Err(RuleFileError {
                line,
                msg: "expected `name: expression`".into(),
            });
        };
        let name = body[..colon].trim();
        if !valid_name(name) {
            return Err(RuleFileError {
                line,
                msg: format!("invalid rule name {name:?} (letters, digits, `_`, `-` and `.` only)"),
            });
        }
        let rest = &body[colon + 1..];
        let expr = rest.trim();
        if expr.is_empty() {
            return Err(RuleFileError {
                line,
                msg: format!("rule `{name}` has no expression"),
            });
        }
        if let Some(prev) = seen.insert(name, line) {
            return Err(RuleFileError {
                line,
                msg: format!("rule `{name}` already defined on line {prev}"),
            });
        }
        let lead = rest.len() - rest.trim_start().len();
        out.push(RuleSource {
            name: name.to_string(),
            expr: expr.to_string(),
            line,
            expr_col: colon + 1 + lead,
        });
    }
    Ok(out)
}

fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    // `str::find` with one ASCII character searches with memchr, many bytes at a time.
    let mut from = 0;
    while let Some(k) = line[from..].find('#') {
        let i = from + k;
        if i == 0 || b[i - 1].is_ascii_whitespace() {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_comments_and_blank_lines() {
        let r = parse_rule_file("# web\nweb: tcp port 80  # http\n\n dns : udp port 53\n").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].name, "web");
        assert_eq!(r[0].expr, "tcp port 80");
        assert_eq!(r[1].name, "dns");
        assert_eq!(r[1].line, 4);
        assert_eq!(&" dns : udp port 53"[r[1].expr_col..], "udp port 53");
        // A `#` inside a word does not start a comment; the first one after a space does.
        let r = parse_rule_file("x: a#b#c d # e # f\ny:#z\n#").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].expr, "a#b#c d");
        assert_eq!(r[1].expr, "#z");
    }

    #[test]
    fn rejects_duplicates_and_missing_parts() {
        assert_eq!(parse_rule_file("a: ip\na: tcp").unwrap_err().line, 2);
        assert!(parse_rule_file("just an expression").is_err());
        assert!(parse_rule_file("a:   ").is_err());
        assert!(parse_rule_file("bad name: ip").is_err());
    }
}
