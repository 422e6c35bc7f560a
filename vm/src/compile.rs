//! Compiles parsed forms into `code::Module`: resolves variables to frame slots (deciding
//! statically whether a pattern variable binds or compares), captures free variables of funs,
//! expands records, resolves calls to local functions, imports and native BIFs.

use crate::ast::{BinElem, Clause, Expr, Form, Qual};
use crate::atom::Atom;
use crate::bifs;
use crate::code::*;
use crate::error::CompileError;
use crate::lexer::Pos;
use crate::term::Term;
use std::collections::{HashMap, HashSet};

type R<T> = Result<T, CompileError>;

/// Source nesting (a 5,000-element list literal is 5,000 nested conses) may be deeper than the
/// caller's thread stack allows: the recursive passes grow their stack on the heap, in chunks,
/// when less than `RED_ZONE` bytes remain.
const RED_ZONE: usize = 128 * 1024;
const STACK_CHUNK: usize = 4 * 1024 * 1024;

struct FnCtx {
    slots: HashMap<String, u32>,
    bound: HashSet<String>,
    n_slots: u32,
    /// (outer name, local slot) pairs captured from the enclosing function.
    captures: Vec<(String, u32)>,
    /// Variables bound in some but not all branches of a case/if/receive: using them later
    /// is an error, as in erlc ("variable 'X' unsafe in 'case'").
    unsafe_vars: HashMap<String, &'static str>,
}

impl FnCtx {
    fn new() -> Self {
        FnCtx {
            slots: HashMap::new(),
            bound: HashSet::new(),
            n_slots: 0,
            captures: Vec::new(),
            unsafe_vars: HashMap::new(),
        }
    }
    fn fresh(&mut self, name: &str) -> u32 {
        let s = self.n_slots;
        self.n_slots += 1;
        self.slots.insert(name.to_string(), s);
        s
    }
}

pub struct Compiler {
    module: String,
    records: HashMap<String, Vec<(String, Option<Expr>)>>,
    locals: HashMap<(String, usize), usize>,
    imports: HashMap<(String, usize), String>,
    funs: Vec<Option<FunDef>>,
    ctx: Vec<FnCtx>,
    fun_name: String,
    lambda_count: usize,
}

pub fn compile_module(forms: Vec<Form>, file: &str) -> R<Module> {
    let mut module = None;
    let mut exports = Vec::new();
    let mut export_all = false;
    let mut c = Compiler {
        module: String::new(),
        records: HashMap::new(),
        locals: HashMap::new(),
        imports: HashMap::new(),
        funs: Vec::new(),
        ctx: Vec::new(),
        fun_name: String::new(),
        lambda_count: 0,
    };
    let mut functions = Vec::new();
    for f in forms {
        match f {
            Form::Module(_, m) => module = Some(m),
            Form::Export(l) => exports.extend(l),
            Form::ExportAll => export_all = true,
            Form::Import(m, l) => {
                for fa in l {
                    c.imports.insert(fa, m.clone());
                }
            }
            Form::Record(pos, name, fields) => {
                if c.records.contains_key(&name) {
                    return Err(CompileError::new(
                        pos,
                        format!("record {name} already defined"),
                    ));
                }
                c.records.insert(name, fields);
            }
            Form::Function(pos, name, arity, clauses) => {
                if c.locals.contains_key(&(name.clone(), arity)) {
                    return Err(CompileError::new(
                        pos,
                        format!("function {name}/{arity} already defined"),
                    ));
                }
                c.locals.insert((name.clone(), arity), c.funs.len());
                c.funs.push(None);
                functions.push((pos, name, arity, clauses));
            }
            Form::Ignored => {}
        }
    }
    let Some(mname) = module else {
        return Err(CompileError::new(Pos::default(), "no -module attribute"));
    };
    c.module = mname.clone();
    for (pos, name, arity, clauses) in functions {
        let idx = c.locals[&(name.clone(), arity)];
        c.fun_name = name.clone();
        c.lambda_count = 0;
        let fd = c.function(pos, &name, arity, &clauses, None)?;
        c.funs[idx] = Some(fd);
    }
    let mut ex = HashMap::new();
    for (f, a) in &exports {
        match c.locals.get(&(f.clone(), *a)) {
            Some(&i) => {
                ex.insert((Atom::intern(f), *a), i);
            }
            None => {
                return Err(CompileError::new(
                    Pos::default(),
                    format!("function {f}/{a} undefined (exported)"),
                ))
            }
        }
    }
    if export_all {
        for ((f, a), &i) in &c.locals {
            ex.insert((Atom::intern(f), *a), i);
        }
    }
    let funs = c
        .funs
        .into_iter()
        .map(|f| {
            let mut f = f.expect("every function slot filled");
            crate::lower::lower_fun(&mut f);
            f
        })
        .collect();
    Ok(Module {
        name: Atom::intern(&mname),
        funs,
        exports: ex,
        file: file.to_string(),
    })
}

