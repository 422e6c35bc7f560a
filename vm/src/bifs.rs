//! Native built-in functions, looked up before Erlang library modules so they override them.
//! The table maps (module, function, arity) to a Rust function; each validates its
//! arguments and raises OTP's exception (usually `badarg`) instead of panicking.

use crate::atom::{self, Atom};
use crate::fmt;
use crate::interp::{badarg, error, raise, Ctl, Proc, Res};
use crate::term::{self, Fun, FunKind, MapKey, Term};
use num_bigint::BigInt;
use num_traits::Num;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::OnceLock;

pub type BifFn = fn(&mut Proc, &[Term]) -> Res;

mod binaries;
mod conv;
mod hash;
mod lists_maps;
mod procs;

pub(crate) fn table() -> &'static HashMap<(&'static str, &'static str, usize), BifFn> {
    static T: OnceLock<HashMap<(&'static str, &'static str, usize), BifFn>> = OnceLock::new();
    T.get_or_init(|| {
        let mut t: HashMap<(&'static str, &'static str, usize), BifFn> = HashMap::new();
        register_core(&mut t);
        conv::register(&mut t);
        binaries::register(&mut t);
        lists_maps::register(&mut t);
        procs::register(&mut t);
        t
    })
}

/// Flattens chardata to the bytes OTP's `-noshell` standard output shows (latin1 device).
pub fn chardata(t: &Term) -> Option<Vec<u8>> {
    conv::chardata_to_output(t)
}

/// `nonode@nohost`, the node every pid lives on, interned once: `node/0,1` are called in hot
/// loops (Estone's `bif_dispatch`), and interning hashes the name under the table's lock.
pub(crate) fn nonode() -> Atom {
    static A: OnceLock<Atom> = OnceLock::new();
    *A.get_or_init(|| Atom::intern("nonode@nohost"))
}

pub fn lookup(m: &str, f: &str, arity: usize) -> Option<BifFn> {
    table().get(&(m, f, arity)).copied()
}

/// `module:function/arity` of a native BIF, for bytecode listings.
pub fn name_of(f: BifFn) -> Option<String> {
    table()
        .iter()
        .filter(|(_, g)| **g as usize == f as usize)
        .map(|((m, n, a), _)| format!("{m}:{n}/{a}"))
        .min()
}

