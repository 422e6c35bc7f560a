//! The pcap-filter language: lexer, parser and AST (libpcap's `pcap-filter(7)`).

use std::fmt;
use std::ops::Range;

/// A filter that cannot be compiled: the message and the byte span of the source it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    pub msg: String,
    pub span: Range<usize>,
}

/// The message of a filter that no packet can match (libpcap refuses it with these words).
pub const REJECTS_ALL: &str = "expression rejects all packets";

impl FilterError {
    /// Is this libpcap's "expression rejects all packets" (a valid expression that can never
    /// match on this link type) rather than a malformed one?
    pub fn rejects_all_packets(&self) -> bool {
        self.msg == REJECTS_ALL
    }

    pub fn new(msg: impl Into<String>, span: Range<usize>) -> Self {
        FilterError {
            msg: msg.into(),
            span,
        }
    }

    /// The message, the source line and a caret line under the offending span.
    pub fn render(&self, src: &str) -> String {
        let start = self.span.start.min(src.len());
        let end = self.span.end.clamp(start, src.len());
        let width = src[start..end].chars().count().max(1);
        let pad = src[..start].chars().count();
        format!(
            "error: {}\n  {}\n  {}{}",
            self.msg,
            src,
            " ".repeat(pad),
            "^".repeat(width)
        )
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at {}..{})",
            self.msg, self.span.start, self.span.end
        )
    }
}

impl std::error::Error for FilterError {}

pub mod ast;
pub mod lexer;
pub mod names;
pub mod parser;

pub use ast::Expr;

/// Parses one pcap-filter expression. The empty expression is valid and accepts everything.
pub fn parse(src: &str) -> Result<Expr, FilterError> {
    let toks = lexer::lex(src)?;
    parser::Parser::new(&toks, src).parse_prog()
}