/// `<<"abc">>` is shorthand for `<<$a, $b, $c>>` (with the same type specifiers on each).
fn expand_strings(elems: &[BinElem]) -> Vec<BinElem> {
    let mut out = Vec::new();
    for el in elems {
        if let Expr::Lit(p, t @ (Term::Cons(_) | Term::Nil)) = &el.value {
            if let Some(items) = t.list_to_vec() {
                if items.iter().all(|i| matches!(i, Term::Int(_))) {
                    for it in items {
                        out.push(BinElem {
                            pos: el.pos,
                            value: Expr::Lit(*p, it),
                            size: el.size.clone(),
                            types: el.types.clone(),
                        });
                    }
                    continue;
                }
            }
        }
        out.push(el.clone());
    }
    out
}

/// Whether `e` is a valid guard expression (only guard BIFs, operators, literals, variables,
/// record/map access), so that as a comprehension filter its exceptions mean "false".
fn is_guard_expr(e: &Expr) -> bool {
    const GUARD_BIFS: &[&str] = &[
        "abs",
        "binary_part",
        "bit_size",
        "byte_size",
        "ceil",
        "element",
        "float",
        "floor",
        "hd",
        "is_atom",
        "is_binary",
        "is_bitstring",
        "is_boolean",
        "is_float",
        "is_function",
        "is_integer",
        "is_list",
        "is_map",
        "is_map_key",
        "is_number",
        "is_pid",
        "is_port",
        "is_record",
        "is_reference",
        "is_tuple",
        "length",
        "map_get",
        "map_size",
        "max",
        "min",
        "node",
        "round",
        "self",
        "size",
        "tl",
        "trunc",
        "tuple_size",
    ];
    match e {
        Expr::Var(..) | Expr::Lit(..) | Expr::Nil(_) | Expr::RecordIndex(..) => true,
        Expr::Tuple(_, es) => es.iter().all(is_guard_expr),
        Expr::Cons(_, h, t) => is_guard_expr(h) && is_guard_expr(t),
        Expr::Op(_, op, a, b) => *op != "!" && is_guard_expr(a) && is_guard_expr(b),
        Expr::Unary(_, _, a) => is_guard_expr(a),
        Expr::RecordField(_, b, _, _) => is_guard_expr(b),
        Expr::Record(_, None, _, fs) => fs.iter().all(|(_, v)| is_guard_expr(v)),
        Expr::Map(_, base, fs) => {
            base.as_deref().is_none_or(is_guard_expr)
                && fs
                    .iter()
                    .all(|(k, _, v)| is_guard_expr(k) && is_guard_expr(v))
        }
        Expr::Call(_, f, args) => {
            let name = match &**f {
                Expr::Lit(_, Term::Atom(a)) => Some(a.name()),
                Expr::Remote(_, m, fx) => match (&**m, &**fx) {
                    (Expr::Lit(_, Term::Atom(m)), Expr::Lit(_, Term::Atom(f)))
                        if m.name() == "erlang" =>
                    {
                        Some(f.name())
                    }
                    _ => None,
                },
                _ => None,
            };
            name.is_some_and(|n| GUARD_BIFS.contains(&n)) && args.iter().all(is_guard_expr)
        }
        _ => false,
    }
}

fn lit_atom(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(_, Term::Atom(a)) => Some(a.name().to_string()),
        _ => None,
    }
}

impl Compiler {
    fn cx(&mut self) -> &mut FnCtx {
        self.ctx.last_mut().expect("inside a function")
    }

