//! A recursive-descent parser that accepts exactly libpcap's LALR grammar (`grammar.y`),
//! including its two odd corners:
//!
//! - **Qualifier carry-over.** A bare id after `and`/`or` takes the qualifiers of the term before
//!   it (`src host 1.2.3.4 or 5.6.7.8`), through `not` and parentheses; after a term that has
//!   none (`tcp and 80`) the id is an error.
//! - **`%` and `^` have no declared precedence** in libpcap's grammar, so bison shifts: they take
//!   everything to their right (`a + b % c + d` is `a + (b % (c + d))`).

use super::ast::*;
use super::lexer::{Kw, Tok, Token};
use super::FilterError;
use crate::ir::ArithOp;

/// The deepest nesting accepted: parentheses and brackets, the prefix operators (`not`, `!`,
/// unary `-`) and the arithmetic operators pending inside them, and the switches between `and`
/// and `or` in one chain (`a and b or c` is `(a and b) or c`: each switch groups everything
/// before it one level deeper). The parser and the passes after it recurse once per level;
/// libpcap's own parser stops at a similar depth (bison's 10,000-entry stack, several entries a
/// level). Real filters nest a handful of levels.
pub const MAX_NESTING: usize = 1_000;
/// The most `and`/`or` operators in one expression. A run of one operator is a flat list of
/// operands in the syntax tree (see [`Expr::And`]) and a chain in the IR that every pass walks
/// in a loop, so its length costs no stack: a 100,000-host `host A or host B ...` compiles on
/// an ordinary 2 MiB thread.
pub const MAX_OPERATORS: usize = 1_000_000;

/// One parenthesis (or bracket) level of [`check_size`]'s scan, for the height of the tree it
/// will parse to.
struct Level {
    /// Prefix and arithmetic operators pending in the current operand (they end at the level's
    /// next `and`/`or` or its `)`).
    pending: usize,
    /// The operator of the chain so far (`Some(true)`: `and`).
    op: Option<bool>,
    /// Switches between `and` and `or` so far.
    switches: usize,
    /// Tallest operand so far, and the current one's height.
    max_operand: usize,
    operand: usize,
}

impl Level {
    fn new() -> Level {
        Level {
            pending: 0,
            op: None,
            switches: 0,
            max_operand: 0,
            operand: 0,
        }
    }
    fn height(&self) -> usize {
        self.switches + self.max_operand.max(self.operand)
    }
}

