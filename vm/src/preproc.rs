//! The preprocessor: splits a token stream into forms, keeps `-define`/`-undef`/`-ifdef`/
//! `-ifndef`/`-if`/`-elif`/`-else`/`-endif` state, reads `-include` files beside the module,
//! stops at `-error(Term)`, and expands `?MACRO` and `?MACRO(Args)` uses, including the
//! predefined `?MODULE`, `?FILE`, `?LINE`. Errors are `epp`'s, at the places it reports them.

use crate::ast::Expr;
use crate::error::{CompileError, SourceMap};
use crate::lexer::{tokenize, Pos, Tok, Token};
use crate::term::Term;
use num_bigint::BigInt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

struct Macro {
    params: Option<Vec<String>>,
    body: Vec<Token>,
}

pub struct Preproc<'a> {
    pub sources: &'a mut SourceMap,
    macros: HashMap<(String, Option<usize>), Macro>,
    module: Option<String>,
    /// The function whose form is being expanded, for `?FUNCTION_NAME`/`?FUNCTION_ARITY`.
    function: Option<(String, usize)>,
    /// The open conditionals, outermost first.
    conds: Vec<Cond>,
    depth: usize,
}

/// One open `-ifdef`/`-ifndef`/`-if`.
struct Cond {
    /// Is the current branch the one being compiled?
    on: bool,
    /// Has any branch of this conditional been on (so later `-elif`/`-else` are off)?
    taken: bool,
    seen_else: bool,
    /// The directive that opened it, for "unterminated '-ifdef'".
    kind: &'static str,
}

impl<'a> Preproc<'a> {
    pub fn new(sources: &'a mut SourceMap) -> Self {
        Preproc {
            sources,
            macros: HashMap::new(),
            module: None,
            function: None,
            conds: Vec::new(),
            depth: 0,
        }
    }

    fn active(&self) -> bool {
        self.conds.iter().all(|c| c.on)
    }

    /// Are all conditionals but the innermost on (is the innermost one's choice live)?
    fn outer_active(&self) -> bool {
        let n = self.conds.len().saturating_sub(1);
        self.conds[..n].iter().all(|c| c.on)
    }

    /// Reads and preprocesses `path`, returning its forms (each ends with `Tok::Dot`).
    pub fn file(&mut self, path: &Path, src: String) -> Result<Vec<Vec<Token>>, CompileError> {
        let fid = self.sources.add(path.display().to_string(), src.clone());
        let toks = tokenize(&src, fid)?;
        let end = toks.last().map_or(
            Pos {
                file: fid,
                line: 1,
                col: 1,
            },
            |t| t.pos,
        );
        let mut forms = Vec::new();
        self.forms(toks, path, &mut forms)?;
        if let Some(c) = self.conds.last() {
            return Err(CompileError::new(
                end,
                format!("unterminated '-{}'", c.kind),
            ));
        }
        Ok(forms)
    }

    fn forms(
        &mut self,
        toks: Vec<Token>,
        path: &Path,
        out: &mut Vec<Vec<Token>>,
    ) -> Result<(), CompileError> {
        let mut cur: Vec<Token> = Vec::new();
        for t in toks {
            match t.tok {
                Tok::Eof => {
                    if !cur.is_empty() {
                        return Err(self.cut_short(cur, t.pos));
                    }
                }
                Tok::Dot => {
                    cur.push(t);
                    let form = std::mem::take(&mut cur);
                    self.form(form, path, out)?;
                }
                _ => cur.push(t),
            }
        }
        Ok(())
    }

