//! Reusing matched terms instead of building them again, as OTP's compiler does.
//!
//! `pat2(I, [X, Y | T]) -> pat2(I - 1, [X, Y | T])` need not build two cells: the list it
//! builds is the argument it matched, cell for cell. Before lowering, a function clause is
//! rewritten so that a tuple or list construction whose parts are exactly the parts of a
//! term matched earlier (a clause head, a `case` clause's pattern, or a `P = E` earlier in
//! the same body) reads the register holding that term instead. A list construction reuses
//! the longest suffix it can (`[0, X, Y, 3 | T]` after matching `[_, X, Y, 3 | T]` builds one
//! cell in front of the matched tail). The sub-term gets a register by wrapping its pattern
//! in an alias (`Pat::Alias(Bind(slot), P)`), which the pattern lowering reads straight into
//! that register; a whole function argument is its own argument register already.
//!
//! Values are unchanged: a part matches only if it is the variable the pattern bound there or
//! a literal the pattern pinned to the same atom, small integer or `[]` (never a float, where
//! `0.0` matches `-0.0`, and never a variable the pattern only compared, for the same reason).
//! Afterwards a head variable no longer read anywhere is not bound at all (`[0 | T]` reused
//! whole leaves `T` unread), so matching does not extract it.

use crate::code::{CClause, CQual, Pat, E};
use crate::term::Term;

/// The shape of a matched term, as far as a construction can be proven equal to it.
enum Tmpl {
    /// The variable bound at this place.
    Var(u32),
    /// An atom, a small integer or `[]` pinned by the pattern.
    Lit(Term),
    Cons(Box<Tmpl>, Box<Tmpl>),
    Tuple(Vec<Tmpl>),
    /// `A = B` inside a pattern: the term is both.
    Both(Box<Tmpl>, Box<Tmpl>),
    /// Anything else (`_`, a compared variable, a float, binaries, maps).
    Opaque,
}

/// How deep below a pattern's top terms are held and compared: patterns nest as deep as the
/// source does (a long string pattern), and this pass need not follow them all the way.
const MAX_DEPTH: usize = 32;

fn tmpl(p: &Pat, depth: usize) -> Tmpl {
    if depth > MAX_DEPTH {
        return Tmpl::Opaque;
    }
    let d = depth + 1;
    match p {
        Pat::Bind(s) => Tmpl::Var(*s),
        Pat::Nil => Tmpl::Lit(Term::Nil),
        Pat::Lit(t @ (Term::Int(_) | Term::Atom(_) | Term::Nil)) => Tmpl::Lit(t.clone()),
        Pat::Cons(h, t) => Tmpl::Cons(Box::new(tmpl(h, d)), Box::new(tmpl(t, d))),
        Pat::Tuple(ps) => Tmpl::Tuple(ps.iter().map(|q| tmpl(q, d)).collect()),
        Pat::Alias(a, b) => Tmpl::Both(Box::new(tmpl(a, d)), Box::new(tmpl(b, d))),
        _ => Tmpl::Opaque,
    }
}

/// A step from a pattern to one of its sub-patterns.
#[derive(Clone, Copy)]
enum Step {
    Hd,
    Tl,
    Elem(usize),
    AliasL,
    AliasR,
}

/// A matched compound term a later construction may reuse.
struct Held {
    tmpl: Tmpl,
    /// Which pattern of the clause (or of the body match) and where below it.
    owner: usize,
    path: Vec<Step>,
    /// The register holding it: known for a whole function argument, else given on first use.
    reg: Option<u32>,
    /// Whether a construction was rewritten to read it.
    used: bool,
}

