//! Wake-up predicates: when may a sleeping environment run again?
//!
//! An environment exposes a small window of 64-bit words (its ring indices, a deadline, words
//! of its own). A predicate compares those words, parameters and the current time. It arrives
//! as data ([`WPred`]), is verified (bounded size, reads only inside the caller's own window),
//! then compiled once per *shape* into a closure tree. Waiting again with new values changes
//! only the parameters (`arm`), never recompiles: the seed report measured select() on XOK at
//! 5x slower because every wait built and installed a fresh predicate.

use dpf::ir::Rel;
use std::fmt;
use std::sync::Arc;

/// Words every environment's window starts with.
pub mod word {
    /// Frames ever pushed into the receive ring.
    pub const RING_PRODUCED: u32 = 0;
    /// Frames ever taken out of the receive ring.
    pub const RING_CONSUMED: u32 = 1;
    /// A deadline in nanoseconds of the shim's clock (`u64::MAX`: none); the run loop sleeps
    /// at most until the earliest deadline of a waiting environment.
    pub const DEADLINE: u32 = 2;
    /// First word the environment may use freely.
    pub const USER: u32 = 3;
}

/// Number of parameters a predicate may read.
pub const MAX_PARAMS: usize = 4;
/// Largest predicate accepted, in nodes.
pub const MAX_NODES: usize = 64;

/// A value a predicate compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// A word of the caller's window, by index from its start.
    Word(u32),
    /// A parameter, set when the predicate is armed.
    Param(u8),
    Const(u64),
    /// The shim's clock, nanoseconds.
    Now,
}

/// A wake-up predicate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum WPred {
    True,
    Cmp(Operand, Rel, Operand),
    And(Box<WPred>, Box<WPred>),
    Or(Box<WPred>, Box<WPred>),
    Not(Box<WPred>),
}

impl WPred {
    pub fn cmp(a: Operand, rel: Rel, b: Operand) -> WPred {
        WPred::Cmp(a, rel, b)
    }
    pub fn and(a: WPred, b: WPred) -> WPred {
        WPred::And(Box::new(a), Box::new(b))
    }
    pub fn or(a: WPred, b: WPred) -> WPred {
        WPred::Or(Box::new(a), Box::new(b))
    }
    /// "The ring holds something I have not seen": produced != param `p`.
    pub fn ring_advanced(p: u8) -> WPred {
        WPred::cmp(
            Operand::Word(word::RING_PRODUCED),
            Rel::Ne,
            Operand::Param(p),
        )
    }
    /// "My deadline has passed".
    pub fn deadline_passed() -> WPred {
        WPred::cmp(Operand::Now, Rel::Ge, Operand::Word(word::DEADLINE))
    }
    fn nodes(&self) -> usize {
        match self {
            WPred::True | WPred::Cmp(..) => 1,
            WPred::And(a, b) | WPred::Or(a, b) => 1 + a.nodes() + b.nodes(),
            WPred::Not(a) => 1 + a.nodes(),
        }
    }
    fn operands(&self, out: &mut Vec<Operand>) {
        match self {
            WPred::True => {}
            WPred::Cmp(a, _, b) => out.extend([*a, *b]),
            WPred::And(a, b) | WPred::Or(a, b) => {
                a.operands(out);
                b.operands(out);
            }
            WPred::Not(a) => a.operands(out),
        }
    }
}

/// Why a predicate was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WakeError {
    TooLarge {
        nodes: usize,
        limit: usize,
    },
    /// A read outside the caller's window (which in the shared memory may be another
    /// environment's words).
    OutsideWindow {
        word: u32,
        window: u32,
    },
    BadParam {
        index: u8,
    },
}

impl fmt::Display for WakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WakeError::TooLarge { nodes, limit } => {
                write!(f, "predicate has {nodes} nodes, limit {limit}")
            }
            WakeError::OutsideWindow { word, window } => write!(
                f,
                "predicate reads word {word}, outside the caller's {window}-word window"
            ),
            WakeError::BadParam { index } => {
                write!(f, "predicate reads parameter {index}, limit {MAX_PARAMS}")
            }
        }
    }
}