    fn form(
        &mut self,
        form: Vec<Token>,
        path: &Path,
        out: &mut Vec<Vec<Token>>,
    ) -> Result<(), CompileError> {
        let is_attr = matches!(form.first().map(|t| &t.tok), Some(Tok::Punct("-")));
        let attr = if is_attr {
            match form.get(1).map(|t| &t.tok) {
                Some(Tok::Atom(a)) => Some(a.clone()),
                Some(Tok::Kw(k)) => Some(k.to_string()),
                _ => None,
            }
        } else {
            None
        };
        let pos = form[0].pos;
        // Where epp reports a directive's errors: at its name, after the '-'.
        let at = form.get(1).map_or(pos, |t| t.pos);
        let unbalanced = |d: &str| CompileError::new(at, format!("unbalanced '-{d}'"));
        match attr.as_deref() {
            Some(d @ ("ifdef" | "ifndef" | "if")) => {
                let live = self.active();
                let on = live
                    && match d {
                        "if" => self.eval_if(&form)?,
                        _ => {
                            let name = macro_name_arg(&form)?;
                            let defined =
                                self.macros.keys().any(|(n, _)| *n == name) || predefined(&name);
                            defined == (d == "ifdef")
                        }
                    };
                self.conds.push(Cond {
                    on,
                    // A conditional inside a skipped section never turns on.
                    taken: on || !live,
                    seen_else: false,
                    kind: match d {
                        "ifdef" => "ifdef",
                        "ifndef" => "ifndef",
                        _ => "if",
                    },
                });
                return Ok(());
            }
            Some("elif") => {
                let live = match self.conds.last() {
                    Some(c) if !c.seen_else => !c.taken && self.outer_active(),
                    _ => return Err(unbalanced("elif")),
                };
                let on = live && self.eval_if(&form)?;
                let c = self.conds.last_mut().expect("checked above");
                c.on = on;
                c.taken |= on;
                return Ok(());
            }
            Some("else") => {
                match self.conds.last_mut() {
                    Some(c) if !c.seen_else => {
                        c.on = !c.taken;
                        c.taken = true;
                        c.seen_else = true;
                    }
                    Some(_) => return Err(CompileError::new(at, "repeated '-else'")),
                    None => return Err(unbalanced("else")),
                }
                return Ok(());
            }
            Some("endif") => {
                if self.conds.pop().is_none() {
                    return Err(unbalanced("endif"));
                }
                return Ok(());
            }
            _ => {}
        }
        if !self.active() {
            return Ok(());
        }
        match attr.as_deref() {
            Some("define") => self.define(&form),
            Some("undef") => {
                let name = macro_name_arg(&form)?;
                self.macros.retain(|(n, _), _| *n != name);
                Ok(())
            }
            Some("include") | Some("include_lib") => {
                let file = match form.get(3).map(|t| &t.tok) {
                    Some(Tok::Str(s)) => s.clone(),
                    _ => return Err(CompileError::new(pos, "bad -include: expected a string")),
                };
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let mut cand: PathBuf = dir.join(&file);
                if !cand.exists() {
                    if let Some(base) = Path::new(&file).file_name() {
                        cand = dir.join(base);
                    }
                }
                let src = std::fs::read_to_string(&cand).map_err(|_| {
                    CompileError::new(form[3].pos, format!("can't find include file \"{file}\""))
                })?;
                self.depth += 1;
                if self.depth > 20 {
                    return Err(CompileError::new(pos, "include nesting too deep"));
                }
                let fid = self.sources.add(cand.display().to_string(), src.clone());
                let toks = tokenize(&src, fid)?;
                let r = self.forms(toks, &cand, out);
                self.depth -= 1;
                r
            }
            Some("error") => Err(CompileError::new(at, directive_error(&form))),
            // We print no warnings: the module compiles, as with erlc.
            Some("warning") => Ok(()),
            _ => {
                if attr.as_deref() == Some("module") {
                    if let Some(Tok::Atom(m)) = form.get(3).map(|t| &t.tok) {
                        self.module = Some(m.clone());
                    }
                }
                self.function = function_of(&form);
                let expanded = self.expand(form, 0);
                self.function = None;
                let expanded = expanded?;
                out.push(expanded);
                Ok(())
            }
        }
    }