/// The functions OTP 25 auto-imports from `erlang` (`erl_internal:bif/2`).
const AUTO_IMPORTS: &[(&str, usize)] = &[
    ("abs", 1),
    ("alias", 0),
    ("alias", 1),
    ("apply", 2),
    ("apply", 3),
    ("atom_to_binary", 1),
    ("atom_to_binary", 2),
    ("atom_to_list", 1),
    ("binary_part", 2),
    ("binary_part", 3),
    ("binary_to_atom", 1),
    ("binary_to_atom", 2),
    ("binary_to_existing_atom", 1),
    ("binary_to_existing_atom", 2),
    ("binary_to_float", 1),
    ("binary_to_integer", 1),
    ("binary_to_integer", 2),
    ("binary_to_list", 1),
    ("binary_to_list", 3),
    ("binary_to_term", 1),
    ("binary_to_term", 2),
    ("bit_size", 1),
    ("bitstring_to_list", 1),
    ("byte_size", 1),
    ("ceil", 1),
    ("check_old_code", 1),
    ("check_process_code", 2),
    ("check_process_code", 3),
    ("date", 0),
    ("delete_module", 1),
    ("demonitor", 1),
    ("demonitor", 2),
    ("disconnect_node", 1),
    ("element", 2),
    ("erase", 0),
    ("erase", 1),
    ("error", 1),
    ("error", 2),
    ("error", 3),
    ("exit", 1),
    ("exit", 2),
    ("float", 1),
    ("float_to_binary", 1),
    ("float_to_binary", 2),
    ("float_to_list", 1),
    ("float_to_list", 2),
    ("floor", 1),
    ("garbage_collect", 0),
    ("garbage_collect", 1),
    ("garbage_collect", 2),
    ("get", 0),
    ("get", 1),
    ("get_keys", 0),
    ("get_keys", 1),
    ("group_leader", 0),
    ("group_leader", 2),
    ("halt", 0),
    ("halt", 1),
    ("halt", 2),
    ("hd", 1),
    ("integer_to_binary", 1),
    ("integer_to_binary", 2),
    ("integer_to_list", 1),
    ("integer_to_list", 2),
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
    ("is_map", 1),
    ("is_map_key", 2),
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
    ("list_to_integer", 2),
    ("list_to_pid", 1),
    ("list_to_port", 1),
    ("list_to_ref", 1),
    ("list_to_tuple", 1),
    ("load_module", 2),
    ("make_ref", 0),
    ("map_get", 2),
    ("map_size", 1),
    ("max", 2),
    ("min", 2),
    ("module_loaded", 1),
    ("monitor", 2),
    ("monitor", 3),
    ("monitor_node", 2),
    ("node", 0),
    ("node", 1),
    ("nodes", 0),
    ("nodes", 1),
    ("nodes", 2),
    ("now", 0),
    ("open_port", 2),
    ("pid_to_list", 1),
    ("port_close", 1),
    ("port_command", 2),
    ("port_command", 3),
    ("port_connect", 2),
    ("port_control", 3),
    ("port_to_list", 1),
    ("pre_loaded", 0),
    ("process_flag", 2),
    ("process_flag", 3),
    ("process_info", 1),
    ("process_info", 2),
    ("processes", 0),
    ("purge_module", 1),
    ("put", 2),
    ("ref_to_list", 1),
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
    ("spawn_monitor", 2),
    ("spawn_monitor", 3),
    ("spawn_monitor", 4),
    ("spawn_opt", 2),
    ("spawn_opt", 3),
    ("spawn_opt", 4),
    ("spawn_opt", 5),
    ("spawn_request", 1),
    ("spawn_request", 2),
    ("spawn_request", 3),
    ("spawn_request", 4),
    ("spawn_request", 5),
    ("spawn_request_abandon", 1),
    ("split_binary", 2),
    ("statistics", 1),
    ("term_to_binary", 1),
    ("term_to_binary", 2),
    ("term_to_iovec", 1),
    ("term_to_iovec", 2),
    ("throw", 1),
    ("time", 0),
    ("tl", 1),
    ("trunc", 1),
    ("tuple_size", 1),
    ("tuple_to_list", 1),
    ("unalias", 1),
    ("unlink", 1),
    ("unregister", 1),
    ("whereis", 1),
];

/// Whether `name/arity` may be called without the `erlang:` prefix.
pub fn auto_imported(name: &str, arity: usize) -> bool {
    AUTO_IMPORTS.iter().any(|(n, a)| *n == name && *a == arity)
}

pub type Table = HashMap<(&'static str, &'static str, usize), BifFn>;

pub(crate) fn int_arg(t: &Term) -> Result<i64, Ctl> {
    match t {
        Term::Int(i) => Ok(*i),
        _ => Err(badarg()),
    }
}

pub(crate) fn usize_arg(t: &Term) -> Result<usize, Ctl> {
    match t {
        Term::Int(i) if *i >= 0 => Ok(*i as usize),
        _ => Err(badarg()),
    }
}

pub(crate) fn atom_arg(t: &Term) -> Result<Atom, Ctl> {
    match t {
        Term::Atom(a) => Ok(*a),
        _ => Err(badarg()),
    }
}

pub(crate) fn list_arg(t: &Term) -> Result<Vec<Term>, Ctl> {
    t.list_to_vec().ok_or_else(badarg)
}

