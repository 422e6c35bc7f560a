//! The BIF-level parts of `lists` (reverse, member, key lookups) and `maps`.

use super::{list_arg, map_of, usize_arg, Table};
use crate::atom;
use crate::interp::{badarg, error};
use crate::term::{self, MapKey, Term};
use std::collections::BTreeMap;
use std::rc::Rc;

fn keyfind(a: &[Term]) -> Result<Option<Term>, crate::interp::Ctl> {
    let n = usize_arg(&a[1])?;
    if n == 0 {
        return Err(badarg());
    }
    let mut c = &a[2];
    loop {
        match c {
            Term::Nil => return Ok(None),
            Term::Cons(x) => {
                if let Term::Tuple(t) = &x.head {
                    if t.len() >= n && term::eq(&t[n - 1], &a[0]) {
                        return Ok(Some(x.head.clone()));
                    }
                }
                c = &x.tail;
            }
            _ => return Err(badarg()),
        }
    }
}

fn badkey(k: &Term) -> crate::interp::Ctl {
    error(Term::tuple(vec![Term::Atom(atom::BADKEY), k.clone()]))
}

pub fn register(t: &mut Table) {
    t.insert(("lists", "reverse", 1), |_, a| {
        let mut out = Term::Nil;
        let mut c = &a[0];
        loop {
            match c {
                Term::Nil => return Ok(out),
                Term::Cons(x) => {
                    out = Term::cons(x.head.clone(), out);
                    c = &x.tail;
                }
                _ => return Err(badarg()),
            }
        }
    });
    t.insert(("lists", "reverse", 2), |_, a| {
        let mut out = a[1].clone();
        let mut c = &a[0];
        loop {
            match c {
                Term::Nil => return Ok(out),
                Term::Cons(x) => {
                    out = Term::cons(x.head.clone(), out);
                    c = &x.tail;
                }
                _ => return Err(badarg()),
            }
        }
    });
    t.insert(("lists", "member", 2), |_, a| {
        let mut c = &a[1];
        loop {
            match c {
                Term::Nil => return Ok(Term::bool(false)),
                Term::Cons(x) => {
                    if term::exact_eq(&x.head, &a[0]) {
                        return Ok(Term::bool(true));
                    }
                    c = &x.tail;
                }
                _ => return Err(badarg()),
            }
        }
    });
    t.insert(("lists", "keyfind", 3), |_, a| {
        Ok(keyfind(a)?.unwrap_or(Term::bool(false)))
    });
    t.insert(("lists", "keymember", 3), |_, a| {
        Ok(Term::bool(keyfind(a)?.is_some()))
    });
    t.insert(("lists", "keysearch", 3), |_, a| {
        Ok(match keyfind(a)? {
            Some(v) => Term::tuple(vec![Term::atom("value"), v]),
            None => Term::bool(false),
        })
    });
    t.insert(("maps", "new", 0), |_, _| {
        Ok(Term::Map(Rc::new(BTreeMap::new())))
    });
    t.insert(("maps", "get", 2), |_, a| {
        let m = map_of(&a[1])?;
        m.get(&MapKey(a[0].clone()))
            .cloned()
            .ok_or_else(|| badkey(&a[0]))
    });
    t.insert(("maps", "get", 3), |_, a| {
        let m = map_of(&a[1])?;
        Ok(m.get(&MapKey(a[0].clone()))
            .cloned()
            .unwrap_or_else(|| a[2].clone()))
    });
    t.insert(("maps", "find", 2), |_, a| {
        let m = map_of(&a[1])?;
        Ok(match m.get(&MapKey(a[0].clone())) {
            Some(v) => Term::tuple(vec![Term::ok(), v.clone()]),
            None => Term::atom("error"),
        })
    });
    t.insert(("maps", "put", 3), |_, a| {
        let mut m = map_of(&a[2])?.clone();
        Rc::make_mut(&mut m).insert(MapKey(a[0].clone()), a[1].clone());
        Ok(Term::Map(m))
    });
    t.insert(("maps", "update", 3), |_, a| {
        let mut m = map_of(&a[2])?.clone();
        let k = MapKey(a[0].clone());
        if !m.contains_key(&k) {
            return Err(badkey(&a[0]));
        }
        Rc::make_mut(&mut m).insert(k, a[1].clone());
        Ok(Term::Map(m))
    });
    t.insert(("maps", "remove", 2), |_, a| {
        let mut m = map_of(&a[1])?.clone();
        let k = MapKey(a[0].clone());
        if m.contains_key(&k) {
            Rc::make_mut(&mut m).remove(&k);
        }
        Ok(Term::Map(m))
    });
    t.insert(("maps", "is_key", 2), |_, a| {
        Ok(Term::bool(
            map_of(&a[1])?.contains_key(&MapKey(a[0].clone())),
        ))
    });
    t.insert(("maps", "keys", 1), |_, a| {
        Ok(Term::list(
            map_of(&a[0])?.keys().map(|k| k.0.clone()).collect(),
        ))
    });
    t.insert(("maps", "values", 1), |_, a| {
        Ok(Term::list(map_of(&a[0])?.values().cloned().collect()))
    });
    t.insert(("maps", "size", 1), |_, a| {
        Ok(Term::Int(map_of(&a[0])?.len() as i64))
    });
    t.insert(("maps", "to_list", 1), |_, a| {
        Ok(Term::list(
            map_of(&a[0])?
                .iter()
                .map(|(k, v)| Term::tuple(vec![k.0.clone(), v.clone()]))
                .collect(),
        ))
    });
    t.insert(("maps", "from_list", 1), |_, a| {
        let mut m = BTreeMap::new();
        for x in list_arg(&a[0])? {
            match &x {
                Term::Tuple(t) if t.len() == 2 => {
                    m.insert(MapKey(t[0].clone()), t[1].clone());
                }
                _ => return Err(badarg()),
            }
        }
        Ok(Term::Map(Rc::new(m)))
    });
    t.insert(("maps", "merge", 2), |_, a| {
        let mut m = map_of(&a[0])?.clone();
        let n = map_of(&a[1])?;
        let mm = Rc::make_mut(&mut m);
        for (k, v) in n.iter() {
            mm.insert(k.clone(), v.clone());
        }
        Ok(Term::Map(m))
    });
    t.insert(("maps", "take", 2), |_, a| {
        let mut m = map_of(&a[1])?.clone();
        let k = MapKey(a[0].clone());
        match Rc::make_mut(&mut m).remove(&k) {
            Some(v) => Ok(Term::tuple(vec![v, Term::Map(m)])),
            None => Ok(Term::atom("error")),
        }
    });
}