    fn define(&mut self, form: &[Token]) -> Result<(), CompileError> {
        // -define(NAME, Body). or -define(NAME(A, B), Body).
        // epp points at the token after `-define(` (the name) whatever is wrong.
        let at = form.get(3).or(form.get(1)).map_or(form[0].pos, |t| t.pos);
        let bad = || CompileError::new(at, "badly formed 'define'");
        if !matches!(form.get(2).map(|t| &t.tok), Some(Tok::Punct("("))) {
            return Err(bad());
        }
        let name = match form.get(3).map(|t| &t.tok) {
            Some(Tok::Atom(a)) | Some(Tok::Var(a)) => a.clone(),
            Some(Tok::Kw(k)) => k.to_string(),
            _ => return Err(bad()),
        };
        let mut i = 4;
        let mut params = None;
        if matches!(form.get(i).map(|t| &t.tok), Some(Tok::Punct("("))) {
            let mut ps = Vec::new();
            i += 1;
            loop {
                match form.get(i).map(|t| &t.tok) {
                    Some(Tok::Var(v)) => {
                        ps.push(v.clone());
                        i += 1;
                    }
                    Some(Tok::Punct(")")) => {
                        i += 1;
                        break;
                    }
                    Some(Tok::Punct(",")) => i += 1,
                    _ => return Err(bad()),
                }
            }
            params = Some(ps);
        }
        // The body runs from after the comma to before the final ")" ".".
        let n = form.len();
        if n < i + 2 || !matches!(form[n - 2].tok, Tok::Punct(")")) {
            return Err(bad());
        }
        let body = if matches!(form.get(i).map(|t| &t.tok), Some(Tok::Punct(","))) {
            form[i + 1..n - 2].to_vec()
        } else if i == n - 2 {
            Vec::new()
        } else {
            return Err(bad());
        };
        let arity = params.as_ref().map(|p| p.len());
        if self.macros.contains_key(&(name.clone(), arity)) {
            return Err(CompileError::new(at, format!("redefining macro '{name}'")));
        }
        self.macros.insert((name, arity), Macro { params, body });
        Ok(())
    }

    fn expand(&self, toks: Vec<Token>, depth: usize) -> Result<Vec<Token>, CompileError> {
        if depth > 50 {
            let pos = toks.first().map(|t| t.pos).unwrap_or_default();
            return Err(CompileError::new(
                pos,
                "macro expansion too deep (recursive macro?)",
            ));
        }
        if !toks
            .iter()
            .any(|t| matches!(t.tok, Tok::Punct("?") | Tok::Punct("??")))
        {
            return Ok(toks);
        }
        let mut out = Vec::with_capacity(toks.len());
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            if !matches!(t.tok, Tok::Punct("?")) {
                out.push(t.clone());
                i += 1;
                continue;
            }
            let pos = t.pos;
            // epp reports a use's errors at the macro's name.
            let at = toks.get(i + 1).map_or(pos, |t| t.pos);
            let name = match toks.get(i + 1).map(|t| &t.tok) {
                Some(Tok::Atom(a)) | Some(Tok::Var(a)) => a.clone(),
                Some(Tok::Kw(k)) => k.to_string(),
                _ => return Err(CompileError::new(pos, "bad macro use after '?'")),
            };
            i += 2;
            // Arguments, if the next token is "(" and a macro with parameters exists.
            let has_call = matches!(toks.get(i).map(|t| &t.tok), Some(Tok::Punct("(")));
            let with_args = has_call && self.macros.keys().any(|(n, a)| *n == name && a.is_some());
            if has_call && !predefined(&name) && !self.macros.keys().any(|(n, _)| *n == name) {
                // Neither form is defined: epp names the arity it looked for.
                let what = match split_args(&toks, i) {
                    Ok((args, _)) => format!("{name}/{}", args.len()),
                    Err(_) => name.clone(),
                };
                return Err(CompileError::new(at, format!("undefined macro '{what}'")));
            }
            if with_args {
                let (args, next) = split_args(&toks, i).map_err(|_| {
                    CompileError::new(at, format!("badly formed argument for macro '{name}'"))
                })?;
                i = next;
                let m = self
                    .macros
                    .get(&(name.clone(), Some(args.len())))
                    .ok_or_else(|| {
                        CompileError::new(at, format!("argument mismatch for macro '{name}'"))
                    })?;
                let params = m.params.clone().unwrap_or_default();
                let mut body = Vec::new();
                let mut j = 0;
                while j < m.body.len() {
                    let bt = &m.body[j];
                    if matches!(bt.tok, Tok::Punct("??")) {
                        if let Some(Tok::Var(v)) = m.body.get(j + 1).map(|t| &t.tok) {
                            if let Some(k) = params.iter().position(|p| p == v) {
                                body.push(Token {
                                    tok: Tok::Str(tokens_to_string(&args[k])),
                                    pos,
                                });
                                j += 2;
                                continue;
                            }
                        }
                    }
                    if let Tok::Var(v) = &bt.tok {
                        if let Some(k) = params.iter().position(|p| p == v) {
                            body.extend(args[k].iter().cloned());
                            j += 1;
                            continue;
                        }
                    }
                    let mut c = bt.clone();
                    c.pos = pos;
                    body.push(c);
                    j += 1;
                }
                out.extend(self.expand(body, depth + 1)?);
                continue;
            }
            match name.as_str() {
                "MODULE" => {
                    let m = self
                        .module
                        .clone()
                        .ok_or_else(|| CompileError::new(pos, "?MODULE used before -module"))?;
                    out.push(Token {
                        tok: Tok::Atom(m),
                        pos,
                    });
                    continue;
                }
                "MODULE_STRING" => {
                    let m = self.module.clone().unwrap_or_default();
                    out.push(Token {
                        tok: Tok::Str(m),
                        pos,
                    });
                    continue;
                }
                "LINE" => {
                    out.push(Token {
                        tok: Tok::Int(BigInt::from(pos.line)),
                        pos,
                    });
                    continue;
                }
                "FILE" => {
                    let f = self
                        .sources
                        .files
                        .get(pos.file as usize)
                        .map(|f| f.0.clone())
                        .unwrap_or_default();
                    out.push(Token {
                        tok: Tok::Str(f),
                        pos,
                    });
                    continue;
                }
                "FUNCTION_NAME" | "FUNCTION_ARITY" if self.function.is_some() => {
                    let (f, a) = self.function.clone().expect("checked");
                    out.push(Token {
                        tok: if name == "FUNCTION_NAME" {
                            Tok::Atom(f)
                        } else {
                            Tok::Int(BigInt::from(a))
                        },
                        pos,
                    });
                    continue;
                }
                "MACHINE" => {
                    out.push(Token {
                        tok: Tok::Atom("BEAM".into()),
                        pos,
                    });
                    continue;
                }
                "OTP_RELEASE" => {
                    out.push(Token {
                        tok: Tok::Int(BigInt::from(25)),
                        pos,
                    });
                    continue;
                }
                _ => {}
            }
            let m = self
                .macros
                .get(&(name.clone(), None))
                .ok_or_else(|| CompileError::new(at, format!("undefined macro '{name}'")))?;
            let body: Vec<Token> = m
                .body
                .iter()
                .map(|b| Token {
                    tok: b.tok.clone(),
                    pos,
                })
                .collect();
            out.extend(self.expand(body, depth + 1)?);
        }
        Ok(out)
    }
}