fn type_test(t: &mut Table) {
    t.insert(("erlang", "is_atom", 1), |_, a| {
        Ok(Term::bool(matches!(a[0], Term::Atom(_))))
    });
    t.insert(("erlang", "is_binary", 1), |_, a| {
        Ok(Term::bool(matches!(&a[0], Term::Bin(b) if b.is_binary())))
    });
    t.insert(("erlang", "is_bitstring", 1), |_, a| {
        Ok(Term::bool(matches!(a[0], Term::Bin(_))))
    });
    t.insert(("erlang", "is_boolean", 1), |_, a| {
        Ok(Term::bool(
            a[0].is_atom(atom::TRUE) || a[0].is_atom(atom::FALSE),
        ))
    });
    t.insert(("erlang", "is_float", 1), |_, a| {
        Ok(Term::bool(matches!(a[0], Term::Float(_))))
    });
    t.insert(("erlang", "is_function", 1), |_, a| {
        Ok(Term::bool(matches!(a[0], Term::Fun(_))))
    });
    t.insert(("erlang", "is_function", 2), |_, a| {
        let n = usize_arg(&a[1])?;
        Ok(Term::bool(matches!(&a[0], Term::Fun(f) if f.arity == n)))
    });
    t.insert(("erlang", "is_integer", 1), |_, a| {
        Ok(Term::bool(a[0].is_integer()))
    });
    t.insert(("erlang", "is_list", 1), |_, a| {
        Ok(Term::bool(a[0].is_list()))
    });
    t.insert(("erlang", "is_map", 1), |_, a| {
        Ok(Term::bool(matches!(a[0], Term::Map(_))))
    });
    t.insert(("erlang", "is_number", 1), |_, a| {
        Ok(Term::bool(a[0].is_number()))
    });
    t.insert(("erlang", "is_pid", 1), |_, a| {
        Ok(Term::bool(matches!(a[0], Term::Pid(_))))
    });
    t.insert(("erlang", "is_port", 1), |_, _| Ok(Term::bool(false)));
    t.insert(("erlang", "is_reference", 1), |_, a| {
        Ok(Term::bool(matches!(a[0], Term::Ref(_))))
    });
    t.insert(("erlang", "is_tuple", 1), |_, a| {
        Ok(Term::bool(matches!(a[0], Term::Tuple(_))))
    });
    t.insert(("erlang", "is_record", 2), |_, a| {
        let r = atom_arg(&a[1])?;
        Ok(Term::bool(
            matches!(&a[0], Term::Tuple(t) if !t.is_empty() && t[0].is_atom(r)),
        ))
    });
    t.insert(("erlang", "is_record", 3), |_, a| {
        let r = atom_arg(&a[1])?;
        let n = usize_arg(&a[2])?;
        Ok(Term::bool(
            matches!(&a[0], Term::Tuple(t) if t.len() == n && t[0].is_atom(r)),
        ))
    });
    t.insert(("erlang", "is_map_key", 2), |_, a| match &a[1] {
        Term::Map(m) => Ok(Term::bool(m.contains_key(&MapKey(a[0].clone())))),
        other => Err(error(Term::tuple(vec![
            Term::Atom(atom::BADMAP),
            other.clone(),
        ]))),
    });
}

fn operators(t: &mut Table) {
    use crate::code::Op2;
    macro_rules! op {
        ($name:expr, $op:expr) => {
            t.insert(("erlang", $name, 2), |p, a| {
                p.op2($op, a[0].clone(), a[1].clone())
            });
        };
    }
    op!("+", Op2::Add);
    op!("-", Op2::Sub);
    op!("*", Op2::Mul);
    op!("/", Op2::FDiv);
    op!("div", Op2::IDiv);
    op!("rem", Op2::Rem);
    op!("band", Op2::Band);
    op!("bor", Op2::Bor);
    op!("bxor", Op2::Bxor);
    op!("bsl", Op2::Bsl);
    op!("bsr", Op2::Bsr);
    op!("==", Op2::Eq);
    op!("/=", Op2::Ne);
    op!("=:=", Op2::ExactEq);
    op!("=/=", Op2::ExactNe);
    op!("<", Op2::Lt);
    op!("=<", Op2::Le);
    op!(">", Op2::Gt);
    op!(">=", Op2::Ge);
    op!("and", Op2::And);
    op!("or", Op2::Or);
    op!("xor", Op2::Xor);
    op!("++", Op2::Append);
    op!("--", Op2::Subtract);
    op!("!", Op2::Send);
    t.insert(("erlang", "-", 1), |_, a| crate::arith::neg(&a[0]));
    t.insert(("erlang", "+", 1), |_, a| {
        if a[0].is_number() {
            Ok(a[0].clone())
        } else {
            Err(crate::interp::badarith())
        }
    });
    t.insert(("erlang", "bnot", 1), |_, a| crate::arith::bnot(&a[0]));
    t.insert(("erlang", "not", 1), |_, a| match &a[0] {
        Term::Atom(atom::TRUE) => Ok(Term::bool(false)),
        Term::Atom(atom::FALSE) => Ok(Term::bool(true)),
        _ => Err(badarg()),
    });
}