/// Refuses, before any recursion, an expression nested deeper than [`MAX_NESTING`] or with
/// more than [`MAX_OPERATORS`] `and`/`or`: hostile or generated input must get an error that
/// names the place, never a stack overflow.
fn check_size(toks: &[Token]) -> PResult<()> {
    // The path depth (`depth`) bounds the parser's recursion and is checked at the token that
    // deepens it; the tree height (`Level::height`) also counts the `and`/`or` switches, which
    // deepen operands written before them, so it is checked whenever a level grows.
    let mut levels: Vec<Level> = vec![Level::new()];
    let mut depth = 0usize;
    let mut operators = 0usize;
    let too_deep = |span: &Span| {
        FilterError::new(
            format!(
                "expression nested more than {MAX_NESTING} levels deep (parentheses, `not`, \
                 arithmetic operators, and switches between `and` and `or` in one chain)"
            ),
            span.clone(),
        )
    };
    for t in toks {
        match t.tok {
            Tok::Punct('(' | '[') => {
                // Parentheses make no node of their own: what they hold adds its height to
                // the operand they are part of when they close.
                levels.push(Level::new());
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep(&t.span));
                }
            }
            Tok::Punct(')' | ']') if levels.len() > 1 => {
                let inner = levels.pop().unwrap_or_else(Level::new);
                depth -= 1 + inner.pending;
                if let Some(l) = levels.last_mut() {
                    l.operand += inner.height();
                    if l.height() > MAX_NESTING {
                        return Err(too_deep(&t.span));
                    }
                }
            }
            Tok::Kw(kw @ (Kw::And | Kw::Or)) => {
                operators += 1;
                if operators > MAX_OPERATORS {
                    return Err(FilterError::new(
                        format!("more than {MAX_OPERATORS} `and`/`or` operators in one expression"),
                        t.span.clone(),
                    ));
                }
                if let Some(l) = levels.last_mut() {
                    depth -= l.pending;
                    l.pending = 0;
                    let is_and = kw == Kw::And;
                    if l.op.is_some_and(|op| op != is_and) {
                        l.switches += 1;
                    }
                    l.op = Some(is_and);
                    l.max_operand = l.max_operand.max(l.operand);
                    l.operand = 0;
                    if l.height() > MAX_NESTING {
                        return Err(too_deep(&t.span));
                    }
                }
            }
            ref tok
                if matches!(tok, Tok::Kw(Kw::Not) | Tok::Punct('!')) || arith_op(tok).is_some() =>
            {
                if let Some(l) = levels.last_mut() {
                    l.pending += 1;
                    l.operand += 1;
                }
                depth += 1;
                if depth > MAX_NESTING || levels.last().is_some_and(|l| l.height() > MAX_NESTING) {
                    return Err(too_deep(&t.span));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

pub struct Parser<'a> {
    toks: &'a [Token],
    pos: usize,
    src: &'a str,
}

type PResult<T> = Result<T, FilterError>;

fn pname(kw: Kw) -> Option<Proto> {
    use Proto as P;
    Some(match kw {
        Kw::Link => P::Link,
        Kw::Ip => P::Ip,
        Kw::Arp => P::Arp,
        Kw::Rarp => P::Rarp,
        Kw::Sctp => P::Sctp,
        Kw::Tcp => P::Tcp,
        Kw::Udp => P::Udp,
        Kw::Icmp => P::Icmp,
        Kw::Igmp => P::Igmp,
        Kw::Igrp => P::Igrp,
        Kw::Pim => P::Pim,
        Kw::Vrrp => P::Vrrp,
        Kw::Carp => P::Carp,
        Kw::Atalk => P::Atalk,
        Kw::Aarp => P::Aarp,
        Kw::Decnet => P::Decnet,
        Kw::Lat => P::Lat,
        Kw::Sca => P::Sca,
        Kw::Mopdl => P::Mopdl,
        Kw::Moprc => P::Moprc,
        Kw::Ip6 => P::Ip6,
        Kw::Icmp6 => P::Icmp6,
        Kw::Ah => P::Ah,
        Kw::Esp => P::Esp,
        Kw::Iso => P::Iso,
        Kw::Esis => P::Esis,
        Kw::Isis => P::Isis,
        Kw::L1 => P::IsisL1,
        Kw::L2 => P::IsisL2,
        Kw::Iih => P::IsisIih,
        Kw::Lsp => P::IsisLsp,
        Kw::Snp => P::IsisSnp,
        Kw::Psnp => P::IsisPsnp,
        Kw::Csnp => P::IsisCsnp,
        Kw::Clnp => P::Clnp,
        Kw::Stp => P::Stp,
        Kw::Ipx => P::Ipx,
        Kw::Netbeui => P::Netbeui,
        Kw::Radio => P::Radio,
        _ => return None,
    })
}

fn is_dqual_start(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::Src | Kw::Dst | Kw::Addr1 | Kw::Addr2 | Kw::Addr3 | Kw::Addr4 | Kw::Ra | Kw::Ta
    )
}

fn aqual(kw: Kw) -> Option<Addr> {
    Some(match kw {
        Kw::Host => Addr::Host,
        Kw::Net => Addr::Net,
        Kw::Port => Addr::Port,
        Kw::Portrange => Addr::Portrange,
        _ => return None,
    })
}

/// Binary arithmetic operator and its bison precedence (`None`: undeclared, always shifts).
fn arith_op(t: &Tok) -> Option<(ArithOp, Option<u8>)> {
    Some(match t {
        Tok::Punct('|') => (ArithOp::Or, Some(1)),
        Tok::Punct('&') => (ArithOp::And, Some(2)),
        Tok::Lsh => (ArithOp::Shl, Some(3)),
        Tok::Rsh => (ArithOp::Shr, Some(3)),
        Tok::Punct('+') => (ArithOp::Add, Some(4)),
        Tok::Punct('-') => (ArithOp::Sub, Some(4)),
        Tok::Punct('*') => (ArithOp::Mul, Some(5)),
        Tok::Punct('/') => (ArithOp::Div, Some(5)),
        Tok::Punct('%') => (ArithOp::Mod, None),
        Tok::Punct('^') => (ArithOp::Xor, None),
        _ => return None,
    })
}

fn rel_op(t: &Tok) -> Option<RelOp> {
    Some(match t {
        Tok::Punct('>') => RelOp::Gt,
        Tok::Geq => RelOp::Ge,
        Tok::Punct('=') => RelOp::Eq,
        Tok::Leq => RelOp::Le,
        Tok::Punct('<') => RelOp::Lt,
        Tok::Neq => RelOp::Ne,
        _ => return None,
    })
}

impl<'a> Parser<'a> {
    pub fn new(toks: &'a [Token], src: &'a str) -> Self {
        Parser { toks, pos: 0, src }
    }

    fn peek(&self) -> Option<&'a Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }
    fn peek_at(&self, n: usize) -> Option<&'a Tok> {
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }
    fn span_here(&self) -> Span {
        match self.toks.get(self.pos) {
            Some(t) => t.span.clone(),
            None => self.src.len()..self.src.len(),
        }
    }
    fn start(&self) -> usize {
        self.span_here().start
    }
    fn end_prev(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.toks[self.pos - 1].span.end
        }
    }
    fn bump(&mut self) -> Option<&'a Tok> {
        let t = self.toks.get(self.pos).map(|t| &t.tok);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }
    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn syntax_error<T>(&self, what: &str) -> PResult<T> {
        let found = match self.peek() {
            None => "end of expression".to_string(),
            Some(_) => format!("`{}`", &self.src[self.span_here()]),
        };
        Err(FilterError::new(
            format!("syntax error: expected {what}, found {found}"),
            self.span_here(),
        ))
    }
    fn expect(&mut self, t: &Tok, what: &str) -> PResult<()> {
        if self.eat(t) {
            Ok(())
        } else {
            self.syntax_error(what)
        }
    }

    /// `prog: null expr | null`
    pub fn parse_prog(&mut self) -> PResult<Expr> {
        if self.peek().is_none() {
            return Ok(Expr::Empty);
        }
        check_size(self.toks)?;
        let (e, _) = self.parse_expr(Qual::ERR)?;
        if self.peek().is_some() {
            return self.syntax_error("`and`, `or` or the end of the expression");
        }
        Ok(e)
    }

    /// `expr: term | expr and term | expr and id | expr or term | expr or id`
    fn parse_expr(&mut self, inh: Qual) -> PResult<(Expr, Qual)> {
        let (mut e, mut q) = self.parse_term(inh)?;
        loop {
            let is_and = match self.peek() {
                Some(Tok::Kw(Kw::And)) => true,
                Some(Tok::Kw(Kw::Or)) => false,
                _ => break,
            };
            self.pos += 1;
            let rhs = match self.try_id(q) {
                Some(id) => id,
                None => {
                    let (t, tq) = self.parse_term(q)?;
                    q = tq;
                    t
                }
            };
            e = e.chain(is_and, rhs);
        }
        Ok((e, q))
    }

    /// Tries to read an `id` (as the grammar's `expr and id`), backtracking when what follows is
    /// not an id or the id is not followed by something that may follow one.
    fn try_id(&mut self, q: Qual) -> Option<Expr> {
        // Only these tokens can start an id; anything else (`host` after each `or` of a host
        // list) would fail in `parse_id` after formatting an error message for nothing.
        if !matches!(
            self.peek(),
            Some(
                Tok::Kw(Kw::Not)
                    | Tok::Punct('!' | '(')
                    | Tok::Num(_)
                    | Tok::Hid(_)
                    | Tok::Hid6(_)
                    | Tok::Eid(_)
                    | Tok::Aid(_)
                    | Tok::Id(_)
            )
        ) {
            return None;
        }
        let save = self.pos;
        match self.parse_id(q) {
            Ok(e)
                if matches!(
                    self.peek(),
                    None | Some(Tok::Kw(Kw::And)) | Some(Tok::Kw(Kw::Or)) | Some(Tok::Punct(')'))
                ) =>
            {
                Some(e)
            }
            _ => {
                self.pos = save;
                None
            }
        }
    }

    /// `id: nid | pnum | paren pid ')'`, `nid: ID | HID [/NUM | mask HID] | HID6 [/NUM] | EID |
    /// AID | not id`.
    fn parse_id(&mut self, q: Qual) -> PResult<Expr> {
        let start = self.start();
        let Some(t) = self.peek() else {
            return self.syntax_error("an address, number or name");
        };
        let id = match t {
            Tok::Kw(Kw::Not) | Tok::Punct('!') => {
                self.pos += 1;
                let inner = self.parse_id(q)?;
                return Ok(Expr::Not(Box::new(inner)));
            }
            Tok::Punct('(') => {
                self.pos += 1;
                let e = self.parse_pid(q)?;
                self.expect(&Tok::Punct(')'), "`)`")?;
                return Ok(e);
            }
            Tok::Num(n) => {
                // A number followed by an operator is arithmetic, not a `pnum` id.
                if let Some(next) = self.peek_at(1) {
                    if arith_op(next).is_some() || rel_op(next).is_some() {
                        return self.syntax_error("an id");
                    }
                }
                self.pos += 1;
                Id::Num(*n)
            }
            Tok::Hid(h) => {
                self.pos += 1;
                if self.peek() == Some(&Tok::Punct('/')) {
                    self.pos += 1;
                    match self.bump() {
                        Some(Tok::Num(n)) => Id::V4Len(h.clone(), *n),
                        _ => {
                            self.pos -= 1;
                            return self.syntax_error("a prefix length");
                        }
                    }
                } else if self.peek() == Some(&Tok::Kw(Kw::Mask)) {
                    self.pos += 1;
                    match self.bump() {
                        Some(Tok::Hid(m)) => Id::V4Mask(h.clone(), m.clone()),
                        _ => {
                            self.pos -= 1;
                            return self.syntax_error("a netmask");
                        }
                    }
                } else {
                    Id::V4(h.clone())
                }
            }
            Tok::Hid6(h) => {
                self.pos += 1;
                if self.peek() == Some(&Tok::Punct('/')) {
                    self.pos += 1;
                    match self.bump() {
                        Some(Tok::Num(n)) => Id::V6Len(h.clone(), *n),
                        _ => {
                            self.pos -= 1;
                            return self.syntax_error("a prefix length");
                        }
                    }
                } else {
                    Id::V6(h.clone())
                }
            }
            Tok::Eid(e) => {
                self.pos += 1;
                Id::Mac(e.clone())
            }
            Tok::Aid(a) => {
                self.pos += 1;
                Id::Arcnet(a.clone())
            }
            Tok::Id(s) => {
                self.pos += 1;
                Id::Name(s.clone())
            }
            _ => return self.syntax_error("an address, number or name"),
        };
        Ok(Expr::Qualified {
            q,
            id,
            span: start..self.end_prev(),
        })
    }

    /// `pid: nid | qid and id | qid or id` (inside parentheses after a qualifier).
    fn parse_pid(&mut self, q: Qual) -> PResult<Expr> {
        let mut e = self.parse_id(q)?;
        loop {
            let is_and = match self.peek() {
                Some(Tok::Kw(Kw::And)) => true,
                Some(Tok::Kw(Kw::Or)) => false,
                _ => break,
            };
            self.pos += 1;
            let rhs = self.parse_id(q)?;
            e = e.chain(is_and, rhs);
        }
        Ok(e)
    }

    /// `term: rterm | not term`
    fn parse_term(&mut self, inh: Qual) -> PResult<(Expr, Qual)> {
        match self.peek() {
            Some(Tok::Kw(Kw::Not)) | Some(Tok::Punct('!')) => {
                self.pos += 1;
                let (t, q) = self.parse_term(inh)?;
                Ok((Expr::Not(Box::new(t)), q))
            }
            _ => self.parse_rterm(inh),
        }
    }

    fn parse_rterm(&mut self, inh: Qual) -> PResult<(Expr, Qual)> {
        let start = self.start();
        let Some(t) = self.peek() else {
            return self.syntax_error("a filter primitive");
        };
        match t {
            Tok::Punct('(') => {
                // `(` opens arithmetic (`(ip[0] + 1) = 2`) or a parenthesised expression.
                let save = self.pos;
                if let Ok(rel) = self.parse_relation() {
                    return Ok((rel, Qual::ERR));
                }
                self.pos = save;
                self.pos += 1;
                let (e, _) = self.parse_expr(inh)?;
                self.expect(&Tok::Punct(')'), "`)`")?;
                Ok((e, inh))
            }
            Tok::Num(_) | Tok::Punct('-') | Tok::Kw(Kw::Len) => {
                Ok((self.parse_relation()?, Qual::ERR))
            }
            Tok::Kw(kw) => {
                let kw = *kw;
                if let Some(p) = pname(kw) {
                    match self.peek_at(1) {
                        Some(Tok::Punct('[')) => Ok((self.parse_relation()?, Qual::ERR)),
                        Some(Tok::Kw(k2))
                            if is_dqual_start(*k2)
                                || aqual(*k2).is_some()
                                || matches!(k2, Kw::Proto | Kw::Protochain | Kw::Gateway) =>
                        {
                            self.pos += 1;
                            self.parse_head(Slot::Is(p), start)
                        }
                        Some(Tok::Kw(Kw::Broadcast)) => {
                            self.pos += 2;
                            Ok((
                                Expr::Other(Other::Broadcast(Slot::Is(p)), start..self.end_prev()),
                                Qual::ERR,
                            ))
                        }
                        Some(Tok::Kw(Kw::Multicast)) => {
                            self.pos += 2;
                            Ok((
                                Expr::Other(Other::Multicast(Slot::Is(p)), start..self.end_prev()),
                                Qual::ERR,
                            ))
                        }
                        Some(Tok::Kw(Kw::Type | Kw::Subtype | Kw::Dir)) => {
                            self.pos += 1;
                            self.parse_p80211(start)
                        }
                        _ => {
                            self.pos += 1;
                            Ok((Expr::Proto(p, start..self.end_prev()), Qual::ERR))
                        }
                    }
                } else if is_dqual_start(kw)
                    || aqual(kw).is_some()
                    || matches!(kw, Kw::Proto | Kw::Protochain | Kw::Gateway)
                {
                    self.parse_head(Slot::Default, start)
                } else {
                    let o = self.parse_other(kw, start)?;
                    Ok((o, Qual::ERR))
                }
            }
            _ => self.syntax_error("a filter primitive"),
        }
    }

    /// `head id`, after the optional protocol qualifier.
    fn parse_head(&mut self, proto: Slot<Proto>, _start: usize) -> PResult<(Expr, Qual)> {
        let mut q = Qual {
            proto,
            dir: Slot::Default,
            addr: Slot::Default,
        };
        match self.peek() {
            Some(Tok::Kw(Kw::Proto)) => {
                self.pos += 1;
                q.addr = Slot::Is(Addr::Proto);
            }
            Some(Tok::Kw(Kw::Protochain)) => {
                self.pos += 1;
                q.addr = Slot::Is(Addr::Protochain);
            }
            Some(Tok::Kw(Kw::Gateway)) => {
                self.pos += 1;
                q.addr = Slot::Is(Addr::Gateway);
            }
            _ => {
                if let Some(Tok::Kw(k)) = self.peek() {
                    if is_dqual_start(*k) {
                        q.dir = Slot::Is(self.parse_dqual()?);
                    }
                }
                if let Some(Tok::Kw(k)) = self.peek() {
                    if let Some(a) = aqual(*k) {
                        self.pos += 1;
                        q.addr = Slot::Is(a);
                    }
                }
            }
        }
        let id = self.parse_id(q)?;
        Ok((id, q))
    }

    fn parse_dqual(&mut self) -> PResult<Dir> {
        let Some(Tok::Kw(k)) = self.bump() else {
            return self.syntax_error("a direction");
        };
        Ok(match k {
            Kw::Src | Kw::Dst => {
                let first_src = *k == Kw::Src;
                let other = if first_src { Kw::Dst } else { Kw::Src };
                match self.peek() {
                    Some(Tok::Kw(Kw::Or)) | Some(Tok::Kw(Kw::And))
                        if self.peek_at(1) == Some(&Tok::Kw(other)) =>
                    {
                        let or = self.peek() == Some(&Tok::Kw(Kw::Or));
                        self.pos += 2;
                        if or {
                            Dir::SrcOrDst
                        } else {
                            Dir::SrcAndDst
                        }
                    }
                    Some(Tok::Kw(Kw::Or)) | Some(Tok::Kw(Kw::And)) => {
                        self.pos += 1;
                        return self.syntax_error(if first_src { "`dst`" } else { "`src`" });
                    }
                    _ => {
                        if first_src {
                            Dir::Src
                        } else {
                            Dir::Dst
                        }
                    }
                }
            }
            Kw::Addr1 => Dir::Addr1,
            Kw::Addr2 => Dir::Addr2,
            Kw::Addr3 => Dir::Addr3,
            Kw::Addr4 => Dir::Addr4,
            Kw::Ra => Dir::Ra,
            _ => Dir::Ta,
        })
    }

    fn parse_pnum(&mut self) -> PResult<u32> {
        match self.peek() {
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(*n)
            }
            Some(Tok::Punct('(')) => {
                self.pos += 1;
                let n = self.parse_pnum()?;
                self.expect(&Tok::Punct(')'), "`)`")?;
                Ok(n)
            }
            _ => self.syntax_error("a number"),
        }
    }

    fn opt_pnum(&mut self) -> PResult<Option<u32>> {
        match self.peek() {
            Some(Tok::Num(_)) | Some(Tok::Punct('(')) => Ok(Some(self.parse_pnum()?)),
            _ => Ok(None),
        }
    }

    fn parse_num(&mut self) -> PResult<u32> {
        match self.peek() {
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(*n)
            }
            _ => self.syntax_error("a number"),
        }
    }

    fn parse_other(&mut self, kw: Kw, start: usize) -> PResult<Expr> {
        self.pos += 1;
        let o = match kw {
            Kw::Broadcast => Other::Broadcast(Slot::Default),
            Kw::Multicast => Other::Multicast(Slot::Default),
            Kw::Less => Other::Less(self.parse_num()?),
            Kw::Greater => Other::Greater(self.parse_num()?),
            Kw::Byte => {
                let off = self.parse_num()?;
                let op = match self.bump() {
                    Some(Tok::Punct('&')) => ByteOp::And,
                    Some(Tok::Punct('|')) => ByteOp::Or,
                    Some(Tok::Punct('<')) => ByteOp::Lt,
                    Some(Tok::Punct('>')) => ByteOp::Gt,
                    Some(Tok::Punct('=')) => ByteOp::Eq,
                    _ => {
                        self.pos -= 1;
                        return self.syntax_error("one of `& | < > =`");
                    }
                };
                Other::Byte(off, op, self.parse_num()?)
            }
            Kw::Inbound => Other::Inbound,
            Kw::Outbound => Other::Outbound,
            Kw::Ifindex => Other::Ifindex(self.parse_num()?),
            Kw::Vlan => Other::Vlan(self.opt_pnum()?),
            Kw::Mpls => Other::Mpls(self.opt_pnum()?),
            Kw::Pppoed => Other::Pppoed,
            Kw::Pppoes => Other::Pppoes(self.opt_pnum()?),
            Kw::Geneve => Other::Geneve(self.opt_pnum()?),
            Kw::Llc => {
                // `llc`, `llc i|s|u|<subtype name>`, `llc rnr`
                match self.peek() {
                    Some(Tok::Id(s)) => {
                        self.pos += 1;
                        Other::Llc(Some(s.clone()))
                    }
                    Some(Tok::Kw(Kw::PfRnr)) => {
                        self.pos += 1;
                        Other::Llc(Some("rnr".into()))
                    }
                    _ => Other::Llc(None),
                }
            }
            Kw::Lane
            | Kw::Metac
            | Kw::Bcc
            | Kw::Oamf4ec
            | Kw::Oamf4sc
            | Kw::Sc
            | Kw::Ilmic
            | Kw::Oam
            | Kw::Oamf4
            | Kw::Connectmsg
            | Kw::Metaconnect => Other::Unsupported("ATM primitives"),
            Kw::Vpi | Kw::Vci => {
                self.parse_field_value()?;
                Other::Unsupported("ATM primitives")
            }
            Kw::Fisu | Kw::Lssu | Kw::Msu | Kw::Hfisu | Kw::Hlssu | Kw::Hmsu => {
                Other::Unsupported("MTP2 primitives")
            }
            Kw::Sio | Kw::Opc | Kw::Dpc | Kw::Sls | Kw::Hsio | Kw::Hopc | Kw::Hdpc | Kw::Hsls => {
                self.parse_field_value()?;
                Other::Unsupported("MTP3 primitives")
            }
            Kw::PfIfname | Kw::PfRset => {
                match self.bump() {
                    Some(Tok::Id(_)) => {}
                    _ => {
                        self.pos -= 1;
                        return self.syntax_error("a name");
                    }
                }
                Other::Unsupported("pflog primitives")
            }
            Kw::PfRnr | Kw::PfSrnr => {
                self.parse_num()?;
                Other::Unsupported("pflog primitives")
            }
            Kw::PfReason | Kw::PfAction => {
                match self.bump() {
                    Some(Tok::Id(_)) | Some(Tok::Num(_)) => {}
                    _ => {
                        self.pos -= 1;
                        return self.syntax_error("a name");
                    }
                }
                Other::Unsupported("pflog primitives")
            }
            Kw::Type | Kw::Subtype | Kw::Dir => {
                self.pos -= 1;
                return self.parse_p80211(start).map(|(e, _)| e);
            }
            _ => {
                self.pos -= 1;
                return self.syntax_error("a filter primitive");
            }
        };
        Ok(Expr::Other(o, start..self.end_prev()))
    }

    /// ATM/MTP3 field values: `NUM`, `relop NUM`, or a parenthesised `or` list of numbers.
    fn parse_field_value(&mut self) -> PResult<()> {
        match self.peek() {
            Some(Tok::Num(_)) => {
                self.pos += 1;
                Ok(())
            }
            Some(t) if rel_op(t).is_some() => {
                self.pos += 1;
                self.parse_num().map(|_| ())
            }
            Some(Tok::Punct('(')) => {
                self.pos += 1;
                self.parse_num()?;
                while self.eat(&Tok::Kw(Kw::Or)) {
                    self.parse_num()?;
                }
                self.expect(&Tok::Punct(')'), "`)`")
            }
            _ => self.syntax_error("a number"),
        }
    }

    fn parse_p80211(&mut self, start: usize) -> PResult<(Expr, Qual)> {
        // `type T [subtype S]`, `subtype S`, `dir D`: names or numbers.
        let kw = self.bump();
        let take_value = |p: &mut Self| match p.bump() {
            Some(Tok::Id(_)) | Some(Tok::Num(_)) => Ok(()),
            _ => {
                p.pos -= 1;
                p.syntax_error("an 802.11 type, subtype or direction")
            }
        };
        take_value(self)?;
        if kw == Some(&Tok::Kw(Kw::Type)) && self.eat(&Tok::Kw(Kw::Subtype)) {
            take_value(self)?;
        }
        Ok((
            Expr::Other(
                Other::Unsupported("802.11 primitives"),
                start..self.end_prev(),
            ),
            Qual::ERR,
        ))
    }

    /// `arth relop arth | arth irelop arth`
    fn parse_relation(&mut self) -> PResult<Expr> {
        let start = self.start();
        let a = self.parse_arith(0)?;
        let Some(op) = self.peek().and_then(rel_op) else {
            return self.syntax_error("a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`)");
        };
        self.pos += 1;
        let b = self.parse_arith(0)?;
        Ok(Expr::Rel(a, op, b, start..self.end_prev()))
    }

    fn parse_arith(&mut self, min_prec: u8) -> PResult<Arith> {
        let start = self.start();
        let mut lhs = self.parse_unary()?;
        while let Some((op, prec)) = self.peek().and_then(arith_op) {
            match prec {
                // Undeclared precedence: bison shifts, so the operator takes all to its right.
                None => {
                    self.pos += 1;
                    let rhs = self.parse_arith(0)?;
                    lhs = Arith::Bin(op, Box::new(lhs), Box::new(rhs), start..self.end_prev());
                }
                Some(p) if p >= min_prec.max(1) => {
                    self.pos += 1;
                    let rhs = self.parse_arith(p + 1)?;
                    lhs = Arith::Bin(op, Box::new(lhs), Box::new(rhs), start..self.end_prev());
                }
                _ => break,
            }
        }
        Ok(lhs)
    }

    fn parse_unary(&mut self) -> PResult<Arith> {
        if self.eat(&Tok::Punct('-')) {
            let start = self.start();
            let inner = self.parse_unary()?;
            // `- a % b` shifts too: the minus applies to `a % b...`.
            if let Some((op, None)) = self.peek().and_then(arith_op) {
                self.pos += 1;
                let rhs = self.parse_arith(0)?;
                return Ok(Arith::Neg(Box::new(Arith::Bin(
                    op,
                    Box::new(inner),
                    Box::new(rhs),
                    start..self.end_prev(),
                ))));
            }
            return Ok(Arith::Neg(Box::new(inner)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> PResult<Arith> {
        let start = self.start();
        match self.peek() {
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(Arith::Num(*n))
            }
            Some(Tok::Kw(Kw::Len)) => {
                self.pos += 1;
                Ok(Arith::Len)
            }
            Some(Tok::Punct('(')) => {
                self.pos += 1;
                let a = self.parse_arith(0)?;
                self.expect(&Tok::Punct(')'), "`)`")?;
                Ok(a)
            }
            Some(Tok::Kw(kw)) if pname(*kw).is_some() => {
                let p = pname(*kw).unwrap_or(Proto::Link);
                self.pos += 1;
                self.expect(&Tok::Punct('['), "`[`")?;
                let index = self.parse_arith(0)?;
                let size = if self.eat(&Tok::Punct(':')) {
                    self.parse_num()?
                } else {
                    1
                };
                self.expect(&Tok::Punct(']'), "`]`")?;
                Ok(Arith::Load {
                    proto: p,
                    index: Box::new(index),
                    size,
                    span: start..self.end_prev(),
                })
            }
            _ => self.syntax_error("a number, `len` or a packet access like `ip[0]`"),
        }
    }
}