impl Preproc<'_> {
    /// A form the end of the file cut short: erl_parse's error for it (where the tokens stop
    /// making sense, or "syntax error before: " at the last token when they ran out).
    fn cut_short(&self, mut cur: Vec<Token>, eof: Pos) -> CompileError {
        let last = cur.last().map_or(eof, |t| t.pos);
        let premature = CompileError::new(eof, "premature end of file: missing '.'");
        if !self.active() {
            return premature;
        }
        let Ok(mut toks) = self.expand(std::mem::take(&mut cur), 0) else {
            return premature;
        };
        toks.push(Token {
            tok: Tok::Eof,
            pos: last,
        });
        match crate::parser::parse_form(&toks) {
            Err(e) => e,
            // The tokens made sense as far as they went (an attribute needs no more): the
            // missing dot is the error, at the last token.
            Ok(_) => CompileError::new(last, "syntax error before: "),
        }
    }

    /// The condition of `-if(Expr).` or `-elif(Expr).`, as epp evaluates it: `defined(M)`
    /// replaced by `true` or `false`, macros expanded, then evaluated as a guard expression;
    /// on when it is `true`, off for any other value or if it fails. A call that is not a
    /// guard BIF of module `erlang` is "badly formed".
    fn eval_if(&self, form: &[Token]) -> Result<bool, CompileError> {
        let at = form.get(1).map_or(form[0].pos, |t| t.pos);
        let kind = match form.get(1).map(|t| &t.tok) {
            Some(Tok::Atom(a)) => a.clone(),
            Some(Tok::Kw(k)) => k.to_string(),
            _ => "if".into(),
        };
        let bad = || CompileError::new(at, format!("badly formed '{kind}'"));
        let n = form.len();
        if n < 5 || !matches!(form[2].tok, Tok::Punct("(")) {
            return Err(bad());
        }
        // `defined(NAME)` first, so that the name is not expanded as a macro.
        let mut toks = Vec::with_capacity(n);
        let mut i = 3;
        // Up to and including the dot, where the parser must find the end.
        while i < n {
            let t = &form[i];
            let is_defined = matches!(&t.tok, Tok::Atom(a) if a == "defined")
                && matches!(form.get(i + 1).map(|t| &t.tok), Some(Tok::Punct("(")))
                && matches!(form.get(i + 3).map(|t| &t.tok), Some(Tok::Punct(")")));
            if is_defined {
                if let Some(Tok::Atom(m) | Tok::Var(m)) = form.get(i + 2).map(|t| &t.tok) {
                    let d = self.macros.keys().any(|(k, _)| k == m) || predefined(m);
                    toks.push(Token {
                        tok: Tok::Atom(if d { "true" } else { "false" }.into()),
                        pos: t.pos,
                    });
                    i += 4;
                    continue;
                }
            }
            toks.push(t.clone());
            i += 1;
        }
        let toks = self.expand(toks, 0)?;
        let e = crate::parser::parse_directive_expr(&toks)?;
        match const_eval(&e) {
            Err(Eval::Bad) => Err(bad()),
            v => Ok(matches!(v, Ok(t) if t.is_atom(crate::atom::TRUE))),
        }
    }
}