    /// Compiles sibling expressions (tuple and list elements, call arguments, an operator's
    /// operands), which erlc checks each against the variables as they were before the group:
    /// a variable left unsafe by one sibling (bound in its `try` or `case`) is not unsafe to
    /// bind again in the next, only after the group.
    fn siblings<'e>(&mut self, es: impl IntoIterator<Item = &'e Expr>) -> R<Vec<E>> {
        let before = self.cx().unsafe_vars.clone();
        let mut after = before.clone();
        let mut out = Vec::new();
        for e in es {
            self.cx().unsafe_vars = before.clone();
            out.push(self.expr(e, false)?);
            for (k, v) in &self.cx().unsafe_vars {
                after.entry(k.clone()).or_insert(*v);
            }
        }
        self.cx().unsafe_vars = after;
        Ok(out)
    }

    /// Compiles a function or fun. `captures_from_parent` is true for funs.
    fn function(
        &mut self,
        pos: Pos,
        name: &str,
        arity: usize,
        clauses: &[Clause],
        self_name: Option<&str>,
    ) -> R<FunDef> {
        let mut ctx = FnCtx::new();
        // Slots 0..arity hold the arguments (the caller writes them there).
        ctx.n_slots = arity as u32;
        let self_slot = self_name.map(|n| {
            let s = ctx.fresh(n);
            ctx.bound.insert(n.to_string());
            s
        });
        self.ctx.push(ctx);
        let mut cl = Vec::new();
        for c in clauses {
            let saved_bound = self.cx().bound.clone();
            let saved_slots = self.cx().slots.clone();
            let saved_unsafe = self.cx().unsafe_vars.clone();
            let mut pats = Vec::new();
            let mut seen = HashSet::new();
            for p in &c.pats {
                pats.push(self.pattern(p, true, &mut seen)?);
            }
            let guard = self.guard(&c.guards)?;
            let body = self.body(&c.body, true)?;
            cl.push(CClause { pats, guard, body });
            let cx = self.cx();
            cx.unsafe_vars = saved_unsafe;
            cx.bound = saved_bound;
            // Keep slots of captured names stable; others reset for the next clause's scope.
            let caps: Vec<(String, u32)> = cx.captures.clone();
            cx.slots = saved_slots;
            for (n, s) in caps {
                cx.slots.insert(n.clone(), s);
                cx.bound.insert(n);
            }
        }
        let ctx = self.ctx.pop().expect("pushed above");
        Ok(FunDef {
            name: Atom::intern(name),
            arity,
            env_slots: Vec::new(),
            n_slots: ctx.n_slots as usize,
            self_slot,
            line: pos.line,
            code: crate::bytecode::Code::default(),
            clauses: cl,
        })
    }

    fn body(&mut self, es: &[Expr], tail: bool) -> R<Vec<E>> {
        let n = es.len();
        let mut v = Vec::with_capacity(n);
        for (i, e) in es.iter().enumerate() {
            v.push(self.expr(e, tail && i + 1 == n)?);
        }
        Ok(v)
    }

    fn guard(&mut self, g: &[Vec<Expr>]) -> R<Vec<Vec<E>>> {
        let mut out = Vec::new();
        for conj in g {
            let mut c = Vec::new();
            for e in conj {
                c.push(self.expr(e, false)?);
            }
            out.push(c);
        }
        Ok(out)
    }

    /// Resolves a variable read, capturing it from enclosing funs if needed.
    fn read_var(&mut self, pos: Pos, name: &str) -> R<u32> {
        self.check_safe(pos, name)?;
        let depth = self.ctx.len();
        self.resolve_at(depth - 1, name)
            .ok_or_else(|| CompileError::new(pos, format!("variable '{name}' is unbound")))
    }

    fn check_safe(&self, pos: Pos, name: &str) -> R<()> {
        for cx in self.ctx.iter().rev() {
            if let Some(construct) = cx.unsafe_vars.get(name) {
                return Err(CompileError::new(
                    pos,
                    format!("variable '{name}' unsafe in '{construct}'"),
                ));
            }
            if cx.bound.contains(name) {
                return Ok(());
            }
        }
        Ok(())
    }

    fn resolve_at(&mut self, level: usize, name: &str) -> Option<u32> {
        if self.ctx[level].bound.contains(name) {
            return self.ctx[level].slots.get(name).copied();
        }
        if level == 0 {
            return None;
        }
        self.resolve_at(level - 1, name)?;
        let cx = &mut self.ctx[level];
        let s = cx.fresh(name);
        cx.bound.insert(name.to_string());
        cx.captures.push((name.to_string(), s));
        Some(s)
    }

    /// Compiles a pattern. `fresh` makes every variable new (fun heads, generators).
    fn pattern(&mut self, p: &Expr, fresh: bool, seen: &mut HashSet<String>) -> R<Pat> {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.pattern_inner(p, fresh, seen))
    }

    fn pattern_inner(&mut self, p: &Expr, fresh: bool, seen: &mut HashSet<String>) -> R<Pat> {
        Ok(match p {
            Expr::Var(_, v) if v.starts_with('_') && v == "_" => Pat::Any,
            Expr::Var(vpos, v) => {
                if !fresh {
                    self.check_safe(*vpos, v)?;
                }
                if seen.contains(v) {
                    let s = self.cx().slots[v];
                    return Ok(Pat::Check(s));
                }
                if !fresh {
                    let depth = self.ctx.len();
                    if let Some(s) = self.resolve_at(depth - 1, v) {
                        return Ok(Pat::Check(s));
                    }
                }
                seen.insert(v.clone());
                let cx = self.cx();
                let s = match cx.slots.get(v) {
                    Some(&s) if !fresh => s,
                    _ => cx.fresh(v),
                };
                cx.bound.insert(v.clone());
                Pat::Bind(s)
            }
            Expr::Lit(_, t) => Pat::Lit(t.clone()),
            Expr::Nil(_) => Pat::Nil,
            Expr::Tuple(_, es) => {
                let mut v = Vec::new();
                for e in es {
                    v.push(self.pattern(e, fresh, seen)?);
                }
                Pat::Tuple(v)
            }
            Expr::Cons(_, h, t) => {
                let h = self.pattern(h, fresh, seen)?;
                let t = self.pattern(t, fresh, seen)?;
                Pat::Cons(Box::new(h), Box::new(t))
            }
            Expr::Match(_, a, b) => {
                let a = self.pattern(a, fresh, seen)?;
                let b = self.pattern(b, fresh, seen)?;
                Pat::Alias(Box::new(a), Box::new(b))
            }
            Expr::Op(pos, "++", l, r) => {
                // "abc" ++ Rest in a pattern.
                let Expr::Lit(_, lt) = &**l else {
                    return Err(CompileError::new(
                        *pos,
                        "illegal pattern: ++ needs a string literal on the left",
                    ));
                };
                let items = lt
                    .list_to_vec()
                    .ok_or_else(|| CompileError::new(*pos, "illegal pattern"))?;
                let mut tail = self.pattern(r, fresh, seen)?;
                for it in items.into_iter().rev() {
                    tail = Pat::Cons(Box::new(Pat::Lit(it)), Box::new(tail));
                }
                tail
            }
            Expr::Op(pos, _, _, _) | Expr::Unary(pos, _, _) => {
                // Constant expressions are allowed in patterns (e.g. 1 bsl 4).
                let t = self
                    .const_eval(p)
                    .ok_or_else(|| CompileError::new(*pos, "illegal pattern"))?;
                Pat::Lit(t)
            }
            Expr::Bin(_, elems) => {
                let mut segs = Vec::new();
                for el in expand_strings(elems) {
                    segs.push(self.bin_seg_pat(&el, fresh, seen)?);
                }
                Pat::Bin(segs)
            }
            Expr::Map(pos, None, fields) => {
                let mut v = Vec::new();
                for (k, exact, val) in fields {
                    if !exact {
                        return Err(CompileError::new(
                            *pos,
                            "illegal pattern: map patterns use :=",
                        ));
                    }
                    let ke = self.expr(k, false)?;
                    let vp = self.pattern(val, fresh, seen)?;
                    v.push((ke, vp));
                }
                Pat::Map(v)
            }
            Expr::Record(pos, None, name, fields) => {
                let defs = self.record_def(*pos, name)?;
                let mut v = Vec::new();
                v.push(Pat::Lit(Term::atom(name)));
                let wild = fields
                    .iter()
                    .find(|(f, _)| f == "_")
                    .map(|(_, e)| e.clone());
                for (fname, _) in &defs {
                    match fields.iter().find(|(f, _)| f == fname) {
                        Some((_, e)) => v.push(self.pattern(e, fresh, seen)?),
                        None => match &wild {
                            Some(w) => v.push(self.pattern(w, fresh, seen)?),
                            None => v.push(Pat::Any),
                        },
                    }
                }
                for (f, _) in fields {
                    if f != "_" && !defs.iter().any(|(d, _)| d == f) {
                        return Err(CompileError::new(
                            *pos,
                            format!("field {f} undefined in record {name}"),
                        ));
                    }
                }
                Pat::Tuple(v)
            }
            Expr::RecordIndex(pos, name, field) => {
                Pat::Lit(Term::Int(self.record_index(*pos, name, field)? as i64))
            }
            other => return Err(CompileError::new(other.pos(), "illegal pattern")),
        })
    }

    fn const_eval(&self, e: &Expr) -> Option<Term> {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.const_eval_inner(e))
    }

    fn const_eval_inner(&self, e: &Expr) -> Option<Term> {
        match e {
            Expr::Lit(_, t) => Some(t.clone()),
            Expr::Unary(_, "-", x) => match self.const_eval(x)? {
                Term::Int(i) => Some(Term::Int(-i)),
                Term::Float(f) => Some(Term::Float(-f)),
                _ => None,
            },
            Expr::Unary(_, "bnot", x) => match self.const_eval(x)? {
                Term::Int(i) => Some(Term::Int(!i)),
                _ => None,
            },
            Expr::Op(_, op, a, b) => {
                let (Term::Int(x), Term::Int(y)) = (self.const_eval(a)?, self.const_eval(b)?)
                else {
                    return None;
                };
                let r = match *op {
                    "+" => x.checked_add(y)?,
                    "-" => x.checked_sub(y)?,
                    "*" => x.checked_mul(y)?,
                    "div" if y != 0 => x / y,
                    "rem" if y != 0 => x % y,
                    "band" => x & y,
                    "bor" => x | y,
                    "bxor" => x ^ y,
                    "bsl" if (0..62).contains(&y) => x.checked_shl(y as u32)?,
                    "bsr" if (0..64).contains(&y) => x >> y,
                    _ => return None,
                };
                Some(Term::Int(r))
            }
            _ => None,
        }
    }

    fn seg_spec(&mut self, el: &BinElem) -> R<(SegType, u32, bool, bool, Option<E>)> {
        let mut ty = SegType::Integer;
        let mut unit = None;
        let mut signed = false;
        let mut little = false;
        for (t, n) in &el.types {
            match (t.as_str(), n) {
                ("integer", None) => ty = SegType::Integer,
                ("float", None) => ty = SegType::Float,
                ("binary", None) | ("bytes", None) => ty = SegType::Binary,
                ("bitstring", None) | ("bits", None) => ty = SegType::Bits,
                ("utf8", None) => ty = SegType::Utf8,
                ("utf16", None) => ty = SegType::Utf16,
                ("utf32", None) => ty = SegType::Utf32,
                ("signed", None) => signed = true,
                ("unsigned", None) => signed = false,
                ("big", None) => little = false,
                ("little", None) => little = true,
                ("native", None) => little = cfg!(target_endian = "little"),
                ("unit", Some(u)) if (1..=256).contains(u) => unit = Some(*u),
                _ => {
                    return Err(CompileError::new(
                        el.pos,
                        format!("bit type {t} is not supported"),
                    ))
                }
            }
        }
        let size = match &el.size {
            Some(s) => Some(self.expr(s, false)?),
            None => None,
        };
        let unit = unit.unwrap_or(match ty {
            SegType::Binary => 8,
            _ => 1,
        });
        let size = match (size, ty) {
            (Some(s), _) => Some(s),
            (None, SegType::Integer) => Some(E::Lit(Term::Int(8))),
            (None, SegType::Float) => Some(E::Lit(Term::Int(64))),
            (None, _) => None,
        };
        Ok((ty, unit, signed, little, size))
    }

    fn bin_seg_pat(
        &mut self,
        el: &BinElem,
        fresh: bool,
        seen: &mut HashSet<String>,
    ) -> R<BinSeg<Pat>> {
        let (ty, unit, signed, little, size) = self.seg_spec(el)?;
        let value = self.pattern(&el.value, fresh, seen)?;
        Ok(BinSeg {
            value,
            size,
            ty,
            unit,
            signed,
            little,
        })
    }

    fn record_def(&self, pos: Pos, name: &str) -> R<Vec<(String, Option<Expr>)>> {
        self.records
            .get(name)
            .cloned()
            .ok_or_else(|| CompileError::new(pos, format!("record {name} undefined")))
    }

    fn record_index(&self, pos: Pos, name: &str, field: &str) -> R<usize> {
        let defs = self.record_def(pos, name)?;
        defs.iter()
            .position(|(f, _)| f == field)
            .map(|i| i + 2)
            .ok_or_else(|| {
                CompileError::new(pos, format!("field {field} undefined in record {name}"))
            })
    }

    fn call_target(&self, name: &str, arity: usize) -> Option<(&'static str, bifs::BifFn)> {
        bifs::lookup("erlang", name, arity)
            .filter(|_| bifs::auto_imported(name, arity))
            .map(|f| ("erlang", f))
    }

    pub fn expr(&mut self, e: &Expr, tail: bool) -> R<E> {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.expr_inner(e, tail))
    }

    fn expr_inner(&mut self, e: &Expr, tail: bool) -> R<E> {
        Ok(match e {
            Expr::Var(pos, v) => {
                if v == "_" {
                    return Err(CompileError::new(*pos, "variable '_' is unbound"));
                }
                E::Var(self.read_var(*pos, v)?)
            }
            Expr::Lit(_, t) => E::Lit(t.clone()),
            Expr::Nil(_) => E::Lit(Term::Nil),
            Expr::Tuple(_, es) => E::Tuple(self.siblings(es)?),
            Expr::Cons(..) => {
                let mut parts = Vec::new();
                let mut cur = e;
                while let Expr::Cons(_, h, t) = cur {
                    parts.push(&**h);
                    cur = t;
                }
                parts.push(cur);
                let mut heads = self.siblings(parts)?;
                let tl = heads.pop().expect("the tail is the last sibling");
                E::Cons(heads, Box::new(tl))
            }
            Expr::Bin(_, elems) => {
                let mut segs = Vec::new();
                for el in expand_strings(elems) {
                    let el = &el;
                    let (ty, unit, signed, little, size) = self.seg_spec(el)?;
                    let value = self.expr(&el.value, false)?;
                    segs.push(BinSeg {
                        value,
                        size,
                        ty,
                        unit,
                        signed,
                        little,
                    });
                }
                E::Bin(segs)
            }
            Expr::Op(pos, op, a, b) => {
                if matches!(*op, "andalso" | "orelse") {
                    let ca = self.expr(a, false)?;
                    let cb = Box::new(self.expr(b, tail)?);
                    return Ok(match *op {
                        "andalso" => E::AndAlso(Box::new(ca), cb),
                        _ => E::OrElse(Box::new(ca), cb),
                    });
                }
                let mut both = self.siblings([&**a, &**b])?;
                let cb = both.pop().expect("two operands");
                let ca = both.pop().expect("two operands");
                let o = match *op {
                    "+" => Op2::Add,
                    "-" => Op2::Sub,
                    "*" => Op2::Mul,
                    "/" => Op2::FDiv,
                    "div" => Op2::IDiv,
                    "rem" => Op2::Rem,
                    "band" => Op2::Band,
                    "bor" => Op2::Bor,
                    "bxor" => Op2::Bxor,
                    "bsl" => Op2::Bsl,
                    "bsr" => Op2::Bsr,
                    "==" => Op2::Eq,
                    "/=" => Op2::Ne,
                    "=:=" => Op2::ExactEq,
                    "=/=" => Op2::ExactNe,
                    "<" => Op2::Lt,
                    "=<" => Op2::Le,
                    ">" => Op2::Gt,
                    ">=" => Op2::Ge,
                    "and" => Op2::And,
                    "or" => Op2::Or,
                    "xor" => Op2::Xor,
                    "++" => Op2::Append,
                    "--" => Op2::Subtract,
                    "!" => Op2::Send,
                    other => {
                        return Err(CompileError::new(
                            *pos,
                            format!("operator {other} is not supported"),
                        ))
                    }
                };
                crate::code::mk_op2(o, ca, cb)
            }
            Expr::Unary(pos, op, a) => {
                let ca = self.expr(a, false)?;
                let o = match *op {
                    "-" => Op1::Neg,
                    "+" => Op1::Plus,
                    "bnot" => Op1::Bnot,
                    "not" => Op1::Not,
                    other => {
                        return Err(CompileError::new(
                            *pos,
                            format!("operator {other} is not supported"),
                        ))
                    }
                };
                E::Op1(o, Box::new(ca))
            }
            Expr::Match(_, p, v) => {
                let cv = self.expr(v, false)?;
                let mut seen = HashSet::new();
                let cp = self.pattern(p, false, &mut seen)?;
                E::Match(Box::new(cp), Box::new(cv))
            }
            Expr::Call(pos, f, args) => self.call(*pos, f, args, tail)?,
            Expr::Remote(pos, _, _) => {
                return Err(CompileError::new(*pos, "remote name outside a call"))
            }
            Expr::Case(_, scrut, clauses) => {
                let s = self.expr(scrut, false)?;
                let (cl, _) = self.branches(clauses, tail, None, "case")?;
                E::Case(Box::new(s), cl)
            }
            Expr::If(_, clauses) => E::If(self.branches(clauses, tail, None, "if")?.0),
            Expr::Receive(_, clauses, after) => {
                let te = match after {
                    Some((t, _)) => Some(self.expr(t, false)?),
                    None => None,
                };
                let (cl, af) = self.branches(
                    clauses,
                    tail,
                    after.as_ref().map(|(_, b)| b.as_slice()),
                    "receive",
                )?;
                let af = match (te, af) {
                    (Some(te), Some(b)) => Some((Box::new(te), b)),
                    _ => None,
                };
                E::Receive(cl, af)
            }
            Expr::Try(_, body, of, catches, after) => {
                let before = self.cx().bound.clone();
                let b = self.body(body, false)?;
                let ofc = self.clauses(of, false)?;
                let mut inside = self.cx().bound.clone();
                self.cx().bound = before.clone();
                let cc = self.clauses(catches, false)?;
                inside.extend(self.cx().bound.iter().cloned());
                self.cx().bound = before.clone();
                let af = self.body(after, false)?;
                // Nothing bound inside a try is safe to use after it.
                let cx = self.cx();
                for v in inside.difference(&before) {
                    cx.unsafe_vars.entry(v.clone()).or_insert("try");
                }
                E::Try(b, ofc, cc, af)
            }
            Expr::Catch(_, x) => E::Catch(Box::new(self.expr(x, false)?)),
            Expr::Block(_, es) => E::Block(self.body(es, tail)?),
            Expr::Fun(pos, name, clauses) => self.lambda(*pos, name.as_deref(), clauses)?,
            Expr::FunRef(pos, m, f, a) => match m {
                None => {
                    let (Some(fname), Expr::Lit(_, Term::Int(ar))) = (lit_atom(f), &**a) else {
                        return Err(CompileError::new(*pos, "bad fun reference"));
                    };
                    let ar = *ar as usize;
                    match self.locals.get(&(fname.clone(), ar)) {
                        Some(&i) => E::MakeFun(i, vec![]),
                        None => {
                            if self.call_target(&fname, ar).is_some() {
                                E::Lit(Term::Fun(std::rc::Rc::new(crate::term::Fun {
                                    kind: crate::term::FunKind::External {
                                        module: crate::atom::ERLANG,
                                        function: Atom::intern(&fname),
                                    },
                                    arity: ar,
                                })))
                            } else {
                                return Err(CompileError::new(
                                    *pos,
                                    format!("function {fname}/{ar} undefined"),
                                ));
                            }
                        }
                    }
                }
                Some(m) => {
                    let cm = self.expr(m, false)?;
                    let cf = self.expr(f, false)?;
                    let ca = self.expr(a, false)?;
                    E::FunRef(Box::new(cm), Box::new(cf), Box::new(ca))
                }
            },
            Expr::ListComp(_, body, quals) => {
                let (q, b) = self.comprehension(body, quals)?;
                E::ListComp(Box::new(b), q)
            }
            Expr::BinComp(_, body, quals) => {
                let (q, b) = self.comprehension(body, quals)?;
                E::BinComp(Box::new(b), q)
            }
            Expr::Map(_, None, fields) => {
                let mut v = Vec::new();
                for (k, exact, val) in fields {
                    if *exact {
                        return Err(CompileError::new(
                            k.pos(),
                            "only association operators '=>' are allowed in map construction",
                        ));
                    }
                    v.push((self.expr(k, false)?, self.expr(val, false)?));
                }
                E::MapNew(v)
            }
            Expr::Map(pos, Some(base), fields) => {
                let b = self.expr(base, false)?;
                let mut v = Vec::new();
                for (k, exact, val) in fields {
                    v.push((self.expr(k, false)?, *exact, self.expr(val, false)?));
                }
                E::At(*pos, Box::new(E::MapUpdate(Box::new(b), v)))
            }
            Expr::Record(pos, None, name, fields) => {
                let defs = self.record_def(*pos, name)?;
                for (f, _) in fields {
                    if f != "_" && !defs.iter().any(|(d, _)| d == f) {
                        return Err(CompileError::new(
                            *pos,
                            format!("field {f} undefined in record {name}"),
                        ));
                    }
                }
                let wild = fields
                    .iter()
                    .find(|(f, _)| f == "_")
                    .map(|(_, e)| e.clone());
                let mut v = vec![E::Lit(Term::atom(name))];
                for (fname, def) in &defs {
                    let e = match fields.iter().find(|(f, _)| f == fname) {
                        Some((_, e)) => self.expr(e, false)?,
                        None => match (&wild, def) {
                            (Some(w), _) => self.expr(w, false)?,
                            (None, Some(d)) => self.expr(d, false)?,
                            (None, None) => E::Lit(Term::atom("undefined")),
                        },
                    };
                    v.push(e);
                }
                E::Tuple(v)
            }
            Expr::Record(pos, Some(base), name, fields) => {
                let defs = self.record_def(*pos, name)?;
                let b = self.expr(base, false)?;
                let mut ups = Vec::new();
                for (f, val) in fields {
                    let idx = self.record_index(*pos, name, f)?;
                    ups.push((idx - 1, self.expr(val, false)?));
                }
                E::At(
                    *pos,
                    Box::new(E::RecUpdate(
                        Box::new(b),
                        Atom::intern(name),
                        defs.len() + 1,
                        ups,
                    )),
                )
            }
            Expr::RecordField(pos, base, name, field) => {
                let defs = self.record_def(*pos, name)?;
                let idx = self.record_index(*pos, name, field)?;
                let b = self.expr(base, false)?;
                E::At(
                    *pos,
                    Box::new(E::RecField(
                        Box::new(b),
                        Atom::intern(name),
                        defs.len() + 1,
                        idx - 1,
                    )),
                )
            }
            Expr::RecordIndex(pos, name, field) => {
                E::Lit(Term::Int(self.record_index(*pos, name, field)? as i64))
            }
        })
    }

    fn clauses(&mut self, clauses: &[Clause], tail: bool) -> R<Vec<CClause>> {
        let (out, _) = self.branches(clauses, tail, None, "case")?;
        Ok(out)
    }

    /// Compiles alternative branches (clauses, plus an `after` body for receive). Afterwards
    /// the variables bound in every branch are bound; those bound in only some are unsafe.
    fn branches(
        &mut self,
        clauses: &[Clause],
        tail: bool,
        extra: Option<&[Expr]>,
        construct: &'static str,
    ) -> R<(Vec<CClause>, Option<Vec<E>>)> {
        let before = self.cx().bound.clone();
        let unsafe_before = self.cx().unsafe_vars.clone();
        let mut unsafe_union = unsafe_before.clone();
        let mut union = before.clone();
        let mut inter: Option<HashSet<String>> = None;
        let mut out = Vec::new();
        for c in clauses {
            self.cx().bound = before.clone();
            self.cx().unsafe_vars = unsafe_before.clone();
            let mut seen = HashSet::new();
            let mut pats = Vec::new();
            for p in &c.pats {
                pats.push(self.pattern(p, false, &mut seen)?);
            }
            let guard = self.guard(&c.guards)?;
            let body = self.body(&c.body, tail)?;
            let b = self.cx().bound.clone();
            union.extend(b.iter().cloned());
            inter = Some(match inter {
                None => b,
                Some(i) => i.intersection(&b).cloned().collect(),
            });
            unsafe_union.extend(self.cx().unsafe_vars.iter().map(|(k, v)| (k.clone(), *v)));
            out.push(CClause { pats, guard, body });
        }
        let mut extra_code = None;
        if let Some(es) = extra {
            self.cx().bound = before.clone();
            self.cx().unsafe_vars = unsafe_before.clone();
            extra_code = Some(self.body(es, tail)?);
            let b = self.cx().bound.clone();
            union.extend(b.iter().cloned());
            inter = Some(match inter {
                None => b,
                Some(i) => i.intersection(&b).cloned().collect(),
            });
            unsafe_union.extend(self.cx().unsafe_vars.iter().map(|(k, v)| (k.clone(), *v)));
        }
        let inter = inter.unwrap_or_else(|| before.clone());
        let cx = self.cx();
        cx.unsafe_vars = unsafe_union;
        for v in union.difference(&inter) {
            if !before.contains(v) {
                cx.unsafe_vars.entry(v.clone()).or_insert(construct);
            }
        }
        cx.bound = inter;
        Ok((out, extra_code))
    }

    fn comprehension(&mut self, body: &Expr, quals: &[Qual]) -> R<(Vec<CQual>, E)> {
        let saved_bound = self.cx().bound.clone();
        let saved_slots = self.cx().slots.clone();
        let saved_unsafe = self.cx().unsafe_vars.clone();
        let mut q = Vec::new();
        for qual in quals {
            match qual {
                Qual::Gen(p, g) => {
                    let ge = self.expr(g, false)?;
                    let mut seen = HashSet::new();
                    let pe = self.pattern(p, true, &mut seen)?;
                    q.push(CQual::Gen(pe, ge));
                }
                Qual::BinGen(p, g) => {
                    let ge = self.expr(g, false)?;
                    let mut seen = HashSet::new();
                    let pe = self.pattern(p, true, &mut seen)?;
                    q.push(CQual::BinGen(pe, ge));
                }
                Qual::Filter(f) => {
                    let e = self.expr(f, false)?;
                    q.push(if is_guard_expr(f) {
                        CQual::GuardFilter(e)
                    } else {
                        CQual::Filter(e)
                    });
                }
            }
        }
        let b = self.expr(body, false)?;
        let caps: Vec<(String, u32)> = self.cx().captures.clone();
        let cx = self.cx();
        cx.unsafe_vars = saved_unsafe;
        cx.bound = saved_bound;
        cx.slots = saved_slots;
        for (n, s) in caps {
            cx.slots.insert(n.clone(), s);
            cx.bound.insert(n);
        }
        Ok((q, b))
    }

    fn lambda(&mut self, pos: Pos, name: Option<&str>, clauses: &[Clause]) -> R<E> {
        self.lambda_count += 1;
        let lname = format!("-{}/{}-fun-{}-", self.fun_name, 0, self.lambda_count - 1);
        let arity = clauses[0].pats.len();
        let idx = self.funs.len();
        self.funs.push(None);
        // Compile with a fresh context whose captures are discovered while compiling.
        let mut ctx = FnCtx::new();
        // Slots 0..arity hold the arguments (the caller writes them there).
        ctx.n_slots = arity as u32;
        let self_slot = name.map(|n| {
            let s = ctx.fresh(n);
            ctx.bound.insert(n.to_string());
            s
        });
        self.ctx.push(ctx);
        let mut cl = Vec::new();
        for c in clauses {
            let saved_bound = self.cx().bound.clone();
            let saved_slots = self.cx().slots.clone();
            let saved_unsafe = self.cx().unsafe_vars.clone();
            let mut seen = HashSet::new();
            let mut pats = Vec::new();
            for p in &c.pats {
                pats.push(self.pattern(p, true, &mut seen)?);
            }
            let guard = self.guard(&c.guards)?;
            let body = self.body(&c.body, true)?;
            cl.push(CClause { pats, guard, body });
            let caps: Vec<(String, u32)> = self.cx().captures.clone();
            let cx = self.cx();
            cx.unsafe_vars = saved_unsafe;
            cx.bound = saved_bound;
            cx.slots = saved_slots;
            for (n, s) in caps {
                cx.slots.insert(n.clone(), s);
                cx.bound.insert(n);
            }
        }
        let ctx = self.ctx.pop().expect("pushed above");
        // Captured values: read them in the enclosing context (possibly capturing there too).
        let mut outer_slots = Vec::new();
        let mut env_slots = Vec::new();
        for (n, local) in &ctx.captures {
            outer_slots.push(self.read_var(pos, n)?);
            env_slots.push(*local);
        }
        let fd = FunDef {
            name: Atom::intern(&lname),
            arity,
            env_slots,
            n_slots: ctx.n_slots as usize,
            self_slot,
            line: pos.line,
            code: crate::bytecode::Code::default(),
            clauses: cl,
        };
        // The interpreter copies env values into the slots listed here, in order.
        self.funs[idx] = Some(fd);
        Ok(E::MakeFun(idx, outer_slots))
    }

    fn call(&mut self, pos: Pos, f: &Expr, args: &[Expr], tail: bool) -> R<E> {
        let cargs = self.siblings(args)?;
        let n = args.len();
        match f {
            Expr::Remote(_, m, fx) => {
                if let (Some(ms), Some(fs)) = (lit_atom(m), lit_atom(fx)) {
                    if let Some(b) = bifs::lookup(&ms, &fs, n) {
                        return Ok(E::CallBif(b, Atom::intern(&ms), Atom::intern(&fs), cargs));
                    }
                    if ms == self.module {
                        // A fully qualified call to our own module still goes through the
                        // export table (code upgrade semantics), but only exported ones exist.
                    }
                    return Ok(E::CallRemote(
                        Atom::intern(&ms),
                        Atom::intern(&fs),
                        cargs,
                        tail,
                    ));
                }
                let cm = self.expr(m, false)?;
                let cf = self.expr(fx, false)?;
                Ok(E::CallDyn(Box::new(cm), Box::new(cf), cargs, tail))
            }
            Expr::Lit(_, Term::Atom(a)) => {
                let name = a.name();
                // Natives override library code, even for calls inside the library module.
                if let Some(b) = bifs::lookup(&self.module, name, n) {
                    return Ok(E::CallBif(b, Atom::intern(&self.module), *a, cargs));
                }
                if let Some(&i) = self.locals.get(&(name.to_string(), n)) {
                    return Ok(E::CallLocal(i, cargs, tail));
                }
                if let Some(m) = self.imports.get(&(name.to_string(), n)).cloned() {
                    if let Some(b) = bifs::lookup(&m, name, n) {
                        return Ok(E::CallBif(b, Atom::intern(&m), *a, cargs));
                    }
                    return Ok(E::CallRemote(Atom::intern(&m), *a, cargs, tail));
                }
                if name == "record_info" && n == 2 {
                    if let (Some(kind), Some(rec)) = (lit_atom(&args[0]), lit_atom(&args[1])) {
                        let defs = self.record_def(pos, &rec)?;
                        return Ok(match kind.as_str() {
                            "size" => E::Lit(Term::Int(defs.len() as i64 + 1)),
                            "fields" => E::Lit(Term::list(
                                defs.iter().map(|(f, _)| Term::atom(f)).collect(),
                            )),
                            _ => return Err(CompileError::new(pos, "illegal record_info")),
                        });
                    }
                }
                if name == "is_record" && n == 2 {
                    if let Some(rec) = lit_atom(&args[1]) {
                        if let Some(defs) = self.records.get(&rec) {
                            let size = defs.len() + 1;
                            let mut cargs = cargs;
                            cargs.push(E::Lit(Term::Int(size as i64)));
                            let b =
                                bifs::lookup("erlang", "is_record", 3).expect("is_record/3 exists");
                            return Ok(E::CallBif(b, crate::atom::ERLANG, *a, cargs));
                        }
                    }
                }
                if let Some((_, b)) = self.call_target(name, n) {
                    return Ok(E::CallBif(b, crate::atom::ERLANG, *a, cargs));
                }
                Err(CompileError::new(
                    pos,
                    format!("function {name}/{n} undefined"),
                ))
            }
            other => {
                let cf = self.expr(other, false)?;
                Ok(E::Apply(Box::new(cf), cargs, tail))
            }
        }
    }
}