impl std::error::Error for WakeError {}

/// Checks a predicate before compiling it: size, and every read inside `window` words.
pub fn verify(p: &WPred, window: u32) -> Result<(), WakeError> {
    let nodes = p.nodes();
    if nodes > MAX_NODES {
        return Err(WakeError::TooLarge {
            nodes,
            limit: MAX_NODES,
        });
    }
    let mut ops = Vec::new();
    p.operands(&mut ops);
    for op in ops {
        match op {
            Operand::Word(w) if w >= window => {
                return Err(WakeError::OutsideWindow { word: w, window })
            }
            Operand::Param(i) if i as usize >= MAX_PARAMS => {
                return Err(WakeError::BadParam { index: i })
            }
            _ => {}
        }
    }
    Ok(())
}

/// What a compiled predicate reads: the caller's window, its parameters, the clock.
pub struct Ctx<'a> {
    pub window: &'a [u64],
    pub params: &'a [u64; MAX_PARAMS],
    pub now: u64,
}

type Eval = Box<dyn Fn(&Ctx) -> bool + Send + Sync>;
type EvalOp = Box<dyn Fn(&Ctx) -> u64 + Send + Sync>;

/// A verified predicate compiled to closures; shareable between environments of one shape
/// because words are addressed relative to the caller's window.
#[derive(Clone)]
pub struct Compiled {
    f: Arc<dyn Fn(&Ctx) -> bool + Send + Sync>,
    /// The commonest shape, "word != param" (ring advanced), evaluated without a call.
    word_ne_param: Option<(u32, u8)>,
    window: u32,
    uses_now: bool,
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Compiled(window {})", self.window)
    }
}

impl Compiled {
    /// Does the predicate read the clock? (If not, the run loop need not read it either.)
    pub fn uses_now(&self) -> bool {
        self.uses_now
    }

    /// Is this the same compiled code (re-arming it needs no new closure)?
    pub fn same_code(&self, other: &Compiled) -> bool {
        Arc::ptr_eq(&self.f, &other.f)
    }

    /// Evaluates the predicate. `ctx.window` must be at least the verified window long (the
    /// shim guarantees it; a shorter slice reads as false rather than panicking).
    #[inline]
    pub fn eval(&self, ctx: &Ctx) -> bool {
        if ctx.window.len() < self.window as usize {
            return false;
        }
        match self.word_ne_param {
            Some((w, i)) => ctx.window[w as usize] != ctx.params[i as usize],
            None => (self.f)(ctx),
        }
    }
}

/// Verifies and compiles a predicate for a caller whose window has `window` words.
pub fn compile(p: &WPred, window: u32) -> Result<Compiled, WakeError> {
    verify(p, window)?;
    let mut ops = Vec::new();
    p.operands(&mut ops);
    let word_ne_param = match p {
        WPred::Cmp(Operand::Word(w), Rel::Ne, Operand::Param(i)) => Some((*w, *i)),
        _ => None,
    };
    Ok(Compiled {
        f: Arc::from(pred(p)),
        word_ne_param,
        window,
        uses_now: ops.contains(&Operand::Now),
    })
}

fn op(o: Operand) -> EvalOp {
    // Indices were verified against the window, and `Compiled::eval` checks the slice length,
    // so the unchecked-looking indexing here cannot go out of bounds.
    match o {
        Operand::Word(w) => Box::new(move |c: &Ctx| c.window[w as usize]),
        Operand::Param(i) => Box::new(move |c: &Ctx| c.params[i as usize]),
        Operand::Const(k) => Box::new(move |_: &Ctx| k),
        Operand::Now => Box::new(|c: &Ctx| c.now),
    }
}