/// Why a directive's expression has no value: it raised (epp then takes the condition as
/// false), or it calls something no guard may call.
enum Eval {
    Fails,
    Bad,
}

/// Evaluates a guard expression of constants, as `erl_eval` does for epp's `-if`.
fn const_eval(e: &Expr) -> Result<Term, Eval> {
    use crate::code::Op2;
    let bool_of = |t: &Term| match t {
        Term::Atom(a) if *a == crate::atom::TRUE => Ok(true),
        Term::Atom(a) if *a == crate::atom::FALSE => Ok(false),
        _ => Err(Eval::Fails),
    };
    Ok(match e {
        Expr::Lit(_, t) => t.clone(),
        Expr::Nil(_) => Term::Nil,
        Expr::Tuple(_, es) => Term::tuple(es.iter().map(const_eval).collect::<Result<_, _>>()?),
        Expr::Cons(_, h, t) => Term::cons(const_eval(h)?, const_eval(t)?),
        Expr::Op(_, "andalso", a, b) => {
            if bool_of(&const_eval(a)?)? {
                const_eval(b)?
            } else {
                Term::bool(false)
            }
        }
        Expr::Op(_, "orelse", a, b) => {
            if bool_of(&const_eval(a)?)? {
                Term::bool(true)
            } else {
                const_eval(b)?
            }
        }
        Expr::Op(_, op, a, b) => {
            let (x, y) = (const_eval(a)?, const_eval(b)?);
            let cmp = |o: std::cmp::Ordering| crate::term::cmp_terms(&x, &y, false) == o;
            match *op {
                "==" => Term::bool(crate::term::eq(&x, &y)),
                "/=" => Term::bool(!crate::term::eq(&x, &y)),
                "=:=" => Term::bool(crate::term::exact_eq(&x, &y)),
                "=/=" => Term::bool(!crate::term::exact_eq(&x, &y)),
                "<" => Term::bool(cmp(std::cmp::Ordering::Less)),
                ">" => Term::bool(cmp(std::cmp::Ordering::Greater)),
                "=<" => Term::bool(!cmp(std::cmp::Ordering::Greater)),
                ">=" => Term::bool(!cmp(std::cmp::Ordering::Less)),
                "and" => Term::bool(bool_of(&x)? & bool_of(&y)?),
                "or" => Term::bool(bool_of(&x)? | bool_of(&y)?),
                "xor" => Term::bool(bool_of(&x)? ^ bool_of(&y)?),
                _ => {
                    // What is left: arithmetic (the comparisons and booleans are above).
                    let o = match Op2::of_operator(op) {
                        Some(o) if !matches!(o, Op2::Append | Op2::Subtract | Op2::Send) => o,
                        _ => return Err(Eval::Bad),
                    };
                    crate::arith::arith(o, &x, &y).map_err(|_| Eval::Fails)?
                }
            }
        }
        Expr::Unary(_, op, a) => {
            let x = const_eval(a)?;
            match *op {
                "not" => Term::bool(!bool_of(&x)?),
                "-" => crate::arith::neg(&x).map_err(|_| Eval::Fails)?,
                "+" if x.is_number() => x,
                "bnot" => crate::arith::bnot(&x).map_err(|_| Eval::Fails)?,
                _ => return Err(Eval::Fails),
            }
        }
        Expr::Call(_, f, args) => {
            let name = match &**f {
                Expr::Lit(_, Term::Atom(a)) => a.name(),
                Expr::Remote(_, m, f) => match (&**m, &**f) {
                    (Expr::Lit(_, Term::Atom(m)), Expr::Lit(_, Term::Atom(f)))
                        if m.name() == "erlang" =>
                    {
                        f.name()
                    }
                    _ => return Err(Eval::Bad),
                },
                _ => return Err(Eval::Fails),
            };
            let remote = matches!(&**f, Expr::Remote(..));
            let args: Vec<Term> = args.iter().map(const_eval).collect::<Result<_, _>>()?;
            match guard_bif(name, &args) {
                Some(r) => r?,
                // A local function: epp's evaluator has none, so the call fails.
                None if !remote => return Err(Eval::Fails),
                None => return Err(Eval::Bad),
            }
        }
        // Variables are unbound: evaluating one fails.
        _ => return Err(Eval::Fails),
    })
}

