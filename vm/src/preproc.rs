//! The preprocessor: splits a token stream into forms, keeps `-define`/`-undef`/`-ifdef`/
//! `-ifndef`/`-else`/`-endif` state, reads `-include` files beside the module and expands
//! `?MACRO` and `?MACRO(Args)` uses, including the predefined `?MODULE`, `?FILE`, `?LINE`.

use crate::error::{CompileError, SourceMap};
use crate::lexer::{tokenize, Pos, Tok, Token};
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
    /// Stack of "is this branch active" for -ifdef nesting.
    conds: Vec<(bool, bool)>,
    depth: usize,
}

impl<'a> Preproc<'a> {
    pub fn new(sources: &'a mut SourceMap) -> Self {
        Preproc {
            sources,
            macros: HashMap::new(),
            module: None,
            conds: Vec::new(),
            depth: 0,
        }
    }

    fn active(&self) -> bool {
        self.conds.iter().all(|(a, _)| *a)
    }

    /// Reads and preprocesses `path`, returning its forms (each ends with `Tok::Dot`).
    pub fn file(&mut self, path: &Path, src: String) -> Result<Vec<Vec<Token>>, CompileError> {
        let fid = self.sources.add(path.display().to_string(), src.clone());
        let toks = tokenize(&src, fid)?;
        let mut forms = Vec::new();
        self.forms(toks, path, &mut forms)?;
        if let Some(_c) = self.conds.last() {
            return Err(CompileError::new(
                Pos {
                    file: fid,
                    line: 1,
                    col: 1,
                },
                "unterminated -ifdef/-ifndef",
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
                        return Err(CompileError::new(
                            t.pos,
                            "premature end of file: missing '.'",
                        ));
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
        match attr.as_deref() {
            Some("ifdef") | Some("ifndef") => {
                let name = macro_name_arg(&form)?;
                let defined = self.macros.keys().any(|(n, _)| *n == name) || predefined(&name);
                let on = if attr.as_deref() == Some("ifdef") {
                    defined
                } else {
                    !defined
                };
                self.conds.push((on, false));
                return Ok(());
            }
            Some("else") => {
                match self.conds.last_mut() {
                    Some((a, seen_else)) if !*seen_else => {
                        *a = !*a;
                        *seen_else = true;
                    }
                    _ => return Err(CompileError::new(pos, "-else without -ifdef")),
                }
                return Ok(());
            }
            Some("endif") => {
                if self.conds.pop().is_none() {
                    return Err(CompileError::new(pos, "-endif without -ifdef"));
                }
                return Ok(());
            }
            Some("if") | Some("elif") => {
                return Err(CompileError::new(
                    pos,
                    "-if/-elif is outside the supported subset",
                ));
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
                let src = std::fs::read_to_string(&cand).map_err(|e| {
                    CompileError::new(
                        form[3].pos,
                        format!("can't find include file \"{file}\": {e}"),
                    )
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
            _ => {
                if attr.as_deref() == Some("module") {
                    if let Some(Tok::Atom(m)) = form.get(3).map(|t| &t.tok) {
                        self.module = Some(m.clone());
                    }
                }
                let expanded = self.expand(form, 0)?;
                out.push(expanded);
                Ok(())
            }
        }
    }

    fn define(&mut self, form: &[Token]) -> Result<(), CompileError> {
        // -define(NAME, Body). or -define(NAME(A, B), Body).
        let pos = form[0].pos;
        let bad = || CompileError::new(pos, "bad -define");
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
            let name = match toks.get(i + 1).map(|t| &t.tok) {
                Some(Tok::Atom(a)) | Some(Tok::Var(a)) => a.clone(),
                Some(Tok::Kw(k)) => k.to_string(),
                _ => return Err(CompileError::new(pos, "bad macro use after '?'")),
            };
            i += 2;
            // Arguments, if the next token is "(" and a macro with parameters exists.
            let has_call = matches!(toks.get(i).map(|t| &t.tok), Some(Tok::Punct("(")));
            let with_args = has_call && self.macros.keys().any(|(n, a)| *n == name && a.is_some());
            if with_args {
                let (args, next) = split_args(&toks, i)?;
                i = next;
                let m = self
                    .macros
                    .get(&(name.clone(), Some(args.len())))
                    .ok_or_else(|| {
                        CompileError::new(pos, format!("undefined macro '{}/{}'", name, args.len()))
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
                .ok_or_else(|| CompileError::new(pos, format!("undefined macro '{name}'")))?;
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