fn pred(p: &WPred) -> Eval {
    match p {
        WPred::True => Box::new(|_: &Ctx| true),
        // The commonest shape, "word != param", gets a closure without inner calls.
        WPred::Cmp(Operand::Word(w), Rel::Ne, Operand::Param(i)) => {
            let (w, i) = (*w as usize, *i as usize);
            Box::new(move |c: &Ctx| c.window[w] != c.params[i])
        }
        WPred::Cmp(a, rel, b) => {
            let (a, b, rel) = (op(*a), op(*b), *rel);
            Box::new(move |c: &Ctx| rel.holds64(a(c), b(c)))
        }
        WPred::And(a, b) => {
            let (a, b) = (pred(a), pred(b));
            Box::new(move |c: &Ctx| a(c) && b(c))
        }
        WPred::Or(a, b) => {
            let (a, b) = (pred(a), pred(b));
            Box::new(move |c: &Ctx| a(c) || b(c))
        }
        WPred::Not(a) => {
            let a = pred(a);
            Box::new(move |c: &Ctx| !a(c))
        }
    }
}

/// 64-bit comparison with dpf's relations.
trait Holds64 {
    fn holds64(self, a: u64, b: u64) -> bool;
}

impl Holds64 for Rel {
    #[inline]
    fn holds64(self, a: u64, b: u64) -> bool {
        match self {
            Rel::Eq => a == b,
            Rel::Ne => a != b,
            Rel::Lt => a < b,
            Rel::Le => a <= b,
            Rel::Gt => a > b,
            Rel::Ge => a >= b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(w: &'a [u64], p: &'a [u64; MAX_PARAMS], now: u64) -> Ctx<'a> {
        Ctx {
            window: w,
            params: p,
            now,
        }
    }

    #[test]
    fn ring_predicate_rearmed_by_parameter() {
        let c = compile(&WPred::ring_advanced(0), 8).unwrap();
        let mut w = [0u64; 8];
        let mut p = [0u64; MAX_PARAMS];
        assert!(!c.eval(&ctx(&w, &p, 0)));
        w[0] = 1;
        assert!(c.eval(&ctx(&w, &p, 0)));
        p[0] = 1; // re-armed: seen up to 1
        assert!(!c.eval(&ctx(&w, &p, 0)));
    }

    #[test]
    fn deadline_or_ring() {
        let c = compile(
            &WPred::or(WPred::ring_advanced(0), WPred::deadline_passed()),
            8,
        )
        .unwrap();
        let mut w = [0u64; 8];
        w[word::DEADLINE as usize] = 100;
        let p = [0u64; MAX_PARAMS];
        assert!(!c.eval(&ctx(&w, &p, 99)));
        assert!(c.eval(&ctx(&w, &p, 100)));
    }

    #[test]
    fn reads_outside_the_window_are_refused() {
        let p = WPred::cmp(Operand::Word(8), Rel::Ne, Operand::Const(0));
        assert_eq!(
            compile(&p, 8).unwrap_err(),
            WakeError::OutsideWindow { word: 8, window: 8 }
        );
        let p = WPred::cmp(Operand::Param(9), Rel::Ne, Operand::Const(0));
        assert_eq!(verify(&p, 8).unwrap_err(), WakeError::BadParam { index: 9 });
    }

    #[test]
    fn oversized_predicates_are_refused() {
        let mut p = WPred::True;
        for _ in 0..MAX_NODES {
            p = WPred::and(p, WPred::True);
        }
        assert!(matches!(verify(&p, 8), Err(WakeError::TooLarge { .. })));
    }

    #[test]
    fn short_window_reads_false_not_panic() {
        let c = compile(&WPred::cmp(Operand::Word(5), Rel::Eq, Operand::Const(0)), 8).unwrap();
        let p = [0u64; MAX_PARAMS];
        assert!(!c.eval(&ctx(&[0u64; 2], &p, 0)));
    }
}
