//! Compiles parsed forms into `code::Module`: resolves variables to frame slots (deciding
//! statically whether a pattern variable binds or compares), captures free variables of funs,
//! expands records, resolves calls to local functions, imports and native BIFs.

use crate::ast::{BinElem, Clause, Expr, Form, Qual, TypeRef};
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

/// Where a variable became unsafe: the construct's keyword and position, which erlc names in
/// its message ("variable 'X' unsafe in 'case' (line 3, column 9)").
type Unsafe = (&'static str, Pos);

struct FnCtx {
    slots: HashMap<String, u32>,
    /// Variables in scope: a read of any other is "unbound".
    bound: HashSet<String>,
    /// Variables assigned at run time but out of scope: bound by an earlier sibling of the
    /// expression being compiled (`{X = 1, X}`; erl_lint checks each sibling against the scope
    /// before the group). Reading one is an error; matching one compares with its value, as
    /// OTP does at run time, and brings it into scope.
    hidden: HashSet<String>,
    n_slots: u32,
    /// (outer name, local slot) pairs captured from the enclosing function.
    captures: Vec<(String, u32)>,
    /// Variables bound in some but not all branches of a case/if/receive, or inside a
    /// try/catch/andalso/orelse: using them later is an error, as in erlc.
    unsafe_vars: HashMap<String, Unsafe>,
    /// Compiling a record field's default, where a pattern may not bind (outside a fun or
    /// comprehension).
    in_record_def: bool,
}

/// The scope part of a function context, saved and restored around branches and siblings.
#[derive(Clone)]
struct Scope {
    bound: HashSet<String>,
    hidden: HashSet<String>,
    unsafe_vars: HashMap<String, Unsafe>,
}

impl FnCtx {
    fn new() -> Self {
        FnCtx {
            slots: HashMap::new(),
            bound: HashSet::new(),
            hidden: HashSet::new(),
            n_slots: 0,
            captures: Vec::new(),
            unsafe_vars: HashMap::new(),
            in_record_def: false,
        }
    }
    fn fresh(&mut self, name: &str) -> u32 {
        let s = self.n_slots;
        self.n_slots += 1;
        self.slots.insert(name.to_string(), s);
        s
    }
    fn scope(&self) -> Scope {
        Scope {
            bound: self.bound.clone(),
            hidden: self.hidden.clone(),
            unsafe_vars: self.unsafe_vars.clone(),
        }
    }
    /// Restores a saved scope. Variables captured since stay in scope with their slots: a
    /// capture is made once per fun, whatever branch first read the variable.
    fn set_scope(&mut self, s: Scope) {
        self.bound = s.bound;
        self.hidden = s.hidden;
        self.unsafe_vars = s.unsafe_vars;
        for (n, slot) in &self.captures {
            // A fun-head variable may shadow a captured one of the same name (a binary size
            // in the head read the outer one): the head's own stays.
            if self.bound.insert(n.clone()) {
                self.slots.insert(n.clone(), *slot);
            }
        }
    }
    /// Variables in scope now that were not in `before` (captures excluded).
    fn new_since(&self, before: &Scope) -> HashSet<String> {
        self.bound
            .iter()
            .filter(|v| !before.bound.contains(*v) && !self.captures.iter().any(|(n, _)| n == *v))
            .cloned()
            .collect()
    }
    /// Variables new since `before`: in scope now, or unsafe now and not then.
    fn new_or_unsafe_since(&self, before: &Scope) -> HashSet<String> {
        let mut v = self.new_since(before);
        v.extend(
            self.unsafe_vars
                .keys()
                .filter(|k| !before.unsafe_vars.contains_key(*k) && !before.bound.contains(*k))
                .cloned(),
        );
        v
    }

    /// Marks the variables bound since `before` unsafe (they leave a try, catch, andalso or
    /// orelse only as "unsafe") and takes them out of scope. Variables that became unsafe
    /// inside are now unsafe in this construct, as erl_lint's `vtunsafe` marks them.
    fn unsafe_since(&mut self, before: &Scope, construct: Unsafe) {
        for v in self.new_since(before) {
            self.bound.remove(&v);
            self.unsafe_vars.insert(v, construct);
        }
        for (k, u) in self.unsafe_vars.iter_mut() {
            if !before.unsafe_vars.contains_key(k) && !before.bound.contains(k) {
                *u = construct;
            }
        }
    }
}

/// A pattern being compiled: its variables so far, and the scope before it, which is all that
/// binary sizes and map keys may read (erl_lint: a function head sees no variables, and a
/// size may also use variables bound by earlier segments of the same binary).
struct PatCtx {
    /// Every variable is new (fun heads and generators shadow).
    fresh: bool,
    /// A function or fun head (which erl_parse reads with its pattern grammar).
    head: bool,
    seen: HashSet<String>,
    outer_bound: HashSet<String>,
    outer_slots: HashMap<String, u32>,
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
    /// Functions `-compile({no_auto_import, ...})` names: a call of one never means the BIF.
    no_auto_import: HashSet<(String, usize)>,
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
        no_auto_import: HashSet::new(),
    };
    let mut functions = Vec::new();
    let mut record_order = Vec::new();
    let mut types = HashSet::new();
    let mut type_refs = Vec::new();
    let mut specs = Vec::new();
    for f in forms {
        match f {
            Form::Module(_, m) => module = Some(m),
            Form::Export(pos, l) => exports.extend(l.into_iter().map(|fa| (pos, fa))),
            Form::Compile(all, no_auto) => {
                export_all |= all;
                c.no_auto_import.extend(no_auto);
            }
            Form::Import(pos, m, l) => {
                for fa in l {
                    if let Some(old) = c.imports.get(&fa) {
                        return Err(CompileError::new(
                            pos,
                            format!("function {}/{} already imported from {old}", fa.0, fa.1),
                        ));
                    }
                    c.imports.insert(fa, m.clone());
                }
            }
            Form::Type(pos, name, arity, refs, unbound) => {
                if let Some((p, v)) = unbound {
                    return Err(CompileError::new(
                        p,
                        format!("type variable '{v}' is only used once (is unbound)"),
                    ));
                }
                if !types.insert((name.clone(), arity)) {
                    return Err(CompileError::new(
                        pos,
                        format!("type {} already defined", type_text(&name, arity)),
                    ));
                }
                type_refs.extend(refs);
            }
            Form::Spec(pos, m, name, arity, refs) => specs.push((pos, m, name, arity, refs)),
            Form::Record(pos, name, fields, refs, at) => {
                type_refs.extend(refs);
                if c.records.contains_key(&name) {
                    return Err(CompileError::new(
                        pos,
                        format!("record {name} already defined"),
                    ));
                }
                let mut seen = HashSet::new();
                if let Some(((f, _), p)) = fields
                    .iter()
                    .zip(&at)
                    .find(|((f, _), _)| !seen.insert(f.clone()))
                {
                    return Err(CompileError::new(
                        *p,
                        format!("field {f} already defined in record {name}"),
                    ));
                }
                record_order.push(name.clone());
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
    // erl_lint checks every record definition, used or not: its defaults see no variables
    // and call only what exists. Compiling them once checks that (the code is dropped).
    let n_funs = c.funs.len();
    for name in &record_order {
        for (_, d) in c.records[name].clone() {
            if let Some(d) = d {
                c.record_default(&d)?;
            }
        }
    }
    c.funs.truncate(n_funs);
    for (pos, name, arity, _) in &functions {
        if c.imports.contains_key(&(name.clone(), *arity)) {
            return Err(CompileError::new(
                *pos,
                format!("defining imported function {name}/{arity}"),
            ));
        }
    }
    let Some(mname) = module else {
        return Err(CompileError::new(Pos::default(), "no -module attribute"));
    };
    c.module = mname.clone();
    // What erl_lint checks of types and specs (they are not compiled).
    let mut specced = HashSet::new();
    for (pos, m, name, arity, refs) in specs {
        if m.as_ref().is_some_and(|m| *m != mname) {
            let m = m.unwrap_or_default();
            return Err(CompileError::new(
                pos,
                format!("spec for function {m}:{name}/{arity} from other module"),
            ));
        }
        if !specced.insert((name.clone(), arity)) {
            return Err(CompileError::new(
                pos,
                format!("spec for {name}/{arity} already defined"),
            ));
        }
        if !c.locals.contains_key(&(name.clone(), arity)) {
            return Err(CompileError::new(
                pos,
                format!("spec for undefined function {name}/{arity}"),
            ));
        }
        type_refs.extend(refs);
    }
    for r in &type_refs {
        match r {
            TypeRef::Local(pos, name, arity)
                if !builtin_type(name, *arity) && !types.contains(&(name.clone(), *arity)) =>
            {
                return Err(CompileError::new(
                    *pos,
                    format!("type {} undefined", type_text(name, *arity)),
                ));
            }
            TypeRef::Record(pos, name) if !c.records.contains_key(name) => {
                return Err(CompileError::new(*pos, format!("record {name} undefined")));
            }
            _ => {}
        }
    }
    for (pos, name, arity, clauses) in functions {
        let idx = c.locals[&(name.clone(), arity)];
        c.fun_name = name.clone();
        c.lambda_count = 0;
        let fd = c.function(pos, &name, arity, &clauses, None)?;
        c.funs[idx] = Some(fd);
    }
    let mut ex = HashMap::new();
    for (pos, (f, a)) in &exports {
        match c.locals.get(&(f.clone(), *a)) {
            Some(&i) => {
                ex.insert((Atom::intern(f), *a), i);
            }
            None => {
                return Err(CompileError::new(
                    *pos,
                    format!("function {f}/{a} undefined"),
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
        jit: Default::default(),
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
        Expr::RecordField(_, b, _, _, _) => is_guard_expr(b),
        Expr::Record(_, None, _, fs, _) => fs.iter().all(|(_, v)| is_guard_expr(v)),
        Expr::Map(_, base, fs, _) => {
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

/// A field named twice in a record expression or pattern (erl_lint's `redefine_field`).
/// A field named twice, at its second name.
fn check_record_fields(name: &str, fields: &[(String, Expr)], at: &[Pos]) -> R<()> {
    let mut seen = HashSet::new();
    for ((f, _), p) in fields.iter().zip(at) {
        if !seen.insert(f) {
            return Err(CompileError::new(
                *p,
                format!("field {f} already defined in record {name}"),
            ));
        }
    }
    Ok(())
}

/// Where erl_parse anchors an expression, which is where erl_lint reports it: a call and a
/// match at their first token; everything else (an operator at the operator) at its own.
fn first_pos(e: &Expr) -> Pos {
    match e {
        Expr::Call(_, f, _) => first_pos(f),
        Expr::Remote(_, m, _) => first_pos(m),
        Expr::Match(_, l, _) => first_pos(l),
        other => other.pos(),
    }
}

/// The first occurrence of variable `name` in a guard expression.
fn var_pos(e: &Expr, name: &str) -> Option<Pos> {
    match e {
        Expr::Var(p, v) => (v == name).then_some(*p),
        Expr::Tuple(_, es) => es.iter().find_map(|x| var_pos(x, name)),
        Expr::Cons(_, h, t) | Expr::Op(_, _, h, t) => var_pos(h, name).or_else(|| var_pos(t, name)),
        Expr::Unary(_, _, a) | Expr::RecordField(_, a, _, _, _) => var_pos(a, name),
        Expr::Call(_, f, args) => {
            var_pos(f, name).or_else(|| args.iter().find_map(|x| var_pos(x, name)))
        }
        Expr::Map(_, b, fs, _) => b.as_deref().and_then(|b| var_pos(b, name)).or_else(|| {
            fs.iter()
                .find_map(|(k, _, v)| var_pos(k, name).or_else(|| var_pos(v, name)))
        }),
        Expr::Record(_, _, _, fs, _) => fs.iter().find_map(|(_, v)| var_pos(v, name)),
        Expr::Bin(_, els) => els.iter().find_map(|el| {
            var_pos(&el.value, name).or_else(|| el.size.as_ref().and_then(|s| var_pos(s, name)))
        }),
        _ => None,
    }
}

/// erl_internal:guard_bif/2 (OTP 25): the BIFs a guard may call.
fn is_guard_bif(name: &str, arity: usize) -> bool {
    matches!(
        (name, arity),
        (
            "abs" | "bit_size" | "byte_size" | "ceil" | "float" | "floor" | "hd" | "length",
            1
        ) | (
            "map_size" | "round" | "size" | "tl" | "trunc" | "tuple_size" | "node",
            1
        ) | ("binary_part", 2 | 3)
            | ("element" | "is_map_key" | "map_get" | "max" | "min", 2)
            | ("node" | "self", 0)
            | (
                "is_atom" | "is_binary" | "is_bitstring" | "is_boolean" | "is_float",
                1
            )
            | ("is_function", 1 | 2)
            | (
                "is_integer" | "is_list" | "is_map" | "is_number" | "is_pid" | "is_port",
                1
            )
            | ("is_record", 2 | 3)
            | ("is_reference" | "is_tuple", 1)
    )
}

/// erl_lint's `is_gexpr_op`: arithmetic, boolean and comparison operators (not list
/// operators or send).
fn is_gexpr_op(op: &str, arity: usize) -> bool {
    match arity {
        1 => matches!(op, "-" | "+" | "bnot" | "not"),
        2 => matches!(
            op,
            "+" | "-"
                | "*"
                | "/"
                | "div"
                | "rem"
                | "band"
                | "bor"
                | "bxor"
                | "bsl"
                | "bsr"
                | "and"
                | "or"
                | "xor"
                | "=="
                | "/="
                | "=<"
                | "<"
                | ">="
                | ">"
                | "=:="
                | "=/="
        ),
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
    /// operands, binary segments, map and record fields), as erl_lint checks them: each
    /// against the scope before the group, so a variable bound by one is unbound in the next
    /// (it is hidden there; matching it again compares, as OTP does at run time); their new
    /// variables are all in scope after the group. Unsafe marks merge the same way.
    fn siblings<'e>(&mut self, es: impl IntoIterator<Item = &'e Expr>) -> R<Vec<E>> {
        let mut out = Vec::new();
        self.sibling_group(es, |c, e| {
            out.push(c.expr(e, false)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Runs `each` on every item as a sibling of the others (see `siblings`).
    fn sibling_group<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Self, T) -> R<()>,
    ) -> R<()> {
        let before = self.cx().scope();
        let mut new = HashSet::new();
        let mut unsafe_after = before.unsafe_vars.clone();
        for it in items {
            let mut s = before.clone();
            s.hidden.extend(new.iter().cloned());
            self.cx().set_scope(s);
            each(self, it)?;
            let cx = self.cx();
            new.extend(cx.new_since(&before));
            for (k, v) in &cx.unsafe_vars {
                unsafe_after.entry(k.clone()).or_insert(*v);
            }
        }
        let mut s = before;
        for v in &new {
            s.hidden.remove(v);
            s.bound.insert(v.clone());
        }
        s.unsafe_vars = unsafe_after;
        self.cx().set_scope(s);
        Ok(())
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
        // The clauses' variables share slots: no clause reads what another bound (a clause
        // is entered only after the previous one failed, and binds every variable it reads),
        // so each starts from the same first free slot and the frame is as large as the
        // largest clause needs. Smaller frames are cheaper to clear on every call, return
        // and tail call. (A fun's clauses do not share: a variable one clause captures keeps
        // its slot for the other clauses.)
        let first = self.cx().n_slots;
        let mut most = first;
        let mut cl = Vec::new();
        for c in clauses {
            self.cx().n_slots = first;
            cl.push(self.fun_clause(c)?);
            most = most.max(self.cx().n_slots);
        }
        let mut ctx = self.ctx.pop().expect("pushed above");
        ctx.n_slots = most;
        Ok(FunDef {
            name: Atom::intern(name),
            arity,
            env_slots: Vec::new(),
            n_slots: ctx.n_slots as usize,
            self_slot,
            line: pos.line,
            code: crate::bytecode::Code::default(),
            clauses: cl,
            jit: Default::default(),
        })
    }

    /// One clause of a function or fun: its head shadows (every variable is new), and nothing
    /// it binds outlives it.
    fn fun_clause(&mut self, c: &Clause) -> R<CClause> {
        let saved = self.cx().scope();
        let saved_slots = self.cx().slots.clone();
        let mut pc = self.pat_ctx(true);
        pc.head = true;
        let mut pats = Vec::new();
        for p in &c.pats {
            pats.push(self.pattern(p, &mut pc)?);
        }
        let guard = self.guard(&c.guards)?;
        let body = self.body(&c.body, true)?;
        let cx = self.cx();
        cx.slots = saved_slots;
        cx.set_scope(saved);
        Ok(CClause { pats, guard, body })
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
                let test = self.guard_test(e)?;
                c.push(self.expr(test.as_ref().unwrap_or(e), false)?);
            }
            out.push(c);
        }
        Ok(out)
    }

    /// Checks one guard test as erl_lint does; returns the test rewritten when it is an old
    /// type test (`integer(X)` for `is_integer(X)`), which only a guard's top level allows.
    fn guard_test(&self, e: &Expr) -> R<Option<Expr>> {
        if let Expr::Call(pos, f, args) = e {
            if let Expr::Lit(fpos, Term::Atom(a)) = &**f {
                let n = args.len();
                let new = match (a.name(), n) {
                    ("record", 2) => Some("is_record"),
                    (
                        "integer" | "float" | "number" | "atom" | "list" | "tuple" | "pid"
                        | "reference" | "port" | "binary" | "function",
                        1,
                    ) => Some(a.name()),
                    _ => None,
                };
                if let Some(t) = new {
                    if !self.is_local_or_imported(a.name(), n) {
                        for x in args {
                            self.check_gexpr(x)?;
                        }
                        let name = if t == "is_record" {
                            t.to_string()
                        } else {
                            format!("is_{t}")
                        };
                        let f = Expr::Lit(*fpos, Term::atom(&name));
                        return Ok(Some(Expr::Call(*pos, Box::new(f), args.clone())));
                    }
                }
            }
        }
        self.check_gexpr(e)?;
        Ok(None)
    }

    fn is_local_or_imported(&self, name: &str, arity: usize) -> bool {
        let k = (name.to_string(), arity);
        self.locals.contains_key(&k) || self.imports.contains_key(&k)
    }

    /// Whether `e` may appear in a guard (erl_lint's `gexpr`): variables, literals, data
    /// constructors, record access, guard BIFs and operators other than `++ -- !`.
    fn check_gexpr(&self, e: &Expr) -> R<()> {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.check_gexpr_inner(e))
    }

    fn check_gexpr_inner(&self, e: &Expr) -> R<()> {
        let illegal = |p: Pos| Err(CompileError::new(p, "illegal guard expression"));
        let pos = &first_pos(e);
        match e {
            Expr::Var(..) | Expr::Lit(..) | Expr::Nil(_) | Expr::RecordIndex(..) => Ok(()),
            Expr::Tuple(_, es) => es.iter().try_for_each(|x| self.check_gexpr(x)),
            Expr::Cons(_, h, t) => {
                self.check_gexpr(h)?;
                self.check_gexpr(t)
            }
            Expr::Map(_, base, fs, _) => {
                if let Some(b) = base {
                    self.check_gexpr(b)?;
                }
                fs.iter().try_for_each(|(k, _, v)| {
                    self.check_gexpr(k)?;
                    self.check_gexpr(v)
                })
            }
            Expr::Record(_, None, _, fs, _) => fs.iter().try_for_each(|(_, v)| self.check_gexpr(v)),
            Expr::RecordField(_, b, _, _, _) => self.check_gexpr(b),
            Expr::Bin(_, elems) => elems.iter().try_for_each(|el| {
                self.check_gexpr(&el.value)?;
                el.size.as_ref().map_or(Ok(()), |s| self.check_gexpr(s))
            }),
            Expr::Unary(pos, op, a) => {
                self.check_gexpr(a)?;
                match *op {
                    "-" | "+" | "bnot" | "not" => Ok(()),
                    _ => illegal(*pos),
                }
            }
            Expr::Op(pos, op, a, b) => {
                self.check_gexpr(a)?;
                self.check_gexpr(b)?;
                if is_gexpr_op(op, 2) || matches!(*op, "andalso" | "orelse") {
                    Ok(())
                } else {
                    illegal(*pos)
                }
            }
            Expr::Call(_, f, args) => {
                for x in args {
                    self.check_gexpr(x)?;
                }
                let n = args.len();
                match &**f {
                    Expr::Lit(_, Term::Atom(a)) => {
                        let name = a.name();
                        if name == "is_record" && n == 2 && lit_atom(&args[1]).is_some() {
                            return Ok(());
                        }
                        if is_guard_bif(name, n) && !self.is_local_or_imported(name, n) {
                            Ok(())
                        } else if self.is_local_or_imported(name, n) {
                            Err(CompileError::new(
                                *pos,
                                format!("call to local/imported function {name}/{n} is illegal in guard"),
                            ))
                        } else {
                            illegal(*pos)
                        }
                    }
                    Expr::Remote(_, m, fx) => match (lit_atom(m), lit_atom(fx)) {
                        (Some(m), Some(fx))
                            if m == "erlang" && (is_guard_bif(&fx, n) || is_gexpr_op(&fx, n)) =>
                        {
                            Ok(())
                        }
                        _ => illegal(*pos),
                    },
                    _ => illegal(*pos),
                }
            }
            other => illegal(first_pos(other)),
        }
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
            if let Some((construct, at)) = cx.unsafe_vars.get(name) {
                return Err(CompileError::new(
                    pos,
                    format!(
                        "variable '{name}' unsafe in '{construct}' (line {}, column {})",
                        at.line, at.col
                    ),
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

    /// Starts a pattern in the current scope. `fresh` makes every variable new (fun heads,
    /// generators).
    fn pat_ctx(&mut self, fresh: bool) -> PatCtx {
        let cx = self.cx();
        PatCtx {
            fresh,
            head: false,
            seen: HashSet::new(),
            outer_bound: cx.bound.clone(),
            outer_slots: cx.slots.clone(),
        }
    }

    /// Compiles a pattern in a fresh `PatCtx` (a match, a case clause).
    fn pattern_here(&mut self, p: &Expr) -> R<Pat> {
        let mut pc = self.pat_ctx(false);
        self.pattern(p, &mut pc)
    }

    /// Compiles an expression inside a pattern (a binary size, a map key) against the scope
    /// before the pattern plus `extra` (the earlier segments' variables of a binary).
    fn pattern_scope_expr(&mut self, e: &Expr, pc: &PatCtx, extra: &HashMap<String, u32>) -> R<E> {
        let cx = self.cx();
        let saved_bound = std::mem::replace(&mut cx.bound, pc.outer_bound.clone());
        let saved_slots = std::mem::replace(&mut cx.slots, pc.outer_slots.clone());
        let n_caps = cx.captures.len();
        for (n, s) in extra {
            cx.bound.insert(n.clone());
            cx.slots.insert(n.clone(), *s);
        }
        let r = self.expr(e, false);
        let cx = self.cx();
        cx.bound = saved_bound;
        cx.slots = saved_slots;
        let new_caps: Vec<(String, u32)> = cx.captures[n_caps..].to_vec();
        for (n, s) in new_caps {
            if cx.bound.insert(n.clone()) {
                cx.slots.insert(n, s);
            }
        }
        r
    }

    fn pattern(&mut self, p: &Expr, pc: &mut PatCtx) -> R<Pat> {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.pattern_inner(p, pc))
    }

    fn pattern_inner(&mut self, p: &Expr, pc: &mut PatCtx) -> R<Pat> {
        let fresh = pc.fresh;
        Ok(match p {
            Expr::Var(_, v) if v.starts_with('_') && v == "_" => Pat::Any,
            Expr::Var(vpos, v) => {
                if !fresh {
                    self.check_safe(*vpos, v)?;
                }
                if pc.seen.contains(v) {
                    let s = self.cx().slots[v];
                    return Ok(Pat::Check(s));
                }
                if !fresh {
                    let depth = self.ctx.len();
                    if let Some(s) = self.resolve_at(depth - 1, v) {
                        return Ok(Pat::Check(s));
                    }
                    let cx = self.cx();
                    if cx.hidden.remove(v) {
                        // Bound by an earlier sibling: OTP compares with that value.
                        cx.bound.insert(v.clone());
                        pc.seen.insert(v.clone());
                        return Ok(Pat::Check(cx.slots[v]));
                    }
                }
                if !fresh && self.cx().in_record_def {
                    return Err(CompileError::new(
                        *vpos,
                        format!("variable '{v}' in record definition"),
                    ));
                }
                pc.seen.insert(v.clone());
                let cx = self.cx();
                if fresh {
                    // A shadowing variable is a new one, whatever the old one's state.
                    cx.unsafe_vars.remove(v);
                }
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
                    v.push(self.pattern(e, pc)?);
                }
                Pat::Tuple(v)
            }
            Expr::Cons(_, h, t) => {
                let h = self.pattern(h, pc)?;
                let t = self.pattern(t, pc)?;
                Pat::Cons(Box::new(h), Box::new(t))
            }
            Expr::Match(_, a, b) => {
                let a = self.pattern(a, pc)?;
                let b = self.pattern(b, pc)?;
                Pat::Alias(Box::new(a), Box::new(b))
            }
            Expr::Op(pos, "++", l, r) => {
                // "abc" ++ Rest in a pattern.
                let Expr::Lit(_, lt) = &**l else {
                    return Err(CompileError::new(*pos, "illegal pattern"));
                };
                let items = lt
                    .list_to_vec()
                    .ok_or_else(|| CompileError::new(*pos, "illegal pattern"))?;
                let mut tail = self.pattern(r, pc)?;
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
                // Variables bound by earlier segments, which later sizes may read.
                let mut seg_vars = HashMap::new();
                let elems = expand_strings(elems);
                let last = elems.len().saturating_sub(1);
                for (i, el) in elems.into_iter().enumerate() {
                    if let Expr::Bin(p, _) = &el.value {
                        return Err(CompileError::new(*p, "illegal pattern"));
                    }
                    let size = match &el.size {
                        Some(sz) => Some(self.pattern_scope_expr(sz, pc, &seg_vars)?),
                        None => None,
                    };
                    let (ty, unit, signed, little, size) = self.seg_spec(&el, size)?;
                    if i != last && size.is_none() && matches!(ty, SegType::Binary | SegType::Bits)
                    {
                        return Err(CompileError::new(
                            el.pos,
                            "a binary field without size is only allowed at the end of a binary pattern",
                        ));
                    }
                    let value = self.pattern(&el.value, pc)?;
                    if let Expr::Var(_, v) = &el.value {
                        if let Some(&s) = self.cx().slots.get(v).filter(|_| v != "_") {
                            seg_vars.insert(v.clone(), s);
                        }
                    }
                    segs.push(BinSeg {
                        value,
                        size,
                        ty,
                        unit,
                        signed,
                        little,
                    });
                }
                Pat::Bin(segs)
            }
            Expr::Map(_, None, fields, ops) => {
                let mut v = Vec::new();
                for ((k, exact, val), op) in fields.iter().zip(ops) {
                    if !exact {
                        // erl_lint points at the `=>`.
                        return Err(CompileError::new(*op, "illegal pattern"));
                    }
                    let ke = self.pattern_scope_expr(k, pc, &HashMap::new())?;
                    let vp = self.pattern(val, pc)?;
                    v.push((ke, vp));
                }
                Pat::Map(v)
            }
            Expr::Record(pos, None, name, fields, at) => {
                let defs = self.record_def(*pos, name)?;
                check_record_fields(name, fields, at)?;
                let mut v = Vec::new();
                v.push(Pat::Lit(Term::atom(name)));
                let wild = fields
                    .iter()
                    .find(|(f, _)| f == "_")
                    .map(|(_, e)| e.clone());
                for (fname, _) in &defs {
                    match fields.iter().find(|(f, _)| f == fname) {
                        Some((_, e)) => v.push(self.pattern(e, pc)?),
                        None => match &wild {
                            Some(w) => v.push(self.pattern(w, pc)?),
                            None => v.push(Pat::Any),
                        },
                    }
                }
                for ((f, _), p) in fields.iter().zip(at) {
                    if f != "_" && !defs.iter().any(|(d, _)| d == f) {
                        return Err(CompileError::new(
                            *p,
                            format!("field {f} undefined in record {name}"),
                        ));
                    }
                }
                Pat::Tuple(v)
            }
            Expr::RecordIndex(pos, name, field) => {
                Pat::Lit(Term::Int(self.record_index(*pos, name, field)? as i64))
            }
            other => {
                // erl_parse reads a function or fun head with its pattern grammar, so what
                // cannot start or continue a pattern there is a syntax error; elsewhere a
                // pattern is parsed as an expression and erl_lint calls it illegal.
                let token = match other {
                    Expr::Call(..) => Some("'('"),
                    Expr::Fun(..) | Expr::FunRef(..) => Some("'fun'"),
                    Expr::Case(..) => Some("'case'"),
                    Expr::If(..) => Some("'if'"),
                    Expr::Receive(..) => Some("'receive'"),
                    Expr::Try(..) => Some("'try'"),
                    Expr::Block(..) => Some("'begin'"),
                    Expr::RecordField(..)
                    | Expr::Record(_, Some(_), _, _, _)
                    | Expr::Map(_, Some(_), _, _) => Some("'#'"),
                    _ => None,
                };
                return Err(match token {
                    Some(t) if pc.head => {
                        CompileError::new(other.pos(), format!("syntax error before: {t}"))
                    }
                    _ => CompileError::new(first_pos(other), "illegal pattern"),
                });
            }
        })
    }

    fn const_eval(&self, e: &Expr) -> Option<Term> {
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.const_eval_inner(e))
    }

    fn const_eval_inner(&self, e: &Expr) -> Option<Term> {
        match e {
            Expr::Lit(_, t) => Some(t.clone()),
            Expr::Unary(_, "-", x) => match self.const_eval(x)? {
                Term::Int(i) => i.checked_neg().map(Term::Int),
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

    /// A segment's type, unit, signedness, endianness and size (`size`: the compiled size
    /// expression, if the segment has one).
    fn seg_spec(
        &mut self,
        el: &BinElem,
        size: Option<E>,
    ) -> R<(SegType, u32, bool, bool, Option<E>)> {
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
                    const KNOWN: &[&str] = &[
                        "integer",
                        "float",
                        "binary",
                        "bytes",
                        "bitstring",
                        "bits",
                        "utf8",
                        "utf16",
                        "utf32",
                        "signed",
                        "unsigned",
                        "big",
                        "little",
                        "native",
                        "unit",
                    ];
                    let msg = if KNOWN.contains(&t.as_str()) {
                        format!("bit type {t} is not supported")
                    } else {
                        format!("bit type {t} undefined")
                    };
                    return Err(CompileError::new(el.pos, msg));
                }
            }
        }
        if matches!(ty, SegType::Utf8 | SegType::Utf16 | SegType::Utf32)
            && (el.size.is_some() || unit.is_some())
        {
            return Err(CompileError::new(
                el.pos,
                "neither size nor unit must be given for segments of type utf8/utf16/utf32",
            ));
        }
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

    /// A record field's default value, compiled where it is used but seeing no variables
    /// (erl_lint rejects a variable in a record definition).
    fn record_default(&mut self, d: &Expr) -> R<E> {
        let pc = PatCtx {
            fresh: false,
            head: false,
            seen: HashSet::new(),
            outer_bound: HashSet::new(),
            outer_slots: HashMap::new(),
        };
        // A context of its own hides the function's variables (and any enclosing fun's);
        // it allocates from the function's slot counter, which it hands back.
        let mut own = FnCtx::new();
        own.n_slots = self.ctx.last().map_or(0, |c| c.n_slots);
        own.in_record_def = true;
        let saved = std::mem::replace(&mut self.ctx, vec![own]);
        let r = self.pattern_scope_expr(d, &pc, &HashMap::new());
        let own = std::mem::replace(&mut self.ctx, saved);
        if let Some(c) = self.ctx.last_mut() {
            c.n_slots = own[0].n_slots;
        }
        r
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
        if self.no_auto_import.contains(&(name.to_string(), arity)) {
            return None;
        }
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
                let elems = expand_strings(elems);
                // Every segment's value and size is a sibling of every other.
                let parts = elems
                    .iter()
                    .flat_map(|el| el.size.iter().chain(std::iter::once(&el.value)));
                let mut parts = self.siblings(parts)?.into_iter();
                let mut segs = Vec::new();
                for el in &elems {
                    let size = el
                        .size
                        .as_ref()
                        .map(|_| parts.next().expect("one compiled size per size"));
                    let value = parts.next().expect("one compiled value per segment");
                    let (ty, unit, signed, little, size) = self.seg_spec(el, size)?;
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
                    // The right side may not run: what it binds is unsafe after.
                    let before = self.cx().scope();
                    let cb = Box::new(self.expr(b, tail)?);
                    self.cx().unsafe_since(&before, (*op, *pos));
                    return Ok(match *op {
                        "andalso" => E::AndAlso(Box::new(ca), cb),
                        _ => E::OrElse(Box::new(ca), cb),
                    });
                }
                let mut both = self.siblings([&**a, &**b])?;
                let cb = both.pop().expect("two operands");
                let ca = both.pop().expect("two operands");
                let o = Op2::of_operator(op).ok_or_else(|| {
                    CompileError::new(*pos, format!("operator {op} is not supported"))
                })?;
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
                let cp = self.pattern_here(p)?;
                E::Match(Box::new(cp), Box::new(cv))
            }
            Expr::Call(pos, f, args) => self.call(*pos, f, args, tail)?,
            Expr::Remote(_, m, _) => {
                return Err(CompileError::new(first_pos(m), "illegal expression"))
            }
            Expr::Case(pos, scrut, clauses) => {
                let s = self.expr(scrut, false)?;
                let (cl, _) = self.branches(clauses, tail, None, ("case", *pos))?;
                E::Case(Box::new(s), cl)
            }
            Expr::If(pos, clauses) => E::If(self.branches(clauses, tail, None, ("if", *pos))?.0),
            Expr::Receive(pos, clauses, after) => {
                let before = self.cx().scope();
                let te = match after {
                    Some((t, _)) => Some(self.expr(t, false)?),
                    None => None,
                };
                // What the timeout expression binds (or leaves unsafe) is out of sight in the
                // clauses and the after body (erl_lint checks them against the scope before
                // the receive), and in scope (or unsafe) after the receive.
                let t_new = self.cx().new_since(&before);
                let cx = self.cx();
                let t_unsafe: Vec<(String, Unsafe)> = cx
                    .unsafe_vars
                    .iter()
                    .filter(|(k, _)| !before.unsafe_vars.contains_key(*k))
                    .map(|(k, u)| (k.clone(), *u))
                    .collect();
                for (k, _) in &t_unsafe {
                    cx.unsafe_vars.remove(k);
                }
                for v in &t_new {
                    cx.bound.remove(v);
                    cx.hidden.insert(v.clone());
                }
                let (cl, af) = self.branches(
                    clauses,
                    tail,
                    after.as_ref().map(|(_, b)| b.as_slice()),
                    ("receive", *pos),
                )?;
                let cx = self.cx();
                for v in t_new {
                    if cx.hidden.remove(&v) {
                        cx.bound.insert(v);
                    }
                }
                for (k, u) in t_unsafe {
                    cx.unsafe_vars.entry(k).or_insert(u);
                }
                let af = match (te, af) {
                    (Some(te), Some(b)) => Some((Box::new(te), b)),
                    _ => None,
                };
                E::Receive(cl, af)
            }
            Expr::Try(pos, body, of, catches, after) => {
                // Every variable new in a try (bound, or unsafe for another reason) is unsafe
                // in 'try' for the catch clauses (the body's), the after body (all so far)
                // and after the try: erl_lint's `vtunsafe`.
                let at = ("try", *pos);
                let before = self.cx().scope();
                let b = self.body(body, false)?;
                let mut new = self.cx().new_or_unsafe_since(&before);
                let ofc = self.branches(of, false, None, at)?.0;
                let after_of = self.cx().new_or_unsafe_since(&before);
                let unsafe_in = |vs: &HashSet<String>| {
                    let mut s = before.clone();
                    for v in vs {
                        s.unsafe_vars.insert(v.clone(), at);
                    }
                    s
                };
                self.cx().set_scope(unsafe_in(&new));
                for c in catches {
                    self.check_stacktrace_var(c)?;
                }
                let cc = self.branches(catches, false, None, at)?.0;
                new.extend(after_of);
                new.extend(self.cx().new_or_unsafe_since(&before));
                self.cx().set_scope(unsafe_in(&new));
                let af = self.body(after, false)?;
                new.extend(self.cx().new_or_unsafe_since(&before));
                self.cx().set_scope(unsafe_in(&new));
                E::Try(b, ofc, cc, af)
            }
            Expr::Catch(pos, x) => {
                // Nothing bound inside a catch is safe to use after it.
                let before = self.cx().scope();
                let e = self.expr(x, false)?;
                self.cx().unsafe_since(&before, ("catch", *pos));
                E::Catch(Box::new(e))
            }
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
                    let mut es = self.siblings([&**m, &**f, &**a])?.into_iter();
                    let (Some(cm), Some(cf), Some(ca)) = (es.next(), es.next(), es.next()) else {
                        unreachable!("three siblings compiled")
                    };
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
            Expr::Map(_, None, fields, ops) => {
                for ((_, exact, _), op) in fields.iter().zip(ops) {
                    if *exact {
                        return Err(CompileError::new(
                            *op,
                            "only association operators '=>' are allowed in map construction",
                        ));
                    }
                }
                let mut es = self
                    .siblings(fields.iter().flat_map(|(k, _, val)| [k, val]))?
                    .into_iter();
                let mut v = Vec::new();
                while let (Some(k), Some(val)) = (es.next(), es.next()) {
                    v.push((k, val));
                }
                E::MapNew(v)
            }
            Expr::Map(pos, Some(base), fields, _) => {
                let parts =
                    std::iter::once(&**base).chain(fields.iter().flat_map(|(k, _, val)| [k, val]));
                let mut es = self.siblings(parts)?.into_iter();
                let b = es.next().expect("the map is the first sibling");
                let mut v: Vec<(E, bool, E)> = Vec::new();
                for (_, exact, _) in fields {
                    let (Some(k), Some(val)) = (es.next(), es.next()) else {
                        unreachable!("two compiled expressions per field")
                    };
                    v.push((k, *exact, val));
                }
                E::At(*pos, Box::new(E::MapUpdate(Box::new(b), v)))
            }
            Expr::Record(pos, None, name, fields, at) => {
                let defs = self.record_def(*pos, name)?;
                check_record_fields(name, fields, at)?;
                for ((f, _), p) in fields.iter().zip(at) {
                    if f != "_" && !defs.iter().any(|(d, _)| d == f) {
                        return Err(CompileError::new(
                            *p,
                            format!("field {f} undefined in record {name}"),
                        ));
                    }
                }
                let wild = fields
                    .iter()
                    .find(|(f, _)| f == "_")
                    .map(|(_, e)| e.clone());
                let mut v = vec![E::Lit(Term::atom(name))];
                // The given fields (and the `_` value, once per field it fills) are siblings;
                // a default initialiser sees no variables at all.
                self.sibling_group(&defs, |c, (fname, def)| {
                    v.push(match fields.iter().find(|(f, _)| f == fname) {
                        Some((_, e)) => c.expr(e, false)?,
                        None => match (&wild, def) {
                            (Some(w), _) => c.expr(w, false)?,
                            (None, Some(d)) => c.record_default(d)?,
                            (None, None) => E::Lit(Term::atom("undefined")),
                        },
                    });
                    Ok(())
                })?;
                E::Tuple(v)
            }
            Expr::Record(pos, Some(base), name, fields, at) => {
                let defs = self.record_def(*pos, name)?;
                let mut idx = Vec::new();
                for ((f, _), p) in fields.iter().zip(at) {
                    if f == "_" {
                        return Err(CompileError::new(
                            *p,
                            format!("meaningless use of _ in update of record {name}"),
                        ));
                    }
                    idx.push(self.record_index(*p, name, f)? - 1);
                }
                check_record_fields(name, fields, at)?;
                let parts = std::iter::once(&**base).chain(fields.iter().map(|(_, val)| val));
                let mut es = self.siblings(parts)?.into_iter();
                let b = es.next().expect("the record is the first sibling");
                let ups: Vec<(usize, E)> = idx.into_iter().zip(es).collect();
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
            Expr::RecordField(pos, base, name, field, fpos) => {
                let defs = self.record_def(*pos, name)?;
                let idx = self.record_index(*fpos, name, field)?;
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

    /// A catch clause's stack trace variable (`Class:Reason:Stack`) must be new, and a guard
    /// may not read it (erl_lint's `taint_stack_var`).
    fn check_stacktrace_var(&mut self, c: &Clause) -> R<()> {
        let Some(Expr::Var(p, v)) = c.pats.get(2) else {
            return Ok(());
        };
        if v == "_" {
            return Ok(());
        }
        let in_scope = self.ctx.iter().any(|cx| cx.bound.contains(v));
        let in_pattern = c.pats[..2].iter().any(|x| var_pos(x, v).is_some());
        if in_scope || in_pattern {
            return Err(CompileError::new(
                *p,
                format!("stacktrace variable '{v}' must not be previously bound"),
            ));
        }
        if let Some(g) = c.guards.iter().flatten().find_map(|g| var_pos(g, v)) {
            return Err(CompileError::new(
                g,
                format!("stacktrace variable '{v}' must not be used in a guard"),
            ));
        }
        Ok(())
    }

    /// Compiles alternative branches (clauses, plus an `after` body for receive). Afterwards
    /// the variables bound in every branch are in scope; those bound in only some are unsafe.
    fn branches(
        &mut self,
        clauses: &[Clause],
        tail: bool,
        extra: Option<&[Expr]>,
        construct: Unsafe,
    ) -> R<(Vec<CClause>, Option<Vec<E>>)> {
        let before = self.cx().scope();
        // Per branch, what it left in scope and what it made unsafe (new variables only).
        let mut ends: Vec<(HashSet<String>, HashMap<String, Unsafe>)> = Vec::new();
        let mut end = |c: &mut Self| {
            let cx = c.cx();
            let unsafe_new: HashMap<String, Unsafe> = cx
                .unsafe_vars
                .iter()
                .filter(|(k, _)| !before.unsafe_vars.contains_key(*k))
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            ends.push((cx.bound.clone(), unsafe_new));
        };
        let mut out = Vec::new();
        for c in clauses {
            self.cx().set_scope(before.clone());
            let mut pc = self.pat_ctx(false);
            let mut pats = Vec::new();
            for p in &c.pats {
                pats.push(self.pattern(p, &mut pc)?);
            }
            let guard = self.guard(&c.guards)?;
            let body = self.body(&c.body, tail)?;
            end(self);
            out.push(CClause { pats, guard, body });
        }
        let mut extra_code = None;
        if let Some(es) = extra {
            self.cx().set_scope(before.clone());
            extra_code = Some(self.body(es, tail)?);
            end(self);
        }
        // erl_lint's icrt_export: a new variable every branch binds is in scope after, unless
        // a branch left it unsafe (then it keeps that branch's reason, or this construct's
        // when two did); a variable only some branches bind is unsafe in this construct.
        let mut s = before.clone();
        let cx = self.cx();
        let captured = |v: &String| cx.captures.iter().any(|(n, _)| n == v);
        let mut names: Vec<&String> = ends
            .iter()
            .flat_map(|(b, u)| b.iter().chain(u.keys()))
            .filter(|v| {
                !before.bound.contains(*v) && !before.unsafe_vars.contains_key(*v) && !captured(v)
            })
            .collect();
        names.sort();
        names.dedup();
        for v in names {
            let has = ends
                .iter()
                .filter(|(b, u)| b.contains(v) || u.contains_key(v))
                .count();
            let unsafe_in: Vec<Unsafe> =
                ends.iter().filter_map(|(_, u)| u.get(v).copied()).collect();
            match (has == ends.len(), unsafe_in.as_slice()) {
                (true, []) => {
                    s.hidden.remove(v);
                    s.bound.insert(v.clone());
                }
                (true, [one]) => {
                    s.unsafe_vars.insert(v.clone(), *one);
                }
                _ => {
                    s.unsafe_vars.insert(v.clone(), construct);
                }
            }
        }
        // Captured in some branch: in scope everywhere (set_scope restores captures).
        cx.set_scope(s);
        Ok((out, extra_code))
    }

    /// Compiles a comprehension. Nothing bound inside it is in scope after it; generator
    /// patterns shadow; what a generator's expression binds is forgotten at once (erl_lint),
    /// what a filter binds is in scope for later qualifiers and the body.
    fn comprehension(&mut self, body: &Expr, quals: &[Qual]) -> R<(Vec<CQual>, E)> {
        let saved = self.cx().scope();
        let saved_slots = self.cx().slots.clone();
        // A variable hidden here (bound by an earlier sibling) is out of scope inside, so
        // binding it there makes a new, local variable, as in OTP: it gets a new slot.
        let cx = self.cx();
        for v in std::mem::take(&mut cx.hidden) {
            cx.slots.remove(&v);
        }
        let mut q = Vec::new();
        for qual in quals {
            match qual {
                Qual::Gen(p, g) | Qual::BinGen(p, g) => {
                    let before = self.cx().scope();
                    let ge = self.expr(g, false)?;
                    self.cx().set_scope(before);
                    let mut pc = self.pat_ctx(true);
                    let pe = self.pattern(p, &mut pc)?;
                    q.push(match qual {
                        Qual::Gen(..) => CQual::Gen(pe, ge),
                        _ => CQual::BinGen(pe, ge),
                    });
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
        let cx = self.cx();
        cx.slots = saved_slots;
        cx.set_scope(saved);
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
            cl.push(self.fun_clause(c)?);
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
            jit: Default::default(),
        };
        // The interpreter copies env values into the slots listed here, in order.
        self.funs[idx] = Some(fd);
        Ok(E::MakeFun(idx, outer_slots))
    }

    fn call(&mut self, pos: Pos, f: &Expr, args: &[Expr], tail: bool) -> R<E> {
        let n = args.len();
        // A computed callee (module, function or fun) is a sibling of the arguments.
        let callee: Vec<&Expr> = match f {
            Expr::Remote(_, m, fx) if lit_atom(m).is_none() || lit_atom(fx).is_none() => {
                vec![&**m, &**fx]
            }
            Expr::Remote(..) | Expr::Lit(_, Term::Atom(_)) => vec![],
            other => vec![other],
        };
        let n_callee = callee.len();
        let mut cargs = self.siblings(callee.into_iter().chain(args))?;
        let mut computed = cargs.drain(..n_callee);
        let (c0, c1) = (computed.next(), computed.next());
        drop(computed);
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
                let (Some(cm), Some(cf)) = (c0, c1) else {
                    unreachable!("a computed remote callee has a module and a function")
                };
                Ok(E::CallDyn(Box::new(cm), Box::new(cf), cargs, tail))
            }
            Expr::Lit(_, Term::Atom(a)) => {
                let name = a.name();
                // Natives override library code, even for calls inside the library module.
                if let Some(b) = bifs::lookup(&self.module, name, n) {
                    return Ok(E::CallBif(b, Atom::intern(&self.module), *a, cargs));
                }
                if let Some(&i) = self.locals.get(&(name.to_string(), n)) {
                    if old_bif(name, n) && !self.no_auto_import.contains(&(name.to_string(), n)) {
                        return Err(CompileError::new(
                            first_pos(f),
                            format!(
                                "ambiguous call of overridden pre R14 auto-imported BIF \
                                 {name}/{n}\n - use erlang:{name}/{n} or \
                                 \"-compile({{no_auto_import,[{name}/{n}]}}).\" to resolve name clash"
                            ),
                        ));
                    }
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
                            _ => {
                                return Err(CompileError::new(args[0].pos(), "illegal record info"))
                            }
                        });
                    }
                }
                if name == "is_record" && n == 2 {
                    if let Some(rec) = lit_atom(&args[1]) {
                        if !self.records.contains_key(&rec) {
                            return Err(CompileError::new(
                                args[1].pos(),
                                format!("record {rec} undefined"),
                            ));
                        }
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
                    first_pos(f),
                    format!("function {name}/{n} undefined"),
                ))
            }
            _ => {
                let cf = c0.expect("a computed callee");
                Ok(E::Apply(Box::new(cf), cargs, tail))
            }
        }
    }
}

/// `name(_,_)`: how erl_lint writes a type of some arity.
fn type_text(name: &str, arity: usize) -> String {
    format!("{name}({})", vec!["_"; arity].join(","))
}

/// OTP 25's built-in types (`erl_internal:is_type/2`, and `nonempty_binary/0`,
/// `nonempty_bitstring/0`).
fn builtin_type(name: &str, arity: usize) -> bool {
    match arity {
        0 => matches!(
            name,
            "any"
                | "arity"
                | "atom"
                | "binary"
                | "bitstring"
                | "bool"
                | "boolean"
                | "byte"
                | "char"
                | "float"
                | "function"
                | "identifier"
                | "integer"
                | "iodata"
                | "iolist"
                | "list"
                | "map"
                | "maybe_improper_list"
                | "mfa"
                | "module"
                | "neg_integer"
                | "nil"
                | "no_return"
                | "node"
                | "non_neg_integer"
                | "none"
                | "nonempty_binary"
                | "nonempty_bitstring"
                | "nonempty_list"
                | "nonempty_maybe_improper_list"
                | "nonempty_string"
                | "number"
                | "pid"
                | "port"
                | "pos_integer"
                | "reference"
                | "string"
                | "term"
                | "timeout"
                | "tuple"
        ),
        1 => matches!(name, "list" | "nonempty_list"),
        2 => matches!(
            name,
            "maybe_improper_list" | "nonempty_improper_list" | "nonempty_maybe_improper_list"
        ),
        _ => false,
    }
}

/// `erl_internal:old_bif/2` of OTP 25: BIFs auto-imported before R14. A call of one of these
/// names from a module that defines a function of the same name and arity is ambiguous unless
/// `no_auto_import` settles it (later auto-imports only warn, and the local function wins).
fn old_bif(name: &str, arity: usize) -> bool {
    const OLD: &[(&str, usize)] = &[
        ("abs", 1),
        ("apply", 2),
        ("apply", 3),
        ("atom_to_binary", 2),
        ("atom_to_list", 1),
        ("binary_to_atom", 2),
        ("binary_to_existing_atom", 2),
        ("binary_to_list", 1),
        ("binary_to_list", 3),
        ("binary_to_term", 1),
        ("bit_size", 1),
        ("bitstring_to_list", 1),
        ("byte_size", 1),
        ("check_process_code", 2),
        ("date", 0),
        ("delete_module", 1),
        ("disconnect_node", 1),
        ("element", 2),
        ("erase", 0),
        ("erase", 1),
        ("exit", 1),
        ("exit", 2),
        ("float", 1),
        ("float_to_list", 1),
        ("garbage_collect", 0),
        ("garbage_collect", 1),
        ("get", 0),
        ("get", 1),
        ("get_keys", 1),
        ("group_leader", 0),
        ("group_leader", 2),
        ("halt", 0),
        ("halt", 1),
        ("hd", 1),
        ("integer_to_list", 1),
        ("iolist_size", 1),
        ("iolist_to_binary", 1),
        ("is_alive", 0),
        ("is_atom", 1),
        ("is_binary", 1),
        ("is_bitstring", 1),
        ("is_boolean", 1),
        ("is_float", 1),
        ("is_function", 1),
        ("is_function", 2),
        ("is_integer", 1),
        ("is_list", 1),
        ("is_number", 1),
        ("is_pid", 1),
        ("is_port", 1),
        ("is_process_alive", 1),
        ("is_record", 2),
        ("is_record", 3),
        ("is_reference", 1),
        ("is_tuple", 1),
        ("length", 1),
        ("link", 1),
        ("list_to_atom", 1),
        ("list_to_binary", 1),
        ("list_to_bitstring", 1),
        ("list_to_existing_atom", 1),
        ("list_to_float", 1),
        ("list_to_integer", 1),
        ("list_to_pid", 1),
        ("list_to_tuple", 1),
        ("load_module", 2),
        ("make_ref", 0),
        ("module_loaded", 1),
        ("monitor_node", 2),
        ("node", 0),
        ("node", 1),
        ("nodes", 0),
        ("nodes", 1),
        ("now", 0),
        ("open_port", 2),
        ("pid_to_list", 1),
        ("port_close", 1),
        ("port_command", 2),
        ("port_connect", 2),
        ("port_control", 3),
        ("pre_loaded", 0),
        ("process_flag", 2),
        ("process_flag", 3),
        ("process_info", 1),
        ("process_info", 2),
        ("processes", 0),
        ("purge_module", 1),
        ("put", 2),
        ("register", 2),
        ("registered", 0),
        ("round", 1),
        ("self", 0),
        ("setelement", 3),
        ("size", 1),
        ("spawn", 1),
        ("spawn", 2),
        ("spawn", 3),
        ("spawn", 4),
        ("spawn_link", 1),
        ("spawn_link", 2),
        ("spawn_link", 3),
        ("spawn_link", 4),
        ("spawn_monitor", 1),
        ("spawn_monitor", 3),
        ("spawn_opt", 2),
        ("spawn_opt", 3),
        ("spawn_opt", 4),
        ("spawn_opt", 5),
        ("split_binary", 2),
        ("statistics", 1),
        ("term_to_binary", 1),
        ("term_to_binary", 2),
        ("throw", 1),
        ("time", 0),
        ("tl", 1),
        ("trunc", 1),
        ("tuple_size", 1),
        ("tuple_to_list", 1),
        ("unlink", 1),
        ("unregister", 1),
        ("whereis", 1),
    ];
    OLD.iter().any(|&(n, a)| n == name && a == arity)
}