/// Every tuple and cons sub-pattern of `p` (outermost first), down to `MAX_DEPTH`.
fn collect(p: &Pat, owner: usize, path: &mut Vec<Step>, out: &mut Vec<Held>) {
    if path.len() > MAX_DEPTH {
        return;
    }
    if matches!(p, Pat::Cons(..)) || matches!(p, Pat::Tuple(ps) if !ps.is_empty()) {
        out.push(Held {
            tmpl: tmpl(p, 0),
            owner,
            path: path.clone(),
            reg: None,
            used: false,
        });
    }
    let mut down = |step: Step, q: &Pat| {
        path.push(step);
        collect(q, owner, path, out);
        path.pop();
    };
    match p {
        Pat::Cons(h, t) => {
            down(Step::Hd, h);
            down(Step::Tl, t);
        }
        Pat::Tuple(ps) => {
            for (i, q) in ps.iter().enumerate() {
                down(Step::Elem(i), q);
            }
        }
        Pat::Alias(x, y) => {
            down(Step::AliasL, x);
            down(Step::AliasR, y);
        }
        _ => {}
    }
}

/// Whether evaluating `e` gives a term equal to (and interchangeable with) what `t` matched.
fn same(e: &E, t: &Tmpl) -> bool {
    match (e, t) {
        (E::At(_, x), _) => same(x, t),
        (_, Tmpl::Both(a, b)) => same(e, a) || same(e, b),
        (E::Var(s), Tmpl::Var(v)) => s == v,
        (E::Lit(a), Tmpl::Lit(b)) => match (a, b) {
            (Term::Int(x), Term::Int(y)) => x == y,
            (Term::Atom(x), Term::Atom(y)) => x == y,
            (Term::Nil, Term::Nil) => true,
            _ => false,
        },
        (E::Tuple(es), Tmpl::Tuple(ts)) => {
            es.len() == ts.len() && es.iter().zip(ts).all(|(e, t)| same(e, t))
        }
        (E::Cons(hs, tl), _) => same_cells(hs, tl, t),
        _ => false,
    }
}

/// Whether the list `[hs... | tl]` equals what `t` matched.
fn same_cells(hs: &[E], tl: &E, t: &Tmpl) -> bool {
    let Some((h, rest)) = hs.split_first() else {
        return same(tl, t);
    };
    match t {
        Tmpl::Both(a, b) => same_cells(hs, tl, a) || same_cells(hs, tl, b),
        Tmpl::Cons(th, tt) => same(h, th) && same_cells(rest, tl, tt),
        _ => false,
    }
}

/// The sub-pattern of `p` at `path`.
fn at_path<'p>(p: &'p mut Pat, path: &[Step]) -> &'p mut Pat {
    let mut q = p;
    for s in path {
        q = match (q, s) {
            (Pat::Cons(h, _), Step::Hd) => h,
            (Pat::Cons(_, t), Step::Tl) => t,
            (Pat::Tuple(ps), Step::Elem(i)) => &mut ps[*i],
            (Pat::Alias(a, _), Step::AliasL) => a,
            (Pat::Alias(_, b), Step::AliasR) => b,
            _ => unreachable!("a path collected from this pattern"),
        };
    }
    q
}

/// Binds the sub-terms of `p` that were reused to their registers (deepest first, so the
/// aliases added do not move the paths still to do).
fn bind_reused(p: &mut Pat, mut held: Vec<Held>) {
    held.sort_by_key(|h| std::cmp::Reverse(h.path.len()));
    for h in held {
        let Some(r) = h.reg.filter(|_| h.used) else {
            continue;
        };
        let q = at_path(p, &h.path);
        if matches!(q, Pat::Alias(a, _) if matches!(**a, Pat::Bind(s) if s == r)) {
            continue;
        }
        let inner = std::mem::replace(q, Pat::Any);
        *q = Pat::Alias(Box::new(Pat::Bind(r)), Box::new(inner));
    }
}

/// The terms in scope during a rewrite and the slot counter for new registers.
struct Scope<'a> {
    held: Vec<Held>,
    n_slots: &'a mut usize,
}

