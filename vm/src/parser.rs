//! A recursive-descent parser for Erlang forms, following OTP's operator precedence:
//! `catch` < `=` `!` < `orelse` < `andalso` < comparisons < `++` `--` < additive <
//! multiplicative < unary < `#` < `:`.

use crate::ast::*;
use crate::error::CompileError;
use crate::lexer::{Pos, Tok, Token};
use crate::term::Term;

pub struct Parser<'a> {
    toks: &'a [Token],
    i: usize,
    /// Set while parsing a catch-clause head, where `:` separates class, reason and stack.
    no_remote: bool,
    /// Set while parsing a clause's patterns: erl_parse's pattern grammar has no
    /// comprehensions, so it stops at their `||`.
    in_pattern: bool,
}

type R<T> = Result<T, CompileError>;

/// Source nesting (a 5,000-element list literal is 5,000 nested conses) may be deeper than the
/// caller's thread stack allows: the recursive passes grow their stack on the heap, in chunks,
/// when less than `RED_ZONE` bytes remain.
const RED_ZONE: usize = 128 * 1024;
const STACK_CHUNK: usize = 4 * 1024 * 1024;

fn tok_text(t: &Tok) -> String {
    match t {
        // As io_lib:write_atom: quoted only when it must be.
        Tok::Atom(a) => {
            let plain = a.starts_with(|c: char| c.is_ascii_lowercase())
                && a.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '@')
                && crate::lexer::keyword(a).is_none();
            if plain {
                a.clone()
            } else {
                format!("'{a}'")
            }
        }
        Tok::Var(v) => v.clone(),
        Tok::Int(i) => i.to_string(),
        Tok::Float(f) => f.to_string(),
        Tok::Char(c) => format!("${}", char::from_u32(*c).unwrap_or('?')),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Kw(k) => format!("'{k}'"),
        Tok::Punct(p) => format!("'{p}'"),
        Tok::Dot => "'.'".into(),
        // What erl_parse says of a form cut short by the end of the file.
        Tok::Eof => String::new(),
    }
}

pub fn parse_form(toks: &[Token]) -> R<Form> {
    let mut p = Parser {
        toks,
        i: 0,
        no_remote: false,
        in_pattern: false,
    };
    p.form()
}

/// A map's fields (`true` for `:=`) and where each operator is.
type MapFields = (Vec<(Expr, bool, Expr)>, Vec<Pos>);
/// A record expression's fields and where each name is.
type RecordFields = (Vec<(String, Expr)>, Vec<Pos>);

/// The arguments of the parenthesised group opening at `toks[open]` (a `(`), split at its
/// top-level commas (none for `()`), and the index after its `)`; `None` if it never closes.
fn group_args(toks: &[Token], open: usize) -> Option<(Vec<&[Token]>, usize)> {
    let mut depth = 0usize;
    let mut args = Vec::new();
    let mut start = open + 1;
    for (k, t) in toks.iter().enumerate().skip(open) {
        match &t.tok {
            Tok::Punct("(" | "[" | "{" | "<<") => depth += 1,
            Tok::Punct(")" | "]" | "}" | ">>") => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    if k > open + 1 {
                        args.push(&toks[start..k]);
                    }
                    return Some((args, k + 1));
                }
            }
            Tok::Punct(",") if depth == 1 => {
                args.push(&toks[start..k]);
                start = k + 1;
            }
            Tok::Dot | Tok::Eof => return None,
            _ => {}
        }
    }
    None
}

/// Appends what the type expression `toks` refers to: every `name(...)` not preceded by `:`
/// (a remote type) and every `#name{`. `is_subtype(V, T)` is the old spelling of a `when`
/// constraint, not a type.
fn type_refs(toks: &[Token], out: &mut Vec<TypeRef>) {
    for (k, t) in toks.iter().enumerate() {
        let next = toks.get(k + 1).map(|t| &t.tok);
        match &t.tok {
            Tok::Atom(name) if matches!(next, Some(Tok::Punct("("))) => {
                let remote = k > 0 && matches!(toks[k - 1].tok, Tok::Punct(":"));
                if remote || name == "is_subtype" {
                    continue;
                }
                if let Some((args, _)) = group_args(toks, k + 1) {
                    out.push(TypeRef::Local(t.pos, name.clone(), args.len()));
                }
            }
            Tok::Punct("#") => {
                if let (Some(Tok::Atom(r)), Some(Tok::Punct("{"))) =
                    (next, toks.get(k + 2).map(|t| &t.tok))
                {
                    out.push(TypeRef::Record(t.pos, r.clone()));
                }
            }
            _ => {}
        }
    }
}