fn register_core(t: &mut Table) {
    type_test(t);
    operators(t);
    t.insert(("erlang", "element", 2), |_, a| match (&a[0], &a[1]) {
        (Term::Int(i), Term::Tuple(t)) if *i >= 1 && (*i as usize) <= t.len() => {
            Ok(t[*i as usize - 1].clone())
        }
        _ => Err(badarg()),
    });
    t.insert(("erlang", "setelement", 3), |_, a| match (&a[0], &a[1]) {
        (Term::Int(i), Term::Tuple(t)) if *i >= 1 => t
            .with_elem(*i as usize - 1, a[2].clone())
            .map(Term::Tuple)
            .ok_or_else(badarg),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "tuple_size", 1), |_, a| match &a[0] {
        Term::Tuple(t) => Ok(Term::Int(t.len() as i64)),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "size", 1), |_, a| match &a[0] {
        Term::Tuple(t) => Ok(Term::Int(t.len() as i64)),
        Term::Bin(b) => Ok(Term::Int((b.len / 8) as i64)),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "length", 1), |_, a| {
        let mut n = 0i64;
        let mut c = &a[0];
        loop {
            match c {
                Term::Nil => return Ok(Term::Int(n)),
                Term::Cons(x) => {
                    n += 1;
                    c = &x.tail;
                }
                _ => return Err(badarg()),
            }
        }
    });
    t.insert(("erlang", "hd", 1), |_, a| match &a[0] {
        Term::Cons(c) => Ok(c.head.clone()),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "tl", 1), |_, a| match &a[0] {
        Term::Cons(c) => Ok(c.tail.clone()),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "abs", 1), |_, a| {
        crate::arith::abs(&a[0]).ok_or_else(badarg)
    });
    t.insert(("erlang", "min", 2), |_, a| {
        Ok(
            if term::cmp_terms(&a[1], &a[0], false) == std::cmp::Ordering::Less {
                a[1].clone()
            } else {
                a[0].clone()
            },
        )
    });
    t.insert(("erlang", "max", 2), |_, a| {
        Ok(
            if term::cmp_terms(&a[1], &a[0], false) == std::cmp::Ordering::Greater {
                a[1].clone()
            } else {
                a[0].clone()
            },
        )
    });
    t.insert(("erlang", "trunc", 1), |_, a| {
        float_to_int(&a[0], f64::trunc)
    });
    t.insert(("erlang", "round", 1), |_, a| {
        float_to_int(&a[0], f64::round)
    });
    t.insert(("erlang", "ceil", 1), |_, a| float_to_int(&a[0], f64::ceil));
    t.insert(("erlang", "floor", 1), |_, a| {
        float_to_int(&a[0], f64::floor)
    });
    t.insert(("erlang", "float", 1), |_, a| match a[0].to_f64() {
        Some(f) if a[0].is_number() && f.is_finite() => Ok(Term::Float(f)),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "byte_size", 1), |_, a| match &a[0] {
        Term::Bin(b) => Ok(Term::Int(b.byte_len() as i64)),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "bit_size", 1), |_, a| match &a[0] {
        Term::Bin(b) => Ok(Term::Int(b.len as i64)),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "map_size", 1), |_, a| match &a[0] {
        Term::Map(m) => Ok(Term::Int(m.len() as i64)),
        o => Err(error(Term::tuple(vec![
            Term::Atom(atom::BADMAP),
            o.clone(),
        ]))),
    });
    t.insert(("erlang", "map_get", 2), |_, a| match &a[1] {
        Term::Map(m) => m
            .get(&MapKey(a[0].clone()))
            .cloned()
            .ok_or_else(|| error(Term::tuple(vec![Term::Atom(atom::BADKEY), a[0].clone()]))),
        o => Err(error(Term::tuple(vec![
            Term::Atom(atom::BADMAP),
            o.clone(),
        ]))),
    });
    t.insert(("erlang", "tuple_to_list", 1), |_, a| match &a[0] {
        Term::Tuple(t) => Ok(Term::list(t.to_vec())),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "list_to_tuple", 1), |_, a| {
        Ok(Term::tuple(list_arg(&a[0])?))
    });
    t.insert(("erlang", "make_tuple", 2), |_, a| {
        let n = usize_arg(&a[0])?;
        if n > 1 << 24 {
            return Err(badarg());
        }
        Ok(Term::tuple(vec![a[1].clone(); n]))
    });
    t.insert(("erlang", "make_tuple", 3), |_, a| {
        let n = usize_arg(&a[0])?;
        if n > 1 << 24 {
            return Err(badarg());
        }
        let mut v = vec![a[1].clone(); n];
        for x in list_arg(&a[2])? {
            match x {
                Term::Tuple(p) if p.len() == 2 => {
                    let i = usize_arg(&p[0])?;
                    if i < 1 || i > n {
                        return Err(badarg());
                    }
                    v[i - 1] = p[1].clone();
                }
                _ => return Err(badarg()),
            }
        }
        Ok(Term::tuple(v))
    });
    t.insert(("erlang", "append_element", 2), |_, a| match &a[0] {
        Term::Tuple(t) => {
            let mut v = t.to_vec();
            v.push(a[1].clone());
            Ok(Term::tuple(v))
        }
        _ => Err(badarg()),
    });
    t.insert(("erlang", "insert_element", 3), |_, a| {
        match (&a[0], &a[1]) {
            (Term::Int(i), Term::Tuple(t)) if *i >= 1 && (*i as usize) <= t.len() + 1 => {
                let mut v = t.to_vec();
                v.insert(*i as usize - 1, a[2].clone());
                Ok(Term::tuple(v))
            }
            _ => Err(badarg()),
        }
    });
    t.insert(("erlang", "delete_element", 2), |_, a| {
        match (&a[0], &a[1]) {
            (Term::Int(i), Term::Tuple(t)) if *i >= 1 && (*i as usize) <= t.len() => {
                let mut v = t.to_vec();
                v.remove(*i as usize - 1);
                Ok(Term::tuple(v))
            }
            _ => Err(badarg()),
        }
    });
    t.insert(("erlang", "apply", 2), |p, a| {
        let args = list_arg(&a[1])?;
        p.call_fun(&a[0], args)
    });
    t.insert(("erlang", "apply", 3), |p, a| {
        let m = atom_arg(&a[0])?;
        let f = atom_arg(&a[1])?;
        let args = list_arg(&a[2])?;
        p.call_mfa_sync(m, f, args)
    });
    t.insert(("erlang", "error", 1), |_, a| Err(error(a[0].clone())));
    t.insert(("erlang", "error", 2), |_, a| Err(error(a[0].clone())));
    t.insert(("erlang", "error", 3), |_, a| Err(error(a[0].clone())));
    t.insert(("erlang", "exit", 1), |_, a| {
        Err(raise(atom::EXIT, a[0].clone()))
    });
    t.insert(("erlang", "throw", 1), |_, a| {
        Err(raise(atom::THROW, a[0].clone()))
    });
    // Invalid arguments make raise/3 return `badarg` rather than raise it (OTP's contract).
    t.insert(("erlang", "raise", 3), |_, a| {
        let valid_stack = a[2].list_to_vec().is_some_and(|v| {
            v.iter()
                .all(|f| matches!(f, Term::Tuple(t) if t.len() == 4 || t.len() == 3))
        });
        match &a[0] {
            Term::Atom(c) if [atom::ERROR, atom::EXIT, atom::THROW].contains(c) && valid_stack => {
                Err(raise(*c, a[1].clone()))
            }
            _ => Ok(Term::Atom(atom::BADARG)),
        }
    });
    t.insert(("erlang", "make_ref", 0), |p, _| {
        Ok(Term::Ref(p.rt.make_ref()))
    });
    t.insert(("erlang", "phash2", 1), |_, a| {
        Ok(Term::Int(hash::phash2(&a[0])))
    });
    t.insert(("erlang", "phash2", 2), |_, a| {
        hash::phash2_range(&a[0], &a[1])
            .map(Term::Int)
            .ok_or_else(badarg)
    });
    t.insert(("erlang", "display", 1), |p, a| {
        let s = fmt::write_term(&a[0]) + "\n";
        p.rt.write_out(s.as_bytes());
        Ok(Term::bool(true))
    });
    t.insert(("erlang", "node", 0), |_, _| Ok(Term::Atom(nonode())));
    // Every pid and reference is local; anything else (ports aside) is OTP's badarg.
    t.insert(("erlang", "node", 1), |_, a| match &a[0] {
        Term::Pid(_) | Term::Ref(_) => Ok(Term::Atom(nonode())),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "nodes", 0), |_, _| Ok(Term::Nil));
    t.insert(("erlang", "garbage_collect", 0), |_, _| {
        Ok(Term::bool(true))
    });
    t.insert(("erlang", "get", 0), |p, _| {
        Ok(Term::list(
            p.dict
                .iter()
                .map(|(k, v)| Term::tuple(vec![k.clone(), v.clone()]))
                .collect(),
        ))
    });
    t.insert(("erlang", "get", 1), |p, a| {
        Ok(p.dict
            .iter()
            .find(|(k, _)| term::exact_eq(k, &a[0]))
            .map(|(_, v)| v.clone())
            .unwrap_or(Term::Atom(atom::UNDEFINED)))
    });
    t.insert(("erlang", "get_keys", 0), |p, _| {
        Ok(Term::list(p.dict.iter().map(|(k, _)| k.clone()).collect()))
    });
    t.insert(("erlang", "get_keys", 1), |p, a| {
        Ok(Term::list(
            p.dict
                .iter()
                .filter(|(_, v)| term::exact_eq(v, &a[0]))
                .map(|(k, _)| k.clone())
                .collect(),
        ))
    });
    t.insert(("erlang", "put", 2), |p, a| {
        if let Some(e) = p.dict.iter_mut().find(|(k, _)| term::exact_eq(k, &a[0])) {
            let old = std::mem::replace(&mut e.1, a[1].clone());
            return Ok(old);
        }
        p.dict.push((a[0].clone(), a[1].clone()));
        Ok(Term::Atom(atom::UNDEFINED))
    });
    t.insert(("erlang", "erase", 0), |p, _| {
        let all = std::mem::take(&mut p.dict);
        Ok(Term::list(
            all.into_iter()
                .map(|(k, v)| Term::tuple(vec![k, v]))
                .collect(),
        ))
    });
    t.insert(("erlang", "erase", 1), |p, a| {
        match p.dict.iter().position(|(k, _)| term::exact_eq(k, &a[0])) {
            Some(i) => Ok(p.dict.remove(i).1),
            None => Ok(Term::Atom(atom::UNDEFINED)),
        }
    });
    t.insert(("erlang", "function_exported", 3), |p, a| {
        let m = atom_arg(&a[0])?;
        let f = atom_arg(&a[1])?;
        let n = usize_arg(&a[2])?;
        let found =
            p.rt.module(m)
                .map(|md| md.exports.contains_key(&(f, n)))
                .unwrap_or(false)
                || lookup(m.name(), f.name(), n).is_some();
        Ok(Term::bool(found))
    });
    t.insert(("erlang", "fun_info", 2), |_, a| {
        let Term::Fun(f) = &a[0] else {
            return Err(badarg());
        };
        let item = atom_arg(&a[1])?;
        let v = match (item.name(), &f.kind) {
            ("arity", _) => Term::Int(f.arity as i64),
            ("module", FunKind::Local { module, .. }) => Term::Atom(module.name),
            ("module", FunKind::External { module, .. }) => Term::Atom(*module),
            ("name", FunKind::Local { module, index, .. }) => Term::Atom(module.funs[*index].name),
            ("name", FunKind::External { function, .. }) => Term::Atom(*function),
            ("type", FunKind::Local { .. }) => Term::atom("local"),
            ("type", FunKind::External { .. }) => Term::atom("external"),
            ("env", FunKind::Local { env, .. }) => Term::list(env.clone()),
            ("env", _) => Term::Nil,
            _ => return Err(badarg()),
        };
        Ok(Term::tuple(vec![a[1].clone(), v]))
    });
    t.insert(("erlang", "make_fun", 3), |_, a| {
        let m = atom_arg(&a[0])?;
        let f = atom_arg(&a[1])?;
        let n = usize_arg(&a[2])?;
        Ok(Term::Fun(Rc::new(Fun {
            kind: FunKind::External {
                module: m,
                function: f,
            },
            arity: n,
        })))
    });
    t.insert(("io", "put_chars", 1), |p, a| {
        let b = conv::chardata_to_output(&a[0]).ok_or_else(badarg)?;
        p.rt.write_out(&b);
        Ok(Term::ok())
    });
    t.insert(("io", "put_chars", 2), |p, a| {
        let b = conv::chardata_to_output(&a[1]).ok_or_else(badarg)?;
        if a[0].is_atom(Atom::intern("standard_error")) {
            eprint!("{}", String::from_utf8_lossy(&b));
        } else {
            p.rt.write_out(&b);
        }
        Ok(Term::ok())
    });
    t.insert(("erlang", "pid_to_list", 1), |_, a| match &a[0] {
        Term::Pid(_) => Ok(Term::string(&fmt::write_term(&a[0]))),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "ref_to_list", 1), |_, a| match &a[0] {
        Term::Ref(_) => Ok(Term::string(&fmt::write_term(&a[0]))),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "fun_to_list", 1), |_, a| match &a[0] {
        Term::Fun(_) => Ok(Term::string(&fmt::write_term(&a[0]))),
        _ => Err(badarg()),
    });
    t.insert(("erlang", "port_to_list", 1), |_, _| Err(badarg()));
    t.insert(("erlang", "is_alive", 0), |_, _| Ok(Term::bool(false)));
    // The ~w writer; io_lib's other functions come from the Erlang library.
    t.insert(("io_lib", "write", 1), |_, a| {
        Ok(Term::string(&fmt::write_term(&a[0])))
    });
    t.insert(("io", "nl", 0), |p, _| {
        p.rt.write_out(b"\n");
        Ok(Term::ok())
    });
    math(t);
}