/// The guard BIFs a directive's expression may call; `None` for any other name.
fn guard_bif(name: &str, a: &[Term]) -> Option<Result<Term, Eval>> {
    let test = |f: fn(&Term) -> bool| match a {
        [x] => Ok(Term::bool(f(x))),
        _ => Err(Eval::Fails),
    };
    let list_len = |t: &Term| {
        let mut n = 0i64;
        let mut t = t;
        loop {
            match t {
                Term::Nil => return Some(n),
                Term::Cons(c) => {
                    n += 1;
                    t = &c.tail;
                }
                _ => return None,
            }
        }
    };
    Some(match name {
        "is_atom" => test(|t| matches!(t, Term::Atom(_))),
        "is_integer" => test(Term::is_integer),
        "is_float" => test(|t| matches!(t, Term::Float(_))),
        "is_number" => test(Term::is_number),
        "is_boolean" => test(
            |t| matches!(t, Term::Atom(a) if *a == crate::atom::TRUE || *a == crate::atom::FALSE),
        ),
        "is_list" => test(|t| matches!(t, Term::Nil | Term::Cons(_))),
        "is_tuple" => test(|t| matches!(t, Term::Tuple(_))),
        "is_binary" => test(|t| matches!(t, Term::Bin(b) if b.is_binary())),
        "is_bitstring" => test(|t| matches!(t, Term::Bin(_))),
        "is_map" => test(|t| matches!(t, Term::Map(_))),
        "is_pid" | "is_port" | "is_reference" | "is_function" => test(|_| false),
        "length" => match a {
            [l] => list_len(l).map(Term::Int).ok_or(Eval::Fails),
            _ => Err(Eval::Fails),
        },
        "tuple_size" => match a {
            [Term::Tuple(t)] => Ok(Term::Int(t.len() as i64)),
            _ => Err(Eval::Fails),
        },
        "element" => match a {
            [Term::Int(i), Term::Tuple(t)] if *i >= 1 && (*i as usize) <= t.len() => {
                Ok(t[*i as usize - 1].clone())
            }
            _ => Err(Eval::Fails),
        },
        "hd" | "tl" => match a {
            [Term::Cons(c)] => Ok(if name == "hd" {
                c.head.clone()
            } else {
                c.tail.clone()
            }),
            _ => Err(Eval::Fails),
        },
        "abs" => match a {
            [x] => crate::arith::abs(x).ok_or(Eval::Fails),
            _ => Err(Eval::Fails),
        },
        _ => return None,
    })
}

/// The message of `-error(Term).`: the term as `io_lib:format("-error(~tp).", [Term])`
/// prints it; an argument that is not a term (an expression, a variable, a call) is
/// "badly formed", as epp says.
fn directive_error(form: &[Token]) -> String {
    let n = form.len();
    if n >= 5 && matches!(form[2].tok, Tok::Punct("(")) {
        if let Ok(e) = crate::parser::parse_directive_expr(&form[3..]) {
            if let Some(t) = literal_term(&e) {
                return format!("-error({}).", crate::fmt::print_term(&t));
            }
        }
    }
    "badly formed 'error'".into()
}

