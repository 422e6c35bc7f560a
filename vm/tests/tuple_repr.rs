//! The thin tuple (`vm::term::Tuple`, one allocation holding count, length and elements):
//! its unsafe code is exercised here on what can go wrong with hand-managed blocks: every
//! length from 0 up, clones shared across many holders, drops of deep and shared
//! structures, equality and ordering agreeing with the element-wise definitions, and a
//! panicking builder not leaking or double-dropping. Hashing, printing and the tuple BIFs
//! are compared with OTP in `tests/conformance/tuple_bifs_shared.erl`.

use std::cell::Cell;
use std::cmp::Ordering;
use std::rc::Rc;
use vm::term::{cmp_terms, exact_eq, Term, Tuple};

/// A binary whose bytes are a foreign buffer counting its own drops: a term whose release
/// is observable from outside.
struct Probe {
    bytes: [u8; 4],
    drops: Rc<Cell<usize>>,
}

thread_local! {
    static DROPS: Rc<Cell<usize>> = Rc::new(Cell::new(0));
}

fn drops() -> usize {
    DROPS.with(|d| d.get())
}

fn probe() -> Term {
    // Foreign buffers must be Send + Sync; the counter is reached through a thread-local.
    struct P(Probe);
    // SAFETY (test): the probe is only touched on this test's thread.
    unsafe impl Send for P {}
    unsafe impl Sync for P {}
    impl AsRef<[u8]> for P {
        fn as_ref(&self) -> &[u8] {
            &self.0.bytes
        }
    }
    impl Drop for P {
        fn drop(&mut self) {
            self.0.drops.set(self.0.drops.get() + 1);
        }
    }
    let drops = DROPS.with(|d| d.clone());
    Term::foreign_binary(std::sync::Arc::new(P(Probe {
        bytes: [1, 2, 3, 4],
        drops,
    })))
}

#[test]
fn every_length_reads_back_what_was_written() {
    for n in 0..70usize {
        let v: Vec<Term> = (0..n as i64).map(Term::Int).collect();
        let t = Tuple::from_vec(v.clone());
        assert_eq!(t.len(), n);
        for (i, x) in t.iter().enumerate() {
            assert!(matches!(x, Term::Int(k) if *k == i as i64));
        }
        assert!(exact_eq(&Term::tuple(v), &Term::Tuple(t.clone())));
        assert_eq!(Tuple::strong_count(&t), 1);
    }
}

#[test]
fn clones_share_and_the_last_drop_releases_the_elements() {
    let before = drops();
    let t = Tuple::from_vec(vec![probe(), Term::Int(7), probe()]);
    let copies: Vec<Tuple> = (0..1000).map(|_| t.clone()).collect();
    assert_eq!(Tuple::strong_count(&t), 1001);
    assert!(copies.iter().all(|c| Tuple::ptr_eq(c, &t)));
    drop(copies);
    assert_eq!(Tuple::strong_count(&t), 1);
    assert_eq!(drops(), before, "elements released while a holder remains");
    drop(t);
    assert_eq!(drops(), before + 2, "each element released exactly once");
}

#[test]
fn with_elem_copies_and_leaves_the_original() {
    let before = drops();
    let t = Tuple::from_vec(vec![Term::atom("a"), probe(), Term::Int(3)]);
    let u = t.with_elem(1, Term::Int(9)).expect("in range");
    assert!(t.with_elem(3, Term::Nil).is_none());
    assert!(matches!(&t[1], Term::Bin(_)));
    assert!(matches!(&u[1], Term::Int(9)));
    assert!(!Tuple::ptr_eq(&t, &u));
    drop(u);
    assert_eq!(drops(), before);
    drop(t);
    assert_eq!(drops(), before + 1);
}

#[test]
fn a_panicking_builder_drops_what_it_wrote_once() {
    let before = drops();
    let r = std::panic::catch_unwind(|| {
        let it = (0..5).map(|i| if i == 3 { panic!("boom") } else { probe() });
        Tuple::from_iter_exact(5, it)
    });
    assert!(r.is_err());
    assert_eq!(drops(), before + 3);
    // An iterator shorter than the declared length is a caller bug: a panic, no leak.
    let r = std::panic::catch_unwind(|| Tuple::from_iter_exact(4, vec![probe(), probe()]));
    assert!(r.is_err());
    assert_eq!(drops(), before + 5);
}

#[test]
fn deep_and_shared_structures_drop_cleanly() {
    let before = drops();
    // A term shared by many tuples of a list of tuples of lists...
    let shared = Term::tuple(vec![probe(), Term::list(vec![probe(), Term::Int(1)])]);
    let mut acc = Term::Nil;
    for i in 0..10_000 {
        let inner = Term::tuple(vec![shared.clone(), Term::Int(i), acc.clone()]);
        acc = Term::cons(inner, Term::Nil);
    }
    // ...and a 10,000-deep nest of tuples, each holding the shared term.
    let mut deep = Term::Nil;
    for _ in 0..10_000 {
        deep = Term::tuple(vec![deep, shared.clone()]);
    }
    let deep2 = deep.clone();
    assert!(exact_eq(&deep, &deep2));
    drop(deep);
    drop(acc);
    assert_eq!(drops(), before);
    drop(deep2);
    drop(shared);
    assert_eq!(drops(), before + 2);
}

#[test]
fn equality_and_order_are_elementwise() {
    let a = Term::tuple(vec![Term::Int(1), Term::atom("x"), Term::Float(2.0)]);
    let b = Term::tuple(vec![Term::Int(1), Term::atom("x"), Term::Int(2)]);
    let c = Term::tuple(vec![Term::Int(1), Term::atom("y")]);
    // `==` compares 2.0 and 2 as equal, `=:=` does not; shorter tuples sort first.
    assert_eq!(cmp_terms(&a, &b, false), Ordering::Equal);
    assert_ne!(cmp_terms(&a, &b, true), Ordering::Equal);
    assert_eq!(cmp_terms(&c, &a, false), Ordering::Less);
    assert_eq!(cmp_terms(&Term::tuple(vec![]), &c, false), Ordering::Less);
    assert!(exact_eq(&Term::tuple(vec![]), &Term::tuple(vec![])));
}

#[test]
fn term_stays_two_words() {
    assert_eq!(std::mem::size_of::<Term>(), 16);
    assert_eq!(std::mem::size_of::<Tuple>(), 8);
}
