//! The compiled form of a module: functions whose clauses hold patterns and expressions with
//! variables resolved to frame slots, calls resolved to local indices, BIFs or remote names.
//! `lower.rs` turns each function into register bytecode (`bytecode.rs`), run by `exec.rs`;
//! subtrees not lowered yet are run by the tree evaluator (`interp.rs`).

use crate::atom::Atom;
use crate::bifs::BifFn;
use crate::lexer::Pos;
use crate::term::Term;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op2 {
    Add,
    Sub,
    Mul,
    FDiv,
    IDiv,
    Rem,
    Band,
    Bor,
    Bxor,
    Bsl,
    Bsr,
    Eq,
    Ne,
    ExactEq,
    ExactNe,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Xor,
    Append,
    Subtract,
    Send,
}

impl Op2 {
    /// The operator an Erlang binary operator token names (`andalso`/`orelse` are control
    /// flow, not operators: `None`, as for anything unknown).
    pub fn of_operator(op: &str) -> Option<Op2> {
        use Op2::*;
        Some(match op {
            "+" => Add,
            "-" => Sub,
            "*" => Mul,
            "/" => FDiv,
            "div" => IDiv,
            "rem" => Rem,
            "band" => Band,
            "bor" => Bor,
            "bxor" => Bxor,
            "bsl" => Bsl,
            "bsr" => Bsr,
            "==" => Eq,
            "/=" => Ne,
            "=:=" => ExactEq,
            "=/=" => ExactNe,
            "<" => Lt,
            "=<" => Le,
            ">" => Gt,
            ">=" => Ge,
            "and" => And,
            "or" => Or,
            "xor" => Xor,
            "++" => Append,
            "--" => Subtract,
            "!" => Send,
            _ => return None,
        })
    }

    /// Arithmetic and comparison operators: those with a small-integer fast path.
    pub fn is_numeric(self) -> bool {
        use Op2::*;
        matches!(
            self,
            Add | Sub
                | Mul
                | IDiv
                | Rem
                | Band
                | Bor
                | Bxor
                | Bsl
                | Bsr
                | Eq
                | Ne
                | ExactEq
                | ExactNe
                | Lt
                | Le
                | Gt
                | Ge
        )
    }
}