fn math(t: &mut Table) {
    macro_rules! m1 {
        ($name:expr, $f:expr) => {
            t.insert(("math", $name, 1), |_, a| {
                let x = a[0]
                    .to_f64()
                    .filter(|_| a[0].is_number())
                    .ok_or_else(badarg)?;
                let f: fn(f64) -> f64 = $f;
                let r = f(x);
                if r.is_finite() {
                    Ok(Term::Float(r))
                } else {
                    Err(crate::interp::badarith())
                }
            });
        };
    }
    m1!("sqrt", f64::sqrt);
    m1!("sin", f64::sin);
    m1!("cos", f64::cos);
    m1!("tan", f64::tan);
    m1!("asin", f64::asin);
    m1!("acos", f64::acos);
    m1!("atan", f64::atan);
    m1!("exp", f64::exp);
    m1!("log", |x| if x <= 0.0 { f64::NAN } else { x.ln() });
    m1!("log2", |x| if x <= 0.0 { f64::NAN } else { x.log2() });
    m1!("log10", |x| if x <= 0.0 { f64::NAN } else { x.log10() });
    m1!("floor", f64::floor);
    m1!("ceil", f64::ceil);
    m1!("sinh", f64::sinh);
    m1!("cosh", f64::cosh);
    m1!("tanh", f64::tanh);
    t.insert(("math", "pi", 0), |_, _| {
        Ok(Term::Float(std::f64::consts::PI))
    });
    t.insert(("math", "pow", 2), |_, a| {
        let (Some(x), Some(y)) = (a[0].to_f64(), a[1].to_f64()) else {
            return Err(badarg());
        };
        let r = x.powf(y);
        if r.is_finite() {
            Ok(Term::Float(r))
        } else {
            Err(crate::interp::badarith())
        }
    });
    t.insert(("math", "atan2", 2), |_, a| {
        let (Some(x), Some(y)) = (a[0].to_f64(), a[1].to_f64()) else {
            return Err(badarg());
        };
        Ok(Term::Float(x.atan2(y)))
    });
    t.insert(("math", "fmod", 2), |_, a| {
        let (Some(x), Some(y)) = (a[0].to_f64(), a[1].to_f64()) else {
            return Err(badarg());
        };
        if y == 0.0 {
            return Err(crate::interp::badarith());
        }
        Ok(Term::Float(x % y))
    });
}

