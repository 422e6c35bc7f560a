//! Dropping BIF calls whose value is unused and which can neither fail nor have an effect.
//!
//! OTP's compiler deletes `self()`, `node()`, `element(1, Tup)` with `Tup = {a}`, `hd(L)` with
//! `L = [x]`... when the result is thrown away (`erl_bifs:is_pure/3` and `is_safe/3`, and
//! beam_ssa_type's argument types): Estone's `disp()` keeps 10 of its ~80 calls. We do the
//! same for a call standing in a body (not its last expression, whose value is returned)
//! when the BIF has no side effect and its arguments are known, at compile time, to make it
//! succeed: literals, or variables bound earlier in the same body (or an enclosing one) to a
//! literal, a tuple or list built there, or `self()`. Anything else keeps the call, so
//! `element(2, {a})`, `hd([])`, `length([a | b])` or `atom_to_list(X)` with `X` unknown
//! still raise where and as OTP's do.

use crate::atom::{self, Atom};
use crate::code::{Pat, E};
use crate::term::Term;
use std::collections::HashMap;

/// What is known at compile time about a variable's value.
#[derive(Clone)]
pub(super) enum Known {
    /// This constant.
    Term(Term),
    /// A tuple of this size.
    Tuple(usize),
    /// A list of at least this many cells; `proper`: exactly that many, ending in `[]`.
    List { cells: usize, proper: bool },
    /// A pid (the value of `self()`).
    Pid,
}

/// Variables whose values are known, by slot. A body adds its own bindings and forgets them
/// when it ends (`Lower::body`): a slot shared by the clauses of a `case` that all bind it
/// holds a different value in each.
pub(super) type Facts = HashMap<u32, Known>;

/// What evaluating `e` is known to give (`None`: nothing useful).
pub(super) fn known(e: &E, facts: &Facts) -> Option<Known> {
    match e {
        E::At(_, x) => known(x, facts),
        E::Lit(t) => Some(Known::Term(t.clone())),
        E::Var(s) => facts.get(s).cloned(),
        E::Tuple(es) => Some(Known::Tuple(es.len())),
        E::Cons(hs, tl) => {
            let (more, proper) = match list_shape(tl, facts) {
                Some((n, p)) => (n, p),
                None => (0, false),
            };
            Some(Known::List {
                cells: hs.len() + more,
                proper,
            })
        }
        E::CallBif(_, m, f, args) if *m == atom::ERLANG && args.is_empty() => {
            (f.name() == "self").then_some(Known::Pid)
        }
        _ => None,
    }
}

/// The cells of a list value and whether it is proper, when known.
fn list_shape(e: &E, facts: &Facts) -> Option<(usize, bool)> {
    match known(e, facts)? {
        Known::List { cells, proper } => Some((cells, proper)),
        Known::Term(t) => Some(term_list_shape(&t)),
        _ => None,
    }
}

/// The cells of a constant and whether they end in `[]` (a non-list: no cells, improper).
fn term_list_shape(t: &Term) -> (usize, bool) {
    let mut n = 0;
    let mut t = t;
    loop {
        match t {
            Term::Nil => return (n, true),
            Term::Cons(c) => {
                n += 1;
                t = &c.tail;
            }
            _ => return (n, false),
        }
    }
}

/// Whether evaluating `e` can have no effect and cannot fail: a constant, a variable, or a
/// tuple or list of those (building it allocates, nothing more).
pub(super) fn inert(e: &E) -> bool {
    match e {
        E::At(_, x) => inert(x),
        E::Lit(_) | E::Var(_) => true,
        E::Tuple(es) => es.iter().all(inert),
        E::Cons(hs, tl) => hs.iter().all(inert) && inert(tl),
        _ => false,
    }
}

fn tuple_size(k: &Option<Known>) -> Option<usize> {
    match k {
        Some(Known::Tuple(n)) => Some(*n),
        Some(Known::Term(Term::Tuple(t))) => Some(t.len()),
        _ => None,
    }
}

fn proper_list(k: &Option<Known>) -> bool {
    match k {
        Some(Known::List { proper, .. }) => *proper,
        Some(Known::Term(t)) => term_list_shape(t).1,
        _ => false,
    }
}

fn non_empty_list(k: &Option<Known>) -> bool {
    match k {
        Some(Known::List { cells, .. }) => *cells > 0,
        Some(Known::Term(Term::Cons(_))) => true,
        _ => false,
    }
}

/// `list_to_atom/1` surely succeeds: a proper list of at most 255 Latin-1 characters.
fn latin1_atom_text(k: &Option<Known>) -> bool {
    let Some(Known::Term(t)) = k else {
        return false;
    };
    let Some(items) = t.list_to_vec() else {
        return false;
    };
    items.len() <= 255
        && items
            .iter()
            .all(|c| matches!(c, Term::Int(n) if (0..=255).contains(n)))
}

/// Whether the call `erlang:f(args...)`, its value unused, may be left out: it has no side
/// effect and its arguments are known to make it succeed.
fn droppable_bif(f: Atom, args: &[E], facts: &Facts) -> bool {
    if !args.iter().all(inert) {
        return false;
    }
    let k: Vec<Option<Known>> = args.iter().map(|a| known(a, facts)).collect();
    let index = |i: usize, t: usize| match &k[i] {
        Some(Known::Term(Term::Int(n))) => *n >= 1 && (*n as u64) <= t as u64,
        _ => false,
    };
    match (f.name(), args.len()) {
        // No arguments, no failure; only read state (the clock, the process, the node).
        ("self" | "node" | "make_ref" | "date" | "time" | "get", 0) => true,
        ("get", 1) => true,
        // Type tests never fail.
        (
            "is_atom" | "is_binary" | "is_bitstring" | "is_boolean" | "is_float" | "is_integer"
            | "is_list" | "is_map" | "is_number" | "is_pid" | "is_port" | "is_reference"
            | "is_tuple",
            1,
        ) => true,
        ("is_function", 1) => true,
        ("atom_to_list", 1) => matches!(k[0], Some(Known::Term(Term::Atom(_)))),
        ("list_to_atom", 1) => latin1_atom_text(&k[0]),
        ("tuple_to_list" | "tuple_size", 1) => tuple_size(&k[0]).is_some(),
        ("list_to_tuple" | "length", 1) => proper_list(&k[0]),
        ("hd" | "tl", 1) => non_empty_list(&k[0]),
        ("node", 1) => matches!(k[0], Some(Known::Pid | Known::Term(Term::Pid(_)))),
        ("element", 2) => tuple_size(&k[1]).is_some_and(|n| index(0, n)),
        ("setelement", 3) => tuple_size(&k[1]).is_some_and(|n| index(0, n)),
        _ => false,
    }
}

/// Whether `e`, standing in a body with its value unused, may be left out entirely.
pub(super) fn droppable(e: &E, facts: &Facts) -> bool {
    match e {
        E::At(_, x) => droppable(x, facts),
        E::CallBif(_, m, f, args) => *m == atom::ERLANG && droppable_bif(*f, args, facts),
        // `_ = Expr`: nothing is matched.
        E::Match(p, v) => matches!(**p, Pat::Any) && droppable(v, facts),
        e => inert(e),
    }
}