/// Builds `a op b`, fusing the common shapes with a variable and a small integer.
pub fn mk_op2(op: Op2, a: E, b: E) -> E {
    if op.is_numeric() {
        match (&a, &b) {
            (E::Var(s), E::Lit(crate::term::Term::Int(k))) => return E::OpVarInt(op, *s, *k),
            (E::Var(x), E::Var(y)) => return E::OpVarVar(op, *x, *y),
            _ => {}
        }
    }
    E::Op2(op, Box::new(a), Box::new(b))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op1 {
    Neg,
    Plus,
    Bnot,
    Not,
}

pub enum E {
    Lit(Term),
    Var(u32),
    Tuple(Vec<E>),
    /// `[H1, H2, ... | T]`: the heads in order and the tail, flat (a long list literal would
    /// otherwise nest as deep as it is long, in evaluation and in drop).
    Cons(Vec<E>, Box<E>),
    Bin(Vec<BinSeg<E>>),
    Op2(Op2, Box<E>, Box<E>),
    /// `Var op Integer` for arithmetic and comparisons (`N - 1`, `N > 0`): one node instead
    /// of three, with a small-integer fast path.
    OpVarInt(Op2, u32, i64),
    /// `Var op Var` for arithmetic and comparisons.
    OpVarVar(Op2, u32, u32),
    Op1(Op1, Box<E>),
    AndAlso(Box<E>, Box<E>),
    OrElse(Box<E>, Box<E>),
    Match(Box<Pat>, Box<E>),
    CallLocal(usize, Vec<E>, bool),
    CallRemote(Atom, Atom, Vec<E>, bool),
    CallBif(BifFn, Atom, Atom, Vec<E>),
    CallDyn(Box<E>, Box<E>, Vec<E>, bool),
    Apply(Box<E>, Vec<E>, bool),
    Case(Box<E>, Vec<CClause>),
    If(Vec<CClause>),
    Receive(Vec<CClause>, Option<(Box<E>, Vec<E>)>),
    Try(Vec<E>, Vec<CClause>, Vec<CClause>, Vec<E>),
    Catch(Box<E>),
    Block(Vec<E>),
    MakeFun(usize, Vec<u32>),
    FunRef(Box<E>, Box<E>, Box<E>),
    ListComp(Box<E>, Vec<CQual>),
    BinComp(Box<E>, Vec<CQual>),
    MapNew(Vec<(E, E)>),
    MapUpdate(Box<E>, Vec<(E, bool, E)>),
    RecField(Box<E>, Atom, usize, usize),
    RecUpdate(Box<E>, Atom, usize, Vec<(usize, E)>),
    /// Position marker for error reports (line of the enclosing call).
    At(Pos, Box<E>),
}

pub enum CQual {
    Gen(Pat, E),
    BinGen(Pat, E),
    Filter(E),
    /// A filter that is a guard expression: an exception makes it false, as in OTP.
    GuardFilter(E),
}

pub enum Pat {
    Any,
    Bind(u32),
    Check(u32),
    Lit(Term),
    Tuple(Vec<Pat>),
    Cons(Box<Pat>, Box<Pat>),
    Nil,
    Bin(Vec<BinSeg<Pat>>),
    Map(Vec<(E, Pat)>),
    Alias(Box<Pat>, Box<Pat>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegType {
    Integer,
    Float,
    Binary,
    Bits,
    Utf8,
    Utf16,
    Utf32,
}

pub struct BinSeg<V> {
    pub value: V,
    pub size: Option<E>,
    pub ty: SegType,
    pub unit: u32,
    pub signed: bool,
    pub little: bool,
}

pub struct CClause {
    pub pats: Vec<Pat>,
    /// Disjunction of conjunctions; empty means "always".
    pub guard: Vec<Vec<E>>,
    pub body: Vec<E>,
}

pub struct FunDef {
    pub name: Atom,
    pub arity: usize,
    /// Slots that receive a closure's captured values, in environment order.
    pub env_slots: Vec<u32>,
    pub n_slots: usize,
    pub clauses: Vec<CClause>,
    /// For named funs: the slot that holds the fun itself.
    pub self_slot: Option<u32>,
    pub line: u32,
    /// The register bytecode the clauses were lowered to (`lower.rs`); the clauses are
    /// empty once lowered.
    pub code: crate::bytecode::Code,
    /// Native code, once the function is hot (`jit.rs`).
    pub jit: crate::jit::JitSlot,
}

pub struct Module {
    pub name: Atom,
    pub funs: Vec<FunDef>,
    pub exports: HashMap<(Atom, usize), usize>,
    pub file: String,
    /// Its functions' native code, once some are hot (`jit.rs`); freed with the module.
    pub jit: crate::jit::ModuleCode,
}

thread_local! {
    /// Counts changes to any module table on this thread (a module added or replaced, a
    /// native registered, a runtime created): remote call sites' inline caches (`bytecode::CallCache`) are valid
    /// only for the epoch they were filled in.
    static MODULES_EPOCH: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The current module-table epoch of this thread.
#[inline]
pub fn modules_epoch() -> u64 {
    MODULES_EPOCH.with(|e| e.get())
}

/// Where this thread's module-table epoch is kept (native code reads it: `jit::SiteCache`).
pub fn modules_epoch_ptr() -> *const u64 {
    MODULES_EPOCH.with(|e| e.as_ptr() as *const u64)
}

/// Invalidates every call site's cached target: a module table changed.
pub fn modules_changed() {
    MODULES_EPOCH.with(|e| e.set(e.get() + 1));
}