impl Scope<'_> {
    /// The register of the innermost held term for which `matches` holds (given one on
    /// first use).
    fn find(&mut self, matches: impl Fn(&Tmpl) -> bool) -> Option<u32> {
        let n_slots = &mut *self.n_slots;
        let h = self.held.iter_mut().rev().find(|h| matches(&h.tmpl))?;
        h.used = true;
        Some(*h.reg.get_or_insert_with(|| {
            let s = *n_slots as u32;
            *n_slots += 1;
            s
        }))
    }

    /// Rewrites constructions in `e` (and everything nested) that rebuild a held term.
    fn expr(&mut self, e: &mut E) {
        stacker::maybe_grow(super::RED_ZONE, super::STACK_CHUNK, || self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &mut E) {
        match e {
            E::Tuple(es) => {
                if !es.is_empty() {
                    let whole = &*e;
                    if let Some(r) = self.find(|t| same(whole, t)) {
                        *e = E::Var(r);
                        return;
                    }
                }
                if let E::Tuple(es) = e {
                    es.iter_mut().for_each(|x| self.expr(x));
                }
            }
            E::Cons(hs, tl) => {
                // The longest suffix `[hs[j..] | tl]` that is a held list.
                for j in 0..hs.len() {
                    let (h, t) = (&hs[j..], &**tl);
                    let Some(r) = self.find(|m| same_cells(h, t, m)) else {
                        continue;
                    };
                    if j == 0 {
                        *e = E::Var(r);
                        return;
                    }
                    hs.truncate(j);
                    **tl = E::Var(r);
                    break;
                }
                hs.iter_mut().for_each(|x| self.expr(x));
                self.expr(tl);
            }
            E::Lit(_) | E::Var(_) | E::OpVarInt(..) | E::OpVarVar(..) | E::MakeFun(..) => {}
            E::Bin(segs) => {
                for sg in segs {
                    self.expr(&mut sg.value);
                    if let Some(x) = &mut sg.size {
                        self.expr(x);
                    }
                }
            }
            E::Op2(_, a, b) | E::AndAlso(a, b) | E::OrElse(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            E::Op1(_, a) | E::Catch(a) | E::At(_, a) => self.expr(a),
            // A match inside an expression: its value is rewritten; its pattern is held only
            // at the top of a body (`body`), where it dominates what follows.
            E::Match(_, v) => self.expr(v),
            E::CallLocal(_, args, _) | E::CallRemote(_, _, args, _) | E::CallBif(_, _, _, args) => {
                args.iter_mut().for_each(|x| self.expr(x))
            }
            E::CallDyn(m, f, args, _) => {
                self.expr(m);
                self.expr(f);
                args.iter_mut().for_each(|x| self.expr(x));
            }
            E::Apply(f, args, _) => {
                self.expr(f);
                args.iter_mut().for_each(|x| self.expr(x));
            }
            E::Case(v, cls) => {
                self.expr(v);
                for c in cls.iter_mut() {
                    self.case_clause(c);
                }
            }
            E::If(cls) => cls.iter_mut().for_each(|c| self.body(&mut c.body)),
            E::Receive(cls, after) => {
                cls.iter_mut().for_each(|c| self.body(&mut c.body));
                if let Some((t, body)) = after {
                    self.expr(t);
                    self.body(body);
                }
            }
            E::Try(body, of, catches, after) => {
                self.body(body);
                of.iter_mut().for_each(|c| self.body(&mut c.body));
                catches.iter_mut().for_each(|c| self.body(&mut c.body));
                self.body(after);
            }
            E::Block(es) => self.body(es),
            E::FunRef(m, f, a) => {
                self.expr(m);
                self.expr(f);
                self.expr(a);
            }
            // A generator's variables are new slots (shadowing makes a new variable), so
            // the held terms' variables keep their meaning inside a comprehension.
            E::ListComp(b, quals) | E::BinComp(b, quals) => {
                for q in quals.iter_mut() {
                    match q {
                        CQual::Gen(_, x) | CQual::BinGen(_, x) | CQual::Filter(x) => self.expr(x),
                        CQual::GuardFilter(_) => {}
                    }
                }
                self.expr(b);
            }
            E::MapNew(kvs) => {
                for (k, v) in kvs {
                    self.expr(k);
                    self.expr(v);
                }
            }
            E::MapUpdate(b, kvs) => {
                self.expr(b);
                for (k, _, v) in kvs {
                    self.expr(k);
                    self.expr(v);
                }
            }
            E::RecField(b, ..) => self.expr(b),
            E::RecUpdate(b, _, _, ups) => {
                self.expr(b);
                for (_, v) in ups {
                    self.expr(v);
                }
            }
        }
    }

    /// A body: a `P = E` at its top holds what `P` matched for the expressions after it.
    fn body(&mut self, es: &mut [E]) {
        let mark = self.held.len();
        for (k, e) in es.iter_mut().enumerate() {
            self.expr(e);
            if let Some(p) = body_match(e) {
                collect(p, k, &mut Vec::new(), &mut self.held);
            }
        }
        let mut held: Vec<Held> = self.held.drain(mark..).collect();
        while let Some(owner) = held.first().map(|h| h.owner) {
            let mine = take_owner(&mut held, owner);
            if let Some(p) = body_match(&mut es[owner]) {
                bind_reused(p, mine);
            }
        }
    }

    /// A `case` clause: its patterns hold the case value's parts for its body.
    fn case_clause(&mut self, c: &mut CClause) {
        let mark = self.held.len();
        for (k, p) in c.pats.iter().enumerate() {
            collect(p, k, &mut Vec::new(), &mut self.held);
        }
        self.body(&mut c.body);
        let mut held: Vec<Held> = self.held.drain(mark..).collect();
        for (k, p) in c.pats.iter_mut().enumerate() {
            bind_reused(p, take_owner(&mut held, k));
        }
    }
}

/// The entries of `held` collected from pattern `owner`, taken out.
fn take_owner(held: &mut Vec<Held>, owner: usize) -> Vec<Held> {
    let (mine, rest) = std::mem::take(held)
        .into_iter()
        .partition(|h| h.owner == owner);
    *held = rest;
    mine
}

/// The pattern of a `P = E` standing at the top of a body, when it is a compound one.
fn body_match(e: &mut E) -> Option<&mut Pat> {
    let mut x = e;
    while let E::At(_, inner) = x {
        x = inner;
    }
    match x {
        E::Match(p, _) if matches!(**p, Pat::Cons(..) | Pat::Tuple(..) | Pat::Alias(..)) => {
            Some(&mut **p)
        }
        _ => None,
    }
}

/// Rewrites the constructions of a function clause that rebuild a term its head or body
/// matched; then a head variable no longer read is not bound. `n_slots` grows by the
/// registers given to reused sub-terms. The clause's argument `k` is in register `k`.
pub fn clause(c: &mut CClause, n_slots: &mut usize) {
    let mut held = Vec::new();
    for (k, p) in c.pats.iter().enumerate() {
        let from = held.len();
        collect(p, k, &mut Vec::new(), &mut held);
        // The whole argument is its own register, never written while the clause runs.
        if let Some(h) = held[from..].iter_mut().find(|h| h.path.is_empty()) {
            h.reg = Some(k as u32);
        }
    }
    let mut scope = Scope {
        held,
        n_slots: &mut *n_slots,
    };
    scope.body(&mut c.body);
    let mut held = std::mem::take(&mut scope.held);
    if !held.iter().any(|h| h.used) {
        return;
    }
    for (k, p) in c.pats.iter_mut().enumerate() {
        let mut mine = take_owner(&mut held, k);
        // The argument register needs no alias.
        mine.retain(|h| !h.path.is_empty());
        bind_reused(p, mine);
    }
    super::unbind_unread(c, *n_slots);
}