/// The expression of a preprocessor directive's argument: `toks` runs from after its `(`
/// to the form's final dot, and must hold the expression, `)`, and nothing else.
pub fn parse_directive_expr(toks: &[Token]) -> R<Expr> {
    // The parser reads its last token again and again at the end: a dot (or an end of
    // file) there keeps a directive cut short from looking like an endless `- - -...`.
    let ended = matches!(toks.last().map(|t| &t.tok), Some(Tok::Dot | Tok::Eof));
    let mut owned = Vec::new();
    let toks = if ended {
        toks
    } else {
        owned.extend(toks.iter().cloned());
        owned.push(Token {
            tok: Tok::Eof,
            pos: toks.last().map(|t| t.pos).unwrap_or_default(),
        });
        &owned[..]
    };
    let mut p = Parser {
        toks,
        i: 0,
        no_remote: false,
        in_pattern: false,
    };
    let v = p.expr()?;
    p.expect_p(")")?;
    if p.i + 1 < toks.len() {
        return p.err();
    }
    Ok(v)
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &Tok {
        &self.toks[self.i.min(self.toks.len() - 1)].tok
    }
    fn peek2(&self) -> &Tok {
        &self.toks[(self.i + 1).min(self.toks.len() - 1)].tok
    }
    fn pos(&self) -> Pos {
        self.toks[self.i.min(self.toks.len() - 1)].pos
    }
    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }
    fn err<T>(&self) -> R<T> {
        Err(CompileError::new(
            self.pos(),
            format!("syntax error before: {}", tok_text(self.peek())),
        ))
    }
    fn is_p(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(x) if *x == p)
    }
    fn is_kw(&self, k: &str) -> bool {
        matches!(self.peek(), Tok::Kw(x) if *x == k)
    }
    fn eat_p(&mut self, p: &str) -> bool {
        if self.is_p(p) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect_p(&mut self, p: &str) -> R<()> {
        if self.eat_p(p) {
            Ok(())
        } else {
            self.err()
        }
    }
    fn expect_kw(&mut self, k: &str) -> R<()> {
        if self.is_kw(k) {
            self.i += 1;
            Ok(())
        } else {
            self.err()
        }
    }
    fn atom(&mut self) -> R<String> {
        match self.peek().clone() {
            Tok::Atom(a) => {
                self.i += 1;
                Ok(a)
            }
            _ => self.err(),
        }
    }

    fn form(&mut self) -> R<Form> {
        let pos = self.pos();
        if self.eat_p("-") {
            let name = match self.next() {
                Tok::Atom(a) => a,
                Tok::Kw(k) => k.to_string(),
                _ => {
                    self.i -= 1;
                    return self.err();
                }
            };
            // erl_lint places an attribute's errors at its name, after the '-'.
            let name_pos = self.toks[self.i - 1].pos;
            return self.attribute(name_pos, &name);
        }
        let name = self.atom()?;
        let mut clauses = Vec::new();
        // Where each clause's name is: erl_lint reports a head mismatch there.
        let mut name_pos = vec![pos];
        loop {
            let cpos = self.pos();
            let pats = self.patterns(Self::args)?;
            let guards = self.opt_guard()?;
            self.expect_p("->")?;
            let body = self.exprs()?;
            clauses.push(Clause {
                pos: cpos,
                pats,
                guards,
                body,
            });
            if self.eat_p(";") {
                name_pos.push(self.pos());
                let n = self.atom()?;
                if n != name {
                    return Err(CompileError::new(
                        self.toks[self.i - 1].pos,
                        format!("head mismatch: {n} vs {name}"),
                    ));
                }
                continue;
            }
            break;
        }
        if !matches!(self.peek(), Tok::Dot) {
            return self.err();
        }
        let arity = clauses[0].pats.len();
        if let Some(i) = clauses.iter().position(|c| c.pats.len() != arity) {
            return Err(CompileError::new(name_pos[i], "head mismatch"));
        }
        Ok(Form::Function(pos, name, arity, clauses))
    }

    fn attribute(&mut self, pos: Pos, name: &str) -> R<Form> {
        match name {
            "module" => {
                self.expect_p("(")?;
                let m = self.atom()?;
                self.expect_p(")")?;
                Ok(Form::Module(pos, m))
            }
            "export" => {
                self.expect_p("(")?;
                let l = self.fa_list()?;
                self.expect_p(")")?;
                Ok(Form::Export(pos, l))
            }
            "import" => {
                self.expect_p("(")?;
                let m = self.atom()?;
                self.expect_p(",")?;
                let l = self.fa_list()?;
                self.expect_p(")")?;
                Ok(Form::Import(pos, m, l))
            }
            "record" => {
                self.expect_p("(")?;
                let r = self.atom()?;
                self.expect_p(",")?;
                self.expect_p("{")?;
                let mut fields = Vec::new();
                let mut refs = Vec::new();
                let mut at = Vec::new();
                if !self.is_p("}") {
                    loop {
                        at.push(self.pos());
                        let f = self.atom()?;
                        let def = if self.eat_p("=") {
                            Some(self.expr()?)
                        } else {
                            None
                        };
                        if self.eat_p("::") {
                            let from = self.i;
                            self.skip_type()?;
                            type_refs(&self.toks[from..self.i], &mut refs);
                        }
                        fields.push((f, def));
                        if !self.eat_p(",") {
                            break;
                        }
                    }
                }
                self.expect_p("}")?;
                self.expect_p(")")?;
                Ok(Form::Record(pos, r, fields, refs, at))
            }
            "compile" => {
                let t = &self.toks[self.i..];
                let has_export_all = t.iter().any(|t| t.tok == Tok::Atom("export_all".into()));
                // `{no_auto_import, [F/A, {F, A}...]}` (or one `{F, A}`) anywhere in the options.
                let mut no_auto = Vec::new();
                for (k, x) in t.iter().enumerate() {
                    if x.tok != Tok::Atom("no_auto_import".into()) {
                        continue;
                    }
                    let rest = &t[k + 1..];
                    let end = rest
                        .iter()
                        .position(|t| matches!(t.tok, Tok::Punct("]")) || t.tok == Tok::Dot)
                        .unwrap_or(rest.len());
                    let toks: Vec<&Tok> = rest[..end].iter().map(|t| &t.tok).collect();
                    for w in toks.windows(3) {
                        match w {
                            [Tok::Atom(f), Tok::Punct("/"), Tok::Int(a)]
                            | [Tok::Atom(f), Tok::Punct(","), Tok::Int(a)] => {
                                if let Ok(a) = usize::try_from(a) {
                                    no_auto.push((f.clone(), a));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                Ok(Form::Compile(has_export_all, no_auto))
            }
            "type" | "opaque" => Ok(self.type_def(pos)),
            "spec" => Ok(self.spec(pos)),
            _ => Ok(Form::Ignored),
        }
    }

    /// `-type Name(Vars) :: Type.` (the tokens after the attribute's name). A shape this
    /// does not know is left alone (`Form::Ignored`): types are checked, not compiled.
    fn type_def(&mut self, pos: Pos) -> Form {
        let t = &self.toks[self.i..];
        let (Some(Tok::Atom(name)), Some(Tok::Punct("("))) =
            (t.first().map(|t| &t.tok), t.get(1).map(|t| &t.tok))
        else {
            return Form::Ignored;
        };
        let Some((params, after)) = group_args(t, 1) else {
            return Form::Ignored;
        };
        if !matches!(t.get(after).map(|t| &t.tok), Some(Tok::Punct("::"))) {
            return Form::Ignored;
        }
        let params: Vec<&str> = params
            .iter()
            .filter_map(|a| match a {
                [Token {
                    tok: Tok::Var(v), ..
                }] => Some(v.as_str()),
                _ => None,
            })
            .collect();
        let arity = group_args(t, 1).map_or(0, |(a, _)| a.len());
        let body = &t[after + 1..];
        let mut refs = Vec::new();
        type_refs(body, &mut refs);
        // A variable that is not a parameter and appears once is bound by nothing.
        let mut unbound = None;
        for (k, tok) in body.iter().enumerate() {
            if let Tok::Var(v) = &tok.tok {
                let used = body
                    .iter()
                    .filter(|x| matches!(&x.tok, Tok::Var(w) if w == v))
                    .count();
                if !v.starts_with('_') && used == 1 && !params.contains(&v.as_str()) {
                    unbound = Some((body[k].pos, v.clone()));
                    break;
                }
            }
        }
        Form::Type(pos, name.clone(), arity, refs, unbound)
    }

    /// `-spec [Module:]Name(ArgTypes) -> Type [; (...) -> ...].` (the tokens after the
    /// attribute's name); an unknown shape is left alone.
    fn spec(&mut self, pos: Pos) -> Form {
        let t = &self.toks[self.i..];
        let tok = |k: usize| t.get(k).map(|t| &t.tok);
        let (module, at) = match (tok(0), tok(1), tok(2)) {
            (Some(Tok::Atom(m)), Some(Tok::Punct(":")), Some(Tok::Atom(_))) => (Some(m.clone()), 2),
            _ => (None, 0),
        };
        let (Some(Tok::Atom(name)), Some(Tok::Punct("("))) = (tok(at), tok(at + 1)) else {
            return Form::Ignored;
        };
        let Some((args, _)) = group_args(t, at + 1) else {
            return Form::Ignored;
        };
        let mut refs = Vec::new();
        type_refs(&t[at + 1..], &mut refs);
        Form::Spec(pos, module, name.clone(), args.len(), refs)
    }

    /// Skips a type expression in a record field declaration (up to `,` or `}` at depth 0).
    fn skip_type(&mut self) -> R<()> {
        let mut depth = 0i32;
        loop {
            match self.peek() {
                Tok::Punct("(") | Tok::Punct("[") | Tok::Punct("{") | Tok::Punct("<<") => {
                    depth += 1
                }
                Tok::Punct(")") | Tok::Punct("]") | Tok::Punct(">>") => depth -= 1,
                Tok::Punct("}") => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                Tok::Punct(",") if depth == 0 => return Ok(()),
                Tok::Dot | Tok::Eof => return self.err(),
                _ => {}
            }
            self.i += 1;
        }
    }

    /// `[Name/Arity, ...]`. erl_parse reads an attribute's value as an expression and then
    /// rejects what is not such a list with "bad Name/Arity" at the offending element.
    fn fa_list(&mut self) -> R<Vec<(String, usize)>> {
        let bad = |p: Pos| Err(CompileError::new(p, "bad Name/Arity"));
        if !self.eat_p("[") {
            return bad(self.pos());
        }
        let mut l = Vec::new();
        if !self.is_p("]") {
            loop {
                let start = self.pos();
                let Ok(f) = self.atom() else {
                    return bad(start);
                };
                if !self.eat_p("/") {
                    return bad(start);
                }
                let a = match self.next() {
                    Tok::Int(i) => i.try_into().unwrap_or(0usize),
                    _ => return bad(start),
                };
                l.push((f, a));
                if !self.eat_p(",") {
                    break;
                }
            }
        }
        self.expect_p("]")?;
        Ok(l)
    }

    fn args(&mut self) -> R<Vec<Expr>> {
        self.expect_p("(")?;
        let mut v = Vec::new();
        if !self.is_p(")") {
            loop {
                v.push(self.expr()?);
                if !self.eat_p(",") {
                    break;
                }
            }
        }
        self.expect_p(")")?;
        Ok(v)
    }

    fn opt_guard(&mut self) -> R<Vec<Vec<Expr>>> {
        if self.is_kw("when") {
            self.i += 1;
            self.guard()
        } else {
            Ok(Vec::new())
        }
    }

    fn guard(&mut self) -> R<Vec<Vec<Expr>>> {
        let mut alts = Vec::new();
        loop {
            let mut conj = Vec::new();
            loop {
                conj.push(self.expr()?);
                if !self.eat_p(",") {
                    break;
                }
            }
            alts.push(conj);
            if !self.eat_p(";") {
                break;
            }
        }
        Ok(alts)
    }

    pub fn exprs(&mut self) -> R<Vec<Expr>> {
        let mut v = vec![self.expr()?];
        while self.eat_p(",") {
            v.push(self.expr()?);
        }
        Ok(v)
    }

    pub fn expr(&mut self) -> R<Expr> {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.expr_inner())
    }

    fn expr_inner(&mut self) -> R<Expr> {
        if self.is_kw("catch") {
            let pos = self.pos();
            self.i += 1;
            let e = self.expr()?;
            return Ok(Expr::Catch(pos, Box::new(e)));
        }
        self.match_expr()
    }

    fn match_expr(&mut self) -> R<Expr> {
        let lhs = self.orelse()?;
        let pos = self.pos();
        if self.eat_p("=") {
            let rhs = if self.is_kw("catch") {
                self.expr()?
            } else {
                self.match_expr()?
            };
            return Ok(Expr::Match(pos, Box::new(lhs), Box::new(rhs)));
        }
        if self.eat_p("!") {
            let rhs = if self.is_kw("catch") {
                self.expr()?
            } else {
                self.match_expr()?
            };
            return Ok(Expr::Op(pos, "!", Box::new(lhs), Box::new(rhs)));
        }
        Ok(lhs)
    }

    fn orelse(&mut self) -> R<Expr> {
        let mut l = self.andalso()?;
        while self.is_kw("orelse") {
            let pos = self.pos();
            self.i += 1;
            let r = self.andalso()?;
            l = Expr::Op(pos, "orelse", Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn andalso(&mut self) -> R<Expr> {
        let mut l = self.comparison()?;
        while self.is_kw("andalso") {
            let pos = self.pos();
            self.i += 1;
            let r = self.comparison()?;
            l = Expr::Op(pos, "andalso", Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn comparison(&mut self) -> R<Expr> {
        let l = self.listop()?;
        let op = match self.peek() {
            Tok::Punct(p @ ("==" | "/=" | "=<" | "<" | ">=" | ">" | "=:=" | "=/=")) => *p,
            _ => return Ok(l),
        };
        let pos = self.pos();
        self.i += 1;
        let r = self.listop()?;
        Ok(Expr::Op(pos, op, Box::new(l), Box::new(r)))
    }

    fn listop(&mut self) -> R<Expr> {
        let l = self.additive()?;
        let op = match self.peek() {
            Tok::Punct(p @ ("++" | "--")) => *p,
            _ => return Ok(l),
        };
        let pos = self.pos();
        self.i += 1;
        let r = self.listop()?;
        Ok(Expr::Op(pos, op, Box::new(l), Box::new(r)))
    }

    fn additive(&mut self) -> R<Expr> {
        let mut l = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Punct(p @ ("+" | "-")) => *p,
                Tok::Kw(k @ ("bor" | "bxor" | "bsl" | "bsr" | "or" | "xor")) => *k,
                _ => return Ok(l),
            };
            let pos = self.pos();
            self.i += 1;
            let r = self.multiplicative()?;
            l = Expr::Op(pos, op, Box::new(l), Box::new(r));
        }
    }

    fn multiplicative(&mut self) -> R<Expr> {
        let mut l = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Punct(p @ ("*" | "/")) => *p,
                Tok::Kw(k @ ("div" | "rem" | "band" | "and")) => *k,
                _ => return Ok(l),
            };
            let pos = self.pos();
            self.i += 1;
            let r = self.unary()?;
            l = Expr::Op(pos, op, Box::new(l), Box::new(r));
        }
    }

    fn unary(&mut self) -> R<Expr> {
        let op = match self.peek() {
            Tok::Punct(p @ ("+" | "-")) => *p,
            Tok::Kw(k @ ("bnot" | "not")) => *k,
            _ => return self.postfix(),
        };
        let pos = self.pos();
        self.i += 1;
        let e = self.unary()?;
        // Fold negative literals so patterns like `-1` work.
        if op == "-" {
            if let Expr::Lit(_, Term::Int(i)) = &e {
                if let Some(n) = i.checked_neg() {
                    return Ok(Expr::Lit(pos, Term::Int(n)));
                }
            }
            if let Expr::Lit(_, Term::Float(f)) = &e {
                return Ok(Expr::Lit(pos, Term::Float(-f)));
            }
            if let Expr::Lit(_, Term::Big(b)) = &e {
                return Ok(Expr::Lit(pos, Term::big(-(**b).clone())));
            }
        }
        if op == "+" {
            if let Expr::Lit(_, Term::Int(_) | Term::Float(_) | Term::Big(_)) = &e {
                return Ok(e);
            }
        }
        Ok(Expr::Unary(pos, op, Box::new(e)))
    }

    fn postfix(&mut self) -> R<Expr> {
        let mut e = self.primary()?;
        loop {
            let pos = self.pos();
            if self.is_p("#") {
                self.i += 1;
                if self.is_p("{") {
                    let (fields, ops) = self.map_fields()?;
                    e = Expr::Map(pos, Some(Box::new(e)), fields, ops);
                    continue;
                }
                let r = self.atom()?;
                if self.eat_p(".") {
                    let fpos = self.pos();
                    let f = self.atom()?;
                    e = Expr::RecordField(pos, Box::new(e), r, f, fpos);
                } else {
                    let (fields, at) = self.record_fields()?;
                    e = Expr::Record(pos, Some(Box::new(e)), r, fields, at);
                }
                continue;
            }
            if self.is_p(":") && !self.no_remote {
                if matches!(e, Expr::Remote(..)) {
                    // `a:b:c()`: erl_parse's remote is not chained.
                    return self.err();
                }
                self.i += 1;
                let f = self.primary()?;
                // Outside a call erl_parse still takes `M:F`; erl_lint then rejects it.
                e = Expr::Remote(pos, Box::new(e), Box::new(f));
                continue;
            }
            if self.is_p("(") {
                let args = self.args()?;
                e = Expr::Call(pos, Box::new(e), args);
                continue;
            }
            return Ok(e);
        }
    }

    /// `{K => V, K := V...}`, and where each operator is.
    fn map_fields(&mut self) -> R<MapFields> {
        self.expect_p("{")?;
        let mut v = Vec::new();
        let mut ops = Vec::new();
        if !self.is_p("}") {
            loop {
                let k = self.expr()?;
                ops.push(self.pos());
                let exact = if self.eat_p(":=") {
                    true
                } else if self.eat_p("=>") {
                    false
                } else {
                    return self.err();
                };
                let val = self.expr()?;
                v.push((k, exact, val));
                if !self.eat_p(",") {
                    break;
                }
            }
        }
        self.expect_p("}")?;
        Ok((v, ops))
    }

    /// `{Field = Value...}`, and where each field name is.
    fn record_fields(&mut self) -> R<RecordFields> {
        self.expect_p("{")?;
        let mut v = Vec::new();
        let mut at = Vec::new();
        if !self.is_p("}") {
            loop {
                at.push(self.pos());
                let f = match self.next() {
                    Tok::Atom(a) => a,
                    Tok::Var(v) if v == "_" => "_".to_string(),
                    _ => {
                        self.i -= 1;
                        return self.err();
                    }
                };
                self.expect_p("=")?;
                let val = self.expr()?;
                v.push((f, val));
                if !self.eat_p(",") {
                    break;
                }
            }
        }
        self.expect_p("}")?;
        Ok((v, at))
    }

    /// Runs `f` (which parses a clause's patterns) with comprehensions refused.
    fn patterns<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        let saved = self.in_pattern;
        self.in_pattern = true;
        let r = f(self);
        self.in_pattern = saved;
        r
    }

    /// The `||` of a comprehension: an error inside a pattern, where erl_parse stops there.
    fn eat_comprehension_bar(&mut self) -> R<bool> {
        if !self.is_p("||") {
            return Ok(false);
        }
        if self.in_pattern {
            return self.err();
        }
        self.i += 1;
        Ok(true)
    }

    fn clauses(&mut self) -> R<Vec<Clause>> {
        let mut v = Vec::new();
        loop {
            let pos = self.pos();
            // erl_parse reads a case or receive clause's pattern as an expression (erl_lint
            // then calls a comprehension there an illegal pattern).
            let pat = self.expr()?;
            let guards = self.opt_guard()?;
            self.expect_p("->")?;
            let body = self.exprs()?;
            v.push(Clause {
                pos,
                pats: vec![pat],
                guards,
                body,
            });
            if !self.eat_p(";") {
                return Ok(v);
            }
        }
    }

    fn catch_clauses(&mut self) -> R<Vec<Clause>> {
        let mut v = Vec::new();
        loop {
            let pos = self.pos();
            let saved = self.no_remote;
            self.no_remote = true;
            let pats = self.patterns(|p| {
                let a = p.expr()?;
                Ok(if p.eat_p(":") {
                    let b = p.expr()?;
                    if p.eat_p(":") {
                        let c = p.expr()?;
                        vec![a, b, c]
                    } else {
                        vec![a, b, Expr::Var(pos, "_".into())]
                    }
                } else {
                    vec![
                        Expr::Lit(pos, Term::atom("throw")),
                        a,
                        Expr::Var(pos, "_".into()),
                    ]
                })
            });
            self.no_remote = saved;
            let pats = pats?;
            let guards = self.opt_guard()?;
            self.expect_p("->")?;
            let body = self.exprs()?;
            v.push(Clause {
                pos,
                pats,
                guards,
                body,
            });
            if !self.eat_p(";") {
                return Ok(v);
            }
        }
    }

    fn primary(&mut self) -> R<Expr> {
        let pos = self.pos();
        let saved = self.no_remote;
        let t = self.next();
        let r = match t {
            Tok::Var(v) => Ok(Expr::Var(pos, v)),
            Tok::Atom(a) => Ok(Expr::Lit(pos, Term::atom(&a))),
            Tok::Int(i) => Ok(Expr::Lit(pos, Term::big(i))),
            Tok::Float(f) => Ok(Expr::Lit(pos, Term::Float(f))),
            Tok::Char(c) => Ok(Expr::Lit(pos, Term::Int(c as i64))),
            Tok::Str(mut s) => {
                while let Tok::Str(s2) = self.peek().clone() {
                    s.push_str(&s2);
                    self.i += 1;
                }
                Ok(Expr::Lit(pos, Term::string(&s)))
            }
            Tok::Punct("(") => {
                self.no_remote = false;
                let e = self.expr()?;
                self.expect_p(")")?;
                Ok(e)
            }
            Tok::Punct("{") => {
                self.no_remote = false;
                let mut v = Vec::new();
                if !self.is_p("}") {
                    v = self.exprs()?;
                }
                self.expect_p("}")?;
                Ok(Expr::Tuple(pos, v))
            }
            Tok::Punct("[") => {
                self.no_remote = false;
                self.list(pos)
            }
            Tok::Punct("<<") => {
                self.no_remote = false;
                self.binary(pos)
            }
            Tok::Punct("#") => {
                if self.is_p("{") {
                    let (f, ops) = self.map_fields()?;
                    return Ok(Expr::Map(pos, None, f, ops));
                }
                let r = self.atom()?;
                if self.eat_p(".") {
                    let f = self.atom()?;
                    Ok(Expr::RecordIndex(pos, r, f))
                } else {
                    let (f, at) = self.record_fields()?;
                    Ok(Expr::Record(pos, None, r, f, at))
                }
            }
            Tok::Kw("begin") => {
                self.no_remote = false;
                let b = self.exprs()?;
                self.expect_kw("end")?;
                Ok(Expr::Block(pos, b))
            }
            Tok::Kw("case") => {
                self.no_remote = false;
                let e = self.expr()?;
                self.expect_kw("of")?;
                let cl = self.clauses()?;
                self.expect_kw("end")?;
                Ok(Expr::Case(pos, Box::new(e), cl))
            }
            Tok::Kw("if") => {
                self.no_remote = false;
                let mut v = Vec::new();
                loop {
                    let cpos = self.pos();
                    let guards = self.guard()?;
                    self.expect_p("->")?;
                    let body = self.exprs()?;
                    v.push(Clause {
                        pos: cpos,
                        pats: vec![],
                        guards,
                        body,
                    });
                    if !self.eat_p(";") {
                        break;
                    }
                }
                self.expect_kw("end")?;
                Ok(Expr::If(pos, v))
            }
            Tok::Kw("receive") => {
                self.no_remote = false;
                let cl = if self.is_kw("after") {
                    Vec::new()
                } else {
                    self.clauses()?
                };
                let mut after = None;
                if self.is_kw("after") {
                    self.i += 1;
                    let t = self.expr()?;
                    self.expect_p("->")?;
                    let b = self.exprs()?;
                    after = Some((Box::new(t), b));
                }
                self.expect_kw("end")?;
                Ok(Expr::Receive(pos, cl, after))
            }
            Tok::Kw("try") => {
                self.no_remote = false;
                let body = self.exprs()?;
                let of = if self.is_kw("of") {
                    self.i += 1;
                    self.clauses()?
                } else {
                    Vec::new()
                };
                let catches = if self.is_kw("catch") {
                    self.i += 1;
                    self.catch_clauses()?
                } else {
                    Vec::new()
                };
                let after = if self.is_kw("after") {
                    self.i += 1;
                    self.exprs()?
                } else {
                    Vec::new()
                };
                if catches.is_empty() && after.is_empty() {
                    return self.err();
                }
                self.expect_kw("end")?;
                Ok(Expr::Try(pos, body, of, catches, after))
            }
            Tok::Kw("fun") => {
                self.no_remote = false;
                self.fun(pos)
            }
            _ => {
                self.i -= 1;
                self.err()
            }
        };
        self.no_remote = saved;
        r
    }

    fn fun(&mut self, pos: Pos) -> R<Expr> {
        // fun f/1 | fun m:f/1 | fun (Args) -> ... end | fun Name(Args) -> ... end
        if self.is_p("(") || matches!((self.peek(), self.peek2()), (Tok::Var(_), Tok::Punct("("))) {
            let name = if let Tok::Var(v) = self.peek().clone() {
                self.i += 1;
                Some(v)
            } else {
                None
            };
            let mut cl = Vec::new();
            loop {
                let cpos = self.pos();
                if name.is_some() && !cl.is_empty() {
                    match self.next() {
                        Tok::Var(_) => {}
                        _ => {
                            self.i -= 1;
                            return self.err();
                        }
                    }
                }
                let pats = self.patterns(Self::args)?;
                let guards = self.opt_guard()?;
                self.expect_p("->")?;
                let body = self.exprs()?;
                cl.push(Clause {
                    pos: cpos,
                    pats,
                    guards,
                    body,
                });
                if !self.eat_p(";") {
                    break;
                }
            }
            self.expect_kw("end")?;
            let ar = cl[0].pats.len();
            if let Some(c) = cl.iter().find(|c| c.pats.len() != ar) {
                return Err(CompileError::new(c.pos, "head mismatch"));
            }
            return Ok(Expr::Fun(pos, name, cl));
        }
        let a = self.fun_ref_part()?;
        if self.eat_p(":") {
            let f = self.fun_ref_part()?;
            self.expect_p("/")?;
            let ar = self.fun_ref_part()?;
            return Ok(Expr::FunRef(
                pos,
                Some(Box::new(a)),
                Box::new(f),
                Box::new(ar),
            ));
        }
        self.expect_p("/")?;
        let ar = self.fun_ref_part()?;
        Ok(Expr::FunRef(pos, None, Box::new(a), Box::new(ar)))
    }

    fn fun_ref_part(&mut self) -> R<Expr> {
        let pos = self.pos();
        match self.next() {
            Tok::Atom(a) => Ok(Expr::Lit(pos, Term::atom(&a))),
            Tok::Var(v) => Ok(Expr::Var(pos, v)),
            Tok::Int(i) => Ok(Expr::Lit(pos, Term::big(i))),
            _ => {
                self.i -= 1;
                self.err()
            }
        }
    }

    fn list(&mut self, pos: Pos) -> R<Expr> {
        if self.eat_p("]") {
            return Ok(Expr::Nil(pos));
        }
        let first = self.expr()?;
        if self.eat_comprehension_bar()? {
            let quals = self.quals()?;
            self.expect_p("]")?;
            return Ok(Expr::ListComp(pos, Box::new(first), quals));
        }
        let mut items = vec![first];
        while self.eat_p(",") {
            items.push(self.expr()?);
        }
        let mut tail = if self.eat_p("|") {
            self.expr()?
        } else {
            Expr::Nil(pos)
        };
        self.expect_p("]")?;
        for it in items.into_iter().rev() {
            let p = it.pos();
            tail = Expr::Cons(p, Box::new(it), Box::new(tail));
        }
        Ok(tail)
    }

    fn quals(&mut self) -> R<Vec<Qual>> {
        let mut v = Vec::new();
        loop {
            let e = self.expr()?;
            if self.eat_p("<-") {
                let g = self.expr()?;
                v.push(Qual::Gen(e, g));
            } else if self.eat_p("<=") {
                let g = self.expr()?;
                v.push(Qual::BinGen(e, g));
            } else {
                v.push(Qual::Filter(e));
            }
            if !self.eat_p(",") {
                return Ok(v);
            }
        }
    }

    fn binary(&mut self, pos: Pos) -> R<Expr> {
        if self.eat_p(">>") {
            return Ok(Expr::Bin(pos, Vec::new()));
        }
        // Binary comprehension: << Expr || Quals >> where Expr is itself a binary usually.
        let save = self.i;
        if self.is_p("<<") {
            let bpos = self.pos();
            self.i += 1;
            let inner = self.binary(bpos)?;
            if self.eat_comprehension_bar()? {
                let quals = self.quals()?;
                self.expect_p(">>")?;
                return Ok(Expr::BinComp(pos, Box::new(inner), quals));
            }
            self.i = save;
        }
        let mut elems = Vec::new();
        loop {
            let epos = self.pos();
            let value = self.bin_value()?;
            if elems.is_empty() && self.eat_comprehension_bar()? {
                let quals = self.quals()?;
                self.expect_p(">>")?;
                return Ok(Expr::BinComp(pos, Box::new(value), quals));
            }
            let size = if self.eat_p(":") {
                Some(self.bin_size()?)
            } else {
                None
            };
            let mut types = Vec::new();
            if self.eat_p("/") {
                loop {
                    let t = self.atom()?;
                    let mut n = None;
                    if self.eat_p(":") {
                        match self.next() {
                            Tok::Int(i) => n = Some(i.try_into().unwrap_or(0u32)),
                            _ => {
                                self.i -= 1;
                                return self.err();
                            }
                        }
                    }
                    types.push((t, n));
                    if !self.eat_p("-") {
                        break;
                    }
                }
            }
            elems.push(BinElem {
                pos: epos,
                value,
                size,
                types,
            });
            if !self.eat_p(",") {
                break;
            }
        }
        self.expect_p(">>")?;
        Ok(Expr::Bin(pos, elems))
    }

    fn bin_value(&mut self) -> R<Expr> {
        let pos = self.pos();
        let op = match self.peek() {
            Tok::Punct(p @ ("+" | "-")) => Some(*p),
            Tok::Kw(k @ ("bnot" | "not")) => Some(*k),
            _ => None,
        };
        if let Some(op) = op {
            self.i += 1;
            let e = self.bin_primary()?;
            if op == "-" {
                if let Expr::Lit(_, Term::Int(i)) = &e {
                    return Ok(Expr::Lit(pos, Term::Int(-i)));
                }
            }
            return Ok(Expr::Unary(pos, op, Box::new(e)));
        }
        self.bin_primary()
    }

    /// A segment's value is erl_parse's `expr_max`: no call, record or map expression
    /// without parentheses (`<<g(X):8>>` is a syntax error before '(').
    fn bin_primary(&mut self) -> R<Expr> {
        if self.is_p("#") {
            return self.err();
        }
        let saved = self.no_remote;
        self.no_remote = true;
        let r = self.primary();
        self.no_remote = saved;
        if self.is_p("(") || self.is_p("#") {
            return self.err();
        }
        r
    }

    fn bin_size(&mut self) -> R<Expr> {
        let saved = self.no_remote;
        self.no_remote = true;
        let r = self.primary();
        self.no_remote = saved;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::tokenize;

    fn parse(s: &str) -> Form {
        let t = tokenize(s, 0).unwrap();
        parse_form(&t).unwrap()
    }

    #[test]
    fn precedence_of_arithmetic() {
        match parse("f() -> 1 + 2 * 3.") {
            Form::Function(_, _, 0, cl) => match &cl[0].body[0] {
                Expr::Op(_, "+", _, r) => assert!(matches!(**r, Expr::Op(_, "*", _, _))),
                e => panic!("{e:?}"),
            },
            f => panic!("{f:?}"),
        }
    }

    #[test]
    fn syntax_error_names_the_token() {
        let t = tokenize("f() -> 1 + .", 0).unwrap();
        let e = parse_form(&t).unwrap_err();
        assert!(e.msg.contains("syntax error before"), "{}", e.msg);
    }
}