/// The term an expression denotes when it is written out as one (what `erl_parse:
/// parse_term` accepts): literals, tuples, lists, maps and binaries of literal segments.
fn literal_term(e: &Expr) -> Option<Term> {
    Some(match e {
        Expr::Lit(_, t) => t.clone(),
        Expr::Nil(_) => Term::Nil,
        Expr::Tuple(_, es) => Term::tuple(es.iter().map(literal_term).collect::<Option<_>>()?),
        Expr::Cons(_, h, t) => Term::cons(literal_term(h)?, literal_term(t)?),
        Expr::Map(_, None, fs, _) => Term::map(
            fs.iter()
                .map(|(k, exact, v)| match exact {
                    false => Some((crate::term::MapKey(literal_term(k)?), literal_term(v)?)),
                    true => None,
                })
                .collect::<Option<_>>()?,
        ),
        Expr::Bin(_, segs) => {
            let mut bytes = Vec::new();
            for s in segs {
                if s.size.is_some() || !s.types.is_empty() {
                    return None;
                }
                match literal_term(&s.value)? {
                    Term::Int(i) => bytes.push(i as u8),
                    t => bytes.extend(crate::bifs::chardata(&t)?),
                }
            }
            Term::binary(bytes)
        }
        _ => return None,
    })
}

/// The name and arity of the function a form defines (its first clause's head, as epp reads
/// it: the top-level arguments between the name's parentheses); `None` for an attribute.
fn function_of(form: &[Token]) -> Option<(String, usize)> {
    let (Some(Tok::Atom(f)), Some(Tok::Punct("("))) =
        (form.first().map(|t| &t.tok), form.get(1).map(|t| &t.tok))
    else {
        return None;
    };
    let (args, _) = split_args(form, 1).ok()?;
    Some((f.clone(), args.len()))
}

fn predefined(name: &str) -> bool {
    matches!(
        name,
        "MODULE" | "MODULE_STRING" | "LINE" | "FILE" | "MACHINE" | "OTP_RELEASE" | "BEAM"
    )
}

fn macro_name_arg(form: &[Token]) -> Result<String, CompileError> {
    match form.get(3).map(|t| &t.tok) {
        Some(Tok::Atom(a)) | Some(Tok::Var(a)) => Ok(a.clone()),
        _ => Err(CompileError::new(form[0].pos, "expected a macro name")),
    }
}

/// Splits `( a, b, c )` starting at the "(" at index `i`; returns the arguments and the index
/// after the closing ")".
fn split_args(toks: &[Token], i: usize) -> Result<(Vec<Vec<Token>>, usize), CompileError> {
    let mut depth = 0i32;
    let mut args = Vec::new();
    let mut cur = Vec::new();
    let mut j = i;
    while j < toks.len() {
        let t = &toks[j];
        match &t.tok {
            Tok::Punct("(") | Tok::Punct("[") | Tok::Punct("{") | Tok::Punct("<<") => {
                depth += 1;
                if depth > 1 {
                    cur.push(t.clone());
                }
            }
            Tok::Kw("begin")
            | Tok::Kw("case")
            | Tok::Kw("if")
            | Tok::Kw("try")
            | Tok::Kw("receive") => {
                depth += 1;
                cur.push(t.clone());
            }
            Tok::Kw("fun") if matches!(toks.get(j + 1).map(|t| &t.tok), Some(Tok::Punct("("))) => {
                depth += 1;
                cur.push(t.clone());
            }
            Tok::Kw("end") => {
                depth -= 1;
                cur.push(t.clone());
            }
            Tok::Punct(")") | Tok::Punct("]") | Tok::Punct("}") | Tok::Punct(">>") => {
                depth -= 1;
                if depth == 0 {
                    if !cur.is_empty() || !args.is_empty() {
                        args.push(std::mem::take(&mut cur));
                    }
                    return Ok((args, j + 1));
                }
                cur.push(t.clone());
            }
            Tok::Punct(",") if depth == 1 => args.push(std::mem::take(&mut cur)),
            _ => cur.push(t.clone()),
        }
        j += 1;
    }
    Err(CompileError::new(
        toks[i].pos,
        "unterminated macro arguments",
    ))
}

fn tokens_to_string(toks: &[Token]) -> String {
    let parts: Vec<String> = toks
        .iter()
        .map(|t| match &t.tok {
            Tok::Atom(a) => a.clone(),
            Tok::Var(v) => v.clone(),
            Tok::Int(i) => i.to_string(),
            Tok::Float(f) => f.to_string(),
            Tok::Char(c) => format!("${}", char::from_u32(*c).unwrap_or('?')),
            Tok::Str(s) => format!("{s:?}"),
            Tok::Kw(k) => k.to_string(),
            Tok::Punct(p) => p.to_string(),
            Tok::Dot => ".".into(),
            Tok::Eof => String::new(),
        })
        .collect();
    parts.join(" ")
}