fn float_to_int(t: &Term, f: fn(f64) -> f64) -> Res {
    match t {
        Term::Int(_) | Term::Big(_) => Ok(t.clone()),
        Term::Float(x) => {
            let r = f(*x);
            if r.abs() < 9.0e18 {
                Ok(Term::Int(r as i64))
            } else {
                Ok(Term::big(num_bigint::BigInt::from(r as i128)).clone()).and_then(|v| {
                    if r.abs() < 1.0e38 {
                        Ok(v)
                    } else {
                        let s = format!("{r:.0}");
                        Ok(Term::big(
                            BigInt::from_str_radix(&s, 10).map_err(|_| badarg())?,
                        ))
                    }
                })
            }
        }
        _ => Err(badarg()),
    }
}

/// A stable structural hash (not OTP's phash2 values; only its range and stability).
pub fn phash(t: &Term) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    fn go(h: &mut std::collections::hash_map::DefaultHasher, t: &Term) {
        use std::hash::Hash;
        match t {
            Term::Int(i) => i.hash(h),
            Term::Big(b) => b.to_string().hash(h),
            Term::Float(f) => f.to_bits().hash(h),
            Term::Atom(a) => a.name().hash(h),
            Term::Nil => 0u8.hash(h),
            Term::Cons(_) => {
                let mut c = t;
                while let Term::Cons(x) = c {
                    go(h, &x.head);
                    c = &x.tail;
                }
                go(h, c);
            }
            Term::Tuple(v) => {
                v.len().hash(h);
                for x in v.iter() {
                    go(h, x);
                }
            }
            Term::Bin(b) => b.to_bytes().hash(h),
            Term::Map(m) => {
                for (k, v) in m.iter() {
                    go(h, &k.0);
                    go(h, v);
                }
            }
            Term::Fun(_) => 7u8.hash(h),
            Term::Pid(p) | Term::Ref(p) => p.hash(h),
        }
    }
    go(&mut h, t);
    h.finish() & ((1 << 32) - 1)
}

pub(crate) fn map_of(t: &Term) -> Result<&Rc<BTreeMap<MapKey, Term>>, Ctl> {
    match t {
        Term::Map(m) => Ok(m),
        o => Err(error(Term::tuple(vec![
            Term::Atom(atom::BADMAP),
            o.clone(),
        ]))),
    }
}
