//! The register bytecode: what `lower.rs` makes of a function and what `exec.rs` runs.
//!
//! Registers are numbered from the base of the running function's frame: `0..arity` are the
//! arguments, then the function's variable slots (as `compile.rs` numbered them), then
//! temporaries, used as a stack while an expression is evaluated. A call puts its arguments in
//! consecutive temporaries at the top of the frame and the callee's frame starts there (a
//! register window, as in Lua), so passing arguments moves nothing. Tests jump to a fail label
//! when they do not hold; clause selection is such tests plus `switch` (see `dispatch.rs`).
//! Every instruction is listed, with its meaning, in `docs/vm.md`.

use crate::atom::Atom;
use crate::bifs::BifFn;
use crate::code::{Op1, Op2, Pat, SegType, E};
use crate::dispatch::{SelectTable, Step, SwitchTable};
use crate::term::Term;
use std::fmt::Write;

pub type Reg = u32;

/// One segment of a binary being built: where its value and size were computed.
pub struct BuildSeg {
    pub value: Reg,
    pub size: Option<Reg>,
    pub ty: SegType,
    pub unit: u32,
    pub little: bool,
}
pub type Label = u32;

/// The type tests `is_type` makes in place (guard BIFs `is_integer/1`, `is_tuple/1`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeTest {
    Integer,
    Float,
    Number,
    Atom,
    Boolean,
    Tuple,
    List,
    Binary,
    Bitstring,
    Map,
    Function,
    Pid,
    Reference,
}

impl TypeTest {
    /// The test a guard BIF `erlang:NAME/1` makes, if it is one of these.
    pub fn of_bif(name: &str) -> Option<TypeTest> {
        Some(match name {
            "is_integer" => TypeTest::Integer,
            "is_float" => TypeTest::Float,
            "is_number" => TypeTest::Number,
            "is_atom" => TypeTest::Atom,
            "is_boolean" => TypeTest::Boolean,
            "is_tuple" => TypeTest::Tuple,
            "is_list" => TypeTest::List,
            "is_binary" => TypeTest::Binary,
            "is_bitstring" => TypeTest::Bitstring,
            "is_map" => TypeTest::Map,
            "is_function" => TypeTest::Function,
            "is_pid" => TypeTest::Pid,
            "is_reference" => TypeTest::Reference,
            _ => return None,
        })
    }

    #[inline]
    pub fn holds(self, t: &Term) -> bool {
        match self {
            TypeTest::Integer => matches!(t, Term::Int(_) | Term::Big(_)),
            TypeTest::Float => matches!(t, Term::Float(_)),
            TypeTest::Number => matches!(t, Term::Int(_) | Term::Big(_) | Term::Float(_)),
            TypeTest::Atom => matches!(t, Term::Atom(_)),
            TypeTest::Boolean => {
                matches!(t, Term::Atom(a) if *a == crate::atom::TRUE || *a == crate::atom::FALSE)
            }
            TypeTest::Tuple => matches!(t, Term::Tuple(_)),
            TypeTest::List => matches!(t, Term::Cons(_) | Term::Nil),
            TypeTest::Binary => matches!(t, Term::Bin(b) if b.is_binary()),
            TypeTest::Bitstring => matches!(t, Term::Bin(_)),
            TypeTest::Map => matches!(t, Term::Map(_)),
            TypeTest::Function => matches!(t, Term::Fun(_)),
            TypeTest::Pid => matches!(t, Term::Pid(_)),
            TypeTest::Reference => matches!(t, Term::Ref(_)),
        }
    }
}

/// The BIFs `run_fast` (`exec.rs`) computes in place: `self/0`, and `element/2` and
/// `tuple_size/1` on arguments that make them succeed. Other arguments call the BIF itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FastBif {
    No,
    SelfPid,
    Element,
    TupleSize,
}

impl FastBif {
    /// The kind of `erlang:NAME/ARITY` (`No` for any other BIF).
    pub fn of(module: Atom, name: &str, arity: usize) -> FastBif {
        if module != crate::atom::ERLANG {
            return FastBif::No;
        }
        match (name, arity) {
            ("self", 0) => FastBif::SelfPid,
            ("element", 2) => FastBif::Element,
            ("tuple_size", 1) => FastBif::TupleSize,
            _ => FastBif::No,
        }
    }
}

pub enum Instr {
    // ---- moves and construction ----
    Move {
        dst: Reg,
        src: Reg,
    },
    /// `move` from a register no path reads again (`lower.rs`, `take_dead_moves`): the
    /// value moves and `src` is left `[]`, so no reference is counted and released.
    Take {
        dst: Reg,
        src: Reg,
    },
    Lit {
        dst: Reg,
        val: Term,
    },
    Tuple {
        dst: Reg,
        start: Reg,
        n: u32,
    },
    Cons {
        dst: Reg,
        head: Reg,
        tail: Reg,
    },
    /// `cons` of two registers no path reads again (`lower.rs`, `take_dead_moves`): both
    /// values move into the cell and the registers are left `[]`.
    ConsTake {
        dst: Reg,
        head: Reg,
        tail: Reg,
    },
    MapNew {
        dst: Reg,
        start: Reg,
        n: u32,
    },
    MapUpdate {
        dst: Reg,
        base: Reg,
        start: Reg,
        exact: Box<[bool]>,
    },
    MakeFun {
        dst: Reg,
        fun: u32,
        caps: Box<[Reg]>,
    },
    /// `<<...>>` from segments whose values and sizes are already in registers (`badarg`
    /// when one does not fit its type).
    BsBuild {
        dst: Reg,
        segs: Box<[BuildSeg]>,
    },
    /// `fun M:F/A` from three registers (`badarg` unless two atoms and an arity 0..255).
    MakeExtFun {
        dst: Reg,
        m: Reg,
        f: Reg,
        a: Reg,
    },
    /// A copy of the tuple in `base` with element `idx[k]` (0-based) set to register
    /// `start + k`: a record update, after its tag and size were tested.
    SetElems {
        dst: Reg,
        base: Reg,
        start: Reg,
        idx: Box<[u32]>,
    },
    // ---- arithmetic, comparison, BIFs (exceptions propagate) ----
    Op {
        op: Op2,
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    OpInt {
        op: Op2,
        dst: Reg,
        a: Reg,
        k: i64,
    },
    Op1 {
        op: Op1,
        dst: Reg,
        a: Reg,
    },
    Bif {
        f: BifFn,
        dst: Reg,
        args: Box<[Reg]>,
        /// Which BIF this is, when `run_fast` computes it in place for arguments that make
        /// it succeed (else the BIF is called, and raises as it does).
        fast: FastBif,
    },
    // ---- calls ----
    Call {
        fun: u32,
        base: Reg,
        dst: Reg,
    },
    TailCall {
        fun: u32,
        base: Reg,
        n: u32,
    },
    CallExt {
        m: Atom,
        f: Atom,
        base: Reg,
        n: u32,
        dst: Reg,
        tail: bool,
        /// The BIF of that name, resolved when lowering (natives still come first).
        bif: Option<BifFn>,
    },
    CallDyn {
        m: Reg,
        f: Reg,
        base: Reg,
        n: u32,
        dst: Reg,
        tail: bool,
    },
    Apply {
        fun: Reg,
        base: Reg,
        n: u32,
        dst: Reg,
        tail: bool,
    },
    Return {
        src: Reg,
    },
    /// `return` of a constant (a clause whose body is a literal).
    ReturnLit {
        val: Term,
    },
    /// `op` then `return` of its value (a body ending in `A + B`).
    ReturnOp {
        op: Op2,
        a: Reg,
        b: Reg,
    },
    /// `op` with a small-integer constant, then `return`.
    ReturnOpInt {
        op: Op2,
        a: Reg,
        k: i64,
    },
    // ---- control and tests ----
    Jump {
        to: Label,
    },
    IsInt {
        a: Reg,
        k: i64,
        fail: Label,
    },
    IsAtom {
        a: Reg,
        atom: Atom,
        fail: Label,
    },
    IsLit {
        a: Reg,
        val: Term,
        fail: Label,
    },
    IsEq {
        a: Reg,
        b: Reg,
        fail: Label,
    },
    IsNil {
        a: Reg,
        fail: Label,
    },
    GetList {
        a: Reg,
        head: Reg,
        tail: Reg,
        fail: Label,
    },
    GetHd {
        a: Reg,
        dst: Reg,
        fail: Label,
    },
    GetTl {
        a: Reg,
        dst: Reg,
        fail: Label,
    },
    GetTlN {
        a: Reg,
        n: u32,
        dst: Reg,
        fail: Label,
    },
    HdIsInt {
        a: Reg,
        k: i64,
        fail: Label,
    },
    HdIsAtom {
        a: Reg,
        atom: Atom,
        fail: Label,
    },
    IsTuple {
        a: Reg,
        n: u32,
        fail: Label,
    },
    IsMap {
        a: Reg,
        fail: Label,
    },
    /// `is_integer(R)`, `is_tuple(R)`... as a guard test, read in place.
    IsType {
        a: Reg,
        ty: TypeTest,
        fail: Label,
    },
    /// Starts matching a binary: `a` (a bitstring) into `bin`, offset 0 into `off`.
    BsStart {
        a: Reg,
        bin: Reg,
        off: Reg,
        fail: Label,
    },
    /// Reads the segment at `off` into `dst` and advances `off`.
    BsGet {
        bin: Reg,
        off: Reg,
        size: Option<Reg>,
        ty: SegType,
        unit: u32,
        signed: bool,
        little: bool,
        /// The pattern's last segment (a `binary` segment without size takes the rest).
        last: bool,
        dst: Reg,
        fail: Label,
    },
    /// Every bit was matched.
    BsEnd {
        bin: Reg,
        off: Reg,
        fail: Label,
    },
    /// `r` (a map) has key `key`: its value into `dst`.
    GetMapElem {
        a: Reg,
        key: Reg,
        dst: Reg,
        fail: Label,
    },
    GetElem {
        a: Reg,
        i: u32,
        dst: Reg,
    },
    Cmp {
        op: Op2,
        a: Reg,
        b: Reg,
        fail: Label,
    },
    CmpInt {
        op: Op2,
        a: Reg,
        k: i64,
        fail: Label,
    },
    BifTest {
        f: BifFn,
        args: Box<[Reg]>,
        fail: Label,
    },
    GuardOp {
        op: Op2,
        dst: Reg,
        a: Reg,
        b: Reg,
        fail: Label,
    },
    GuardBif {
        f: BifFn,
        dst: Reg,
        args: Box<[Reg]>,
        fail: Label,
    },
    Switch {
        a: Reg,
        table: Box<SwitchTable>,
    },
    /// Jump to the first clause compatible with the keys of several sub-terms at once (list
    /// heads, tails, tuple elements of the clause columns), read in place.
    Select {
        table: Box<SelectTable>,
    },
    // ---- errors ----
    Badmatch {
        a: Reg,
    },
    Badrecord {
        a: Reg,
    },
    BadBool {
        a: Reg,
    },
    CaseClause {
        a: Reg,
    },
    IfClause,
    FunctionClause,
    // ---- exception handlers (`try`, `catch`) on the loop's own handler stack ----
    /// Pushes a handler: an exception raised until the matching `TryEnd` (in this frame or
    /// any frame it calls) unwinds to `handler` with its class, reason and stack trace in
    /// `class`, `reason`, `stack`. An `after` handler also catches a dying process's exit.
    TryEnter {
        handler: Label,
        class: Reg,
        reason: Reg,
        stack: Reg,
        after: bool,
    },
    /// Pops the innermost handler (the protected code finished normally).
    TryEnd,
    /// Raises again an exception a handler caught, with its stack trace.
    Reraise {
        class: Reg,
        reason: Reg,
        stack: Reg,
    },
    /// `catch Expr`'s value for a caught exception: the thrown term, `{'EXIT', Reason}` or
    /// `{'EXIT', {Reason, Stack}}`.
    CatchValue {
        class: Reg,
        reason: Reg,
        stack: Reg,
        dst: Reg,
    },
    TryClause {
        a: Reg,
    },
    /// Raise `{bad_generator, r}` (a comprehension's list generator ended in a non-list).
    BadGenerator {
        a: Reg,
    },
    /// Raise `{bad_filter, r}` (a comprehension's filter gave a non-boolean).
    BadFilter {
        a: Reg,
    },
    // ---- receive: a scan of the mailbox with a cursor register ----
    /// `after T`: the deadline (now + T ms) into `dst`, `[]` for `infinity`; raises
    /// `timeout_value` for anything else.
    RecvTimeout {
        t: Reg,
        dst: Reg,
    },
    /// Delivers a pending kill, then moves newly arrived messages into the mailbox.
    RecvPoll,
    /// The message at index `cursor` into `dst`, or jump to `empty` past the last one.
    LoopRec {
        cursor: Reg,
        dst: Reg,
        empty: Label,
    },
    /// No clause matched the message at `cursor`: advance and jump to the `loop_rec`.
    LoopRecNext {
        cursor: Reg,
        to: Label,
    },
    /// A clause matched: take the message at `cursor` out of the mailbox.
    RemoveMessage {
        cursor: Reg,
    },
    /// Every message was scanned: past the deadline jump to `timeout`, else wait for a
    /// message (or the deadline) and jump to `poll`.
    Wait {
        deadline: Option<Reg>,
        poll: Label,
        timeout: Label,
    },
    // ---- escapes to the tree evaluator (`interp.rs`) on the same frame ----
    MatchEsc {
        pat: u32,
        a: Reg,
        fail: Label,
    },
    GuardEsc {
        e: u32,
        fail: Label,
    },
    Esc {
        e: u32,
        dst: Reg,
    },
    EscTail {
        e: u32,
    },
}

/// A function's bytecode, with the subtrees its escape instructions hand to the evaluator.
#[derive(Default)]
pub struct Code {
    pub instrs: Vec<Instr>,
    pub escapes: Vec<E>,
    pub pats: Vec<Pat>,
    /// Registers the frame needs: slots plus the deepest temporary.
    pub frame: u32,
}

fn regs(rs: &[Reg]) -> String {
    let v: Vec<String> = rs.iter().map(|r| format!("r{r}")).collect();
    v.join(", ")
}

/// A switch key as a reader of Erlang expects it: `ok`, `7`, `{2,ok}` (a 2-tuple tagged `ok`),
/// `{3}`, `[]`, `[_|_]`, `<<>>`, `#{}`.
fn key_name(k: &crate::dispatch::Key) -> String {
    use crate::dispatch::Key;
    match k {
        Key::Atom(a) => a.name().to_string(),
        Key::Int(i) => i.to_string(),
        Key::Tuple(n, Some(tag)) => format!("{{{n},{}}}", tag.name()),
        Key::Tuple(n, None) => format!("{{{n}}}"),
        Key::Nil => "[]".to_string(),
        Key::Cons => "[_|_]".to_string(),
        Key::Bin => "<<>>".to_string(),
        Key::Map => "#{}".to_string(),
    }
}

/// A sub-term path as `.hd.tl.2` (elements 1-based, as `element/2` counts).
fn path_name(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s {
            Step::Hd => ".hd".to_string(),
            Step::Tl => ".tl".to_string(),
            Step::Elem(i) => format!(".{}", i + 1),
        })
        .collect()
}

fn bif_name(f: BifFn) -> String {
    crate::bifs::name_of(f).unwrap_or_else(|| "?".to_string())
}

impl Instr {
    /// Whether control never falls through to the next instruction.
    pub fn ends_block(&self) -> bool {
        match self {
            Instr::Return { .. }
            | Instr::ReturnLit { .. }
            | Instr::ReturnOp { .. }
            | Instr::ReturnOpInt { .. }
            | Instr::TailCall { .. }
            | Instr::Jump { .. }
            | Instr::Switch { .. }
            | Instr::Select { .. }
            | Instr::LoopRecNext { .. }
            | Instr::Wait { .. }
            | Instr::EscTail { .. }
            | Instr::Badmatch { .. }
            | Instr::Badrecord { .. }
            | Instr::BadBool { .. }
            | Instr::CaseClause { .. }
            | Instr::IfClause
            | Instr::FunctionClause
            | Instr::TryClause { .. }
            | Instr::Reraise { .. }
            | Instr::BadGenerator { .. }
            | Instr::BadFilter { .. } => true,
            Instr::CallExt { tail, .. }
            | Instr::CallDyn { tail, .. }
            | Instr::Apply { tail, .. } => *tail,
            _ => false,
        }
    }

    /// The highest register the instruction reads or writes (0 if none): the frame is sized
    /// to cover every one, which lets the interpreter index registers without bounds checks.
    pub fn max_reg(&self) -> Reg {
        let m = |rs: &[Reg]| rs.iter().copied().max().unwrap_or(0);
        match self {
            Instr::Move { dst, src } | Instr::Take { dst, src } => (*dst).max(*src),
            Instr::Lit { dst, .. } => *dst,
            Instr::Tuple { dst, start, n } => (*dst).max(start + n.saturating_sub(1)),
            Instr::Cons { dst, head, tail } | Instr::ConsTake { dst, head, tail } => {
                m(&[*dst, *head, *tail])
            }
            Instr::MakeFun { dst, caps, .. } => (*dst).max(m(caps)),
            Instr::MakeExtFun { dst, m: a, f, a: b } => m(&[*dst, *a, *f, *b]),
            Instr::BsBuild { dst, segs } => segs
                .iter()
                .map(|s| s.value.max(s.size.unwrap_or(0)))
                .max()
                .unwrap_or(0)
                .max(*dst),
            Instr::SetElems {
                dst,
                base,
                start,
                idx,
            } => m(&[*dst, *base, start + (idx.len() as u32).saturating_sub(1)]),
            Instr::MapNew { dst, start, n } => (*dst).max(start + (2 * n).saturating_sub(1)),
            Instr::MapUpdate {
                dst,
                base,
                start,
                exact,
            } => m(&[
                *dst,
                *base,
                start + (2 * exact.len() as u32).saturating_sub(1),
            ]),
            Instr::Op { dst, a, b, .. } => m(&[*dst, *a, *b]),
            Instr::OpInt { dst, a, .. } | Instr::Op1 { dst, a, .. } => (*dst).max(*a),
            Instr::Bif { dst, args, .. } => (*dst).max(m(args)),
            Instr::Call { base, dst, .. } => (*dst).max(*base),
            Instr::TailCall { base, n, .. } => base + n.saturating_sub(1),
            Instr::CallExt { base, n, dst, .. } => (*dst).max(base + n.saturating_sub(1)),
            Instr::CallDyn {
                m: a,
                f,
                base,
                n,
                dst,
                ..
            } => m(&[*a, *f, *dst, base + n.saturating_sub(1)]),
            Instr::Apply {
                fun, base, n, dst, ..
            } => m(&[*fun, *dst, base + n.saturating_sub(1)]),
            Instr::Return { src } => *src,
            Instr::ReturnLit { .. } => 0,
            Instr::ReturnOp { a, b, .. } => (*a).max(*b),
            Instr::ReturnOpInt { a, .. } => *a,
            Instr::Jump { .. } | Instr::IfClause | Instr::FunctionClause | Instr::TryEnd => 0,
            Instr::Select { table } => table.probes.iter().map(|p| p.reg).max().unwrap_or(0),
            Instr::TryEnter {
                class,
                reason,
                stack,
                ..
            }
            | Instr::Reraise {
                class,
                reason,
                stack,
            } => m(&[*class, *reason, *stack]),
            Instr::CatchValue {
                class,
                reason,
                stack,
                dst,
            } => m(&[*class, *reason, *stack, *dst]),
            Instr::TryClause { a } | Instr::BadGenerator { a } | Instr::BadFilter { a } => *a,
            Instr::RecvTimeout { t, dst } => (*t).max(*dst),
            Instr::RecvPoll => 0,
            Instr::LoopRec { cursor, dst, .. } => (*cursor).max(*dst),
            Instr::LoopRecNext { cursor, .. } | Instr::RemoveMessage { cursor } => *cursor,
            Instr::Wait { deadline, .. } => deadline.unwrap_or(0),
            Instr::IsInt { a, .. }
            | Instr::IsAtom { a, .. }
            | Instr::IsLit { a, .. }
            | Instr::IsNil { a, .. }
            | Instr::IsTuple { a, .. }
            | Instr::CmpInt { a, .. }
            | Instr::Switch { a, .. }
            | Instr::Badmatch { a }
            | Instr::Badrecord { a }
            | Instr::BadBool { a }
            | Instr::CaseClause { a }
            | Instr::MatchEsc { a, .. } => *a,
            Instr::IsEq { a, b, .. } | Instr::Cmp { a, b, .. } => (*a).max(*b),
            Instr::GetList { a, head, tail, .. } => m(&[*a, *head, *tail]),
            Instr::GetElem { a, dst, .. }
            | Instr::GetHd { a, dst, .. }
            | Instr::GetTl { a, dst, .. }
            | Instr::GetTlN { a, dst, .. } => (*a).max(*dst),
            Instr::HdIsInt { a, .. }
            | Instr::HdIsAtom { a, .. }
            | Instr::IsMap { a, .. }
            | Instr::IsType { a, .. } => *a,
            Instr::GetMapElem { a, key, dst, .. } => m(&[*a, *key, *dst]),
            Instr::BsStart { a, bin, off, .. } => m(&[*a, *bin, *off]),
            Instr::BsGet {
                bin,
                off,
                size,
                dst,
                ..
            } => m(&[*bin, *off, size.unwrap_or(0), *dst]),
            Instr::BsEnd { bin, off, .. } => (*bin).max(*off),
            Instr::BifTest { args, .. } => m(args),
            Instr::GuardOp { dst, a, b, .. } => m(&[*dst, *a, *b]),
            Instr::GuardBif { dst, args, .. } => (*dst).max(m(args)),
            Instr::GuardEsc { .. } | Instr::EscTail { .. } => 0,
            Instr::Esc { dst, .. } => *dst,
        }
    }
}

impl Code {
    /// One instruction per line, `pc: name operands`, as `exo compile --emit bytecode` prints.
    pub fn listing(&self) -> String {
        let mut s = String::new();
        for (pc, i) in self.instrs.iter().enumerate() {
            let _ = write!(s, "{pc:4}: ");
            let _ = match i {
                Instr::Move { dst, src } => writeln!(s, "move r{src} -> r{dst}"),
                Instr::Take { dst, src } => writeln!(s, "take r{src} -> r{dst}"),
                Instr::Lit { dst, val } => writeln!(s, "lit {} -> r{dst}", short(val)),
                Instr::Tuple { dst, start, n } => {
                    writeln!(s, "tuple r{start}..+{n} -> r{dst}")
                }
                Instr::Cons { dst, head, tail } => writeln!(s, "cons r{head}, r{tail} -> r{dst}"),
                Instr::ConsTake { dst, head, tail } => {
                    writeln!(s, "cons_take r{head}, r{tail} -> r{dst}")
                }
                Instr::MapNew { dst, start, n } => {
                    writeln!(s, "map_new r{start}..+{n} pairs -> r{dst}")
                }
                Instr::MapUpdate {
                    dst,
                    base,
                    start,
                    exact,
                } => {
                    let ops: Vec<&str> =
                        exact.iter().map(|e| if *e { ":=" } else { "=>" }).collect();
                    writeln!(
                        s,
                        "map_update r{base} [{}] r{start}.. -> r{dst}",
                        ops.join(" ")
                    )
                }
                Instr::MakeFun { dst, fun, caps } => {
                    writeln!(s, "make_fun #{fun} [{}] -> r{dst}", regs(caps))
                }
                Instr::BsBuild { dst, segs } => {
                    let ss: Vec<String> = segs
                        .iter()
                        .map(|g| {
                            let size = g.size.map(|r| format!(":r{r}")).unwrap_or_default();
                            let e = if g.little { "-little" } else { "" };
                            format!("r{}{size}/{:?}-unit:{}{e}", g.value, g.ty, g.unit)
                        })
                        .collect();
                    writeln!(s, "bs_build <<{}>> -> r{dst}", ss.join(", "))
                }
                Instr::MakeExtFun { dst, m, f, a } => {
                    writeln!(s, "make_ext_fun r{m}:r{f}/r{a} -> r{dst}")
                }
                Instr::SetElems {
                    dst,
                    base,
                    start,
                    idx,
                } => {
                    let is: Vec<String> = idx.iter().map(|i| i.to_string()).collect();
                    writeln!(
                        s,
                        "set_elems r{base} [{}] r{start}.. -> r{dst}",
                        is.join(" ")
                    )
                }
                Instr::Op { op, dst, a, b } => writeln!(s, "op {op:?} r{a}, r{b} -> r{dst}"),
                Instr::OpInt { op, dst, a, k } => writeln!(s, "op {op:?} r{a}, {k} -> r{dst}"),
                Instr::Op1 { op, dst, a } => writeln!(s, "op1 {op:?} r{a} -> r{dst}"),
                Instr::Bif { f, dst, args, .. } => {
                    writeln!(s, "bif {} ({}) -> r{dst}", bif_name(*f), regs(args))
                }
                Instr::Call { fun, base, dst } => writeln!(s, "call #{fun} @r{base} -> r{dst}"),
                Instr::TailCall { fun, base, n } => writeln!(s, "tail_call #{fun} @r{base}/{n}"),
                Instr::CallExt {
                    m,
                    f,
                    base,
                    n,
                    dst,
                    tail,
                    ..
                } => {
                    if *tail {
                        writeln!(s, "tail_call_ext {}:{}/{n} @r{base}", m.name(), f.name())
                    } else {
                        writeln!(
                            s,
                            "call_ext {}:{}/{n} @r{base} -> r{dst}",
                            m.name(),
                            f.name()
                        )
                    }
                }
                Instr::CallDyn {
                    m,
                    f,
                    base,
                    n,
                    dst,
                    tail,
                } => {
                    let t = if *tail { "tail_" } else { "" };
                    writeln!(s, "{t}call_dyn r{m}:r{f}/{n} @r{base} -> r{dst}")
                }
                Instr::Apply {
                    fun,
                    base,
                    n,
                    dst,
                    tail,
                } => {
                    let t = if *tail { "tail_" } else { "" };
                    writeln!(s, "{t}apply r{fun}/{n} @r{base} -> r{dst}")
                }
                Instr::Return { src } => writeln!(s, "return r{src}"),
                Instr::ReturnLit { val } => writeln!(s, "return_lit {}", short(val)),
                Instr::ReturnOp { op, a, b } => writeln!(s, "return_op {op:?} r{a}, r{b}"),
                Instr::ReturnOpInt { op, a, k } => writeln!(s, "return_op {op:?} r{a}, {k}"),
                Instr::Jump { to } => writeln!(s, "jump {to}"),
                Instr::IsInt { a, k, fail } => writeln!(s, "is_int r{a}, {k} else {fail}"),
                Instr::IsAtom { a, atom, fail } => {
                    writeln!(s, "is_atom r{a}, {} else {fail}", atom.name())
                }
                Instr::IsLit { a, val, fail } => {
                    writeln!(s, "is_lit r{a}, {} else {fail}", short(val))
                }
                Instr::IsEq { a, b, fail } => writeln!(s, "is_eq_exact r{a}, r{b} else {fail}"),
                Instr::IsNil { a, fail } => writeln!(s, "is_nil r{a} else {fail}"),
                Instr::GetList {
                    a,
                    head,
                    tail,
                    fail,
                } => {
                    writeln!(s, "get_list r{a} -> r{head}, r{tail} else {fail}")
                }
                Instr::GetHd { a, dst, fail } => writeln!(s, "get_hd r{a} -> r{dst} else {fail}"),
                Instr::GetTl { a, dst, fail } => writeln!(s, "get_tl r{a} -> r{dst} else {fail}"),
                Instr::GetTlN { a, n, dst, fail } => {
                    writeln!(s, "get_tl_n r{a}, {n} -> r{dst} else {fail}")
                }
                Instr::HdIsInt { a, k, fail } => writeln!(s, "hd_is_int r{a}, {k} else {fail}"),
                Instr::HdIsAtom { a, atom, fail } => {
                    writeln!(s, "hd_is_atom r{a}, {} else {fail}", atom.name())
                }
                Instr::IsTuple { a, n, fail } => writeln!(s, "is_tuple r{a}/{n} else {fail}"),
                Instr::IsMap { a, fail } => writeln!(s, "is_map r{a} else {fail}"),
                Instr::IsType { a, ty, fail } => writeln!(s, "is_type r{a}, {ty:?} else {fail}"),
                Instr::BsStart { a, bin, off, fail } => {
                    writeln!(s, "bs_start r{a} -> r{bin}, r{off} else {fail}")
                }
                Instr::BsGet {
                    bin,
                    off,
                    size,
                    ty,
                    unit,
                    signed,
                    little,
                    dst,
                    fail,
                    ..
                } => {
                    let size = size.map(|r| format!(":r{r}")).unwrap_or_default();
                    let sg = if *signed { "-signed" } else { "" };
                    let e = if *little { "-little" } else { "" };
                    writeln!(
                        s,
                        "bs_get r{bin}@r{off}{size}/{ty:?}-unit:{unit}{sg}{e} -> r{dst} else {fail}"
                    )
                }
                Instr::BsEnd { bin, off, fail } => writeln!(s, "bs_end r{bin}@r{off} else {fail}"),
                Instr::GetMapElem { a, key, dst, fail } => {
                    writeln!(s, "get_map_elem r{a}, r{key} -> r{dst} else {fail}")
                }
                Instr::GetElem { a, i, dst } => writeln!(s, "get_elem r{a}[{i}] -> r{dst}"),
                Instr::Cmp { op, a, b, fail } => writeln!(s, "test {op:?} r{a}, r{b} else {fail}"),
                Instr::CmpInt { op, a, k, fail } => {
                    writeln!(s, "test {op:?} r{a}, {k} else {fail}")
                }
                Instr::BifTest { f, args, fail } => {
                    writeln!(s, "test_bif {} ({}) else {fail}", bif_name(*f), regs(args))
                }
                Instr::GuardOp {
                    op,
                    dst,
                    a,
                    b,
                    fail,
                } => {
                    writeln!(s, "guard_op {op:?} r{a}, r{b} -> r{dst} else {fail}")
                }
                Instr::GuardBif { f, dst, args, fail } => writeln!(
                    s,
                    "guard_bif {} ({}) -> r{dst} else {fail}",
                    bif_name(*f),
                    regs(args)
                ),
                Instr::Switch { a, table } => {
                    let mut ks: Vec<String> = table
                        .table
                        .iter()
                        .map(|(k, l)| format!("{}->{l}", key_name(k)))
                        .collect();
                    ks.sort();
                    writeln!(s, "switch r{a} [{}] else {}", ks.join(", "), table.default)
                }
                Instr::Select { table } => {
                    let ps: Vec<String> = table
                        .probes
                        .iter()
                        .map(|p| {
                            let ks: Vec<String> = p.names.iter().map(key_name).collect();
                            format!("r{}{} [{}]", p.reg, path_name(&p.steps), ks.join(" "))
                        })
                        .collect();
                    let ls: Vec<String> = table.leaf.iter().map(|l| l.to_string()).collect();
                    writeln!(s, "select {} -> [{}]", ps.join(", "), ls.join(" "))
                }
                Instr::Badmatch { a } => writeln!(s, "badmatch r{a}"),
                Instr::Badrecord { a } => writeln!(s, "badrecord r{a}"),
                Instr::BadBool { a } => writeln!(s, "bad_bool r{a}"),
                Instr::CaseClause { a } => writeln!(s, "case_clause r{a}"),
                Instr::IfClause => writeln!(s, "if_clause"),
                Instr::FunctionClause => writeln!(s, "function_clause"),
                Instr::TryEnter {
                    handler,
                    class,
                    reason,
                    stack,
                    after,
                } => {
                    let k = if *after { "try_after" } else { "try" };
                    writeln!(s, "{k} {handler} -> r{class}, r{reason}, r{stack}")
                }
                Instr::TryEnd => writeln!(s, "try_end"),
                Instr::Reraise {
                    class,
                    reason,
                    stack,
                } => writeln!(s, "reraise r{class}, r{reason}, r{stack}"),
                Instr::CatchValue {
                    class,
                    reason,
                    stack,
                    dst,
                } => writeln!(s, "catch_value r{class}, r{reason}, r{stack} -> r{dst}"),
                Instr::TryClause { a } => writeln!(s, "try_clause r{a}"),
                Instr::BadGenerator { a } => writeln!(s, "bad_generator r{a}"),
                Instr::BadFilter { a } => writeln!(s, "bad_filter r{a}"),
                Instr::RecvTimeout { t, dst } => writeln!(s, "recv_timeout r{t} -> r{dst}"),
                Instr::RecvPoll => writeln!(s, "recv_poll"),
                Instr::LoopRec { cursor, dst, empty } => {
                    writeln!(s, "loop_rec r{cursor} -> r{dst} else {empty}")
                }
                Instr::LoopRecNext { cursor, to } => writeln!(s, "loop_rec_next r{cursor}, {to}"),
                Instr::RemoveMessage { cursor } => writeln!(s, "remove_message r{cursor}"),
                Instr::Wait {
                    deadline,
                    poll,
                    timeout,
                } => match deadline {
                    Some(d) => writeln!(s, "wait r{d}, {poll} else {timeout}"),
                    None => writeln!(s, "wait infinity, {poll}"),
                },
                Instr::MatchEsc { pat, a, fail } => {
                    writeln!(s, "match_esc pat#{pat} r{a} else {fail}")
                }
                Instr::GuardEsc { e, fail } => {
                    writeln!(s, "guard_esc expr#{e} ({}) else {fail}", self.kind(*e))
                }
                Instr::Esc { e, dst } => writeln!(s, "esc expr#{e} ({}) -> r{dst}", self.kind(*e)),
                Instr::EscTail { e } => writeln!(s, "esc_tail expr#{e} ({})", self.kind(*e)),
            };
        }
        s
    }
}

impl Code {
    /// What kind of subtree escape `e` hands to the tree evaluator, for listings.
    fn kind(&self, e: u32) -> &'static str {
        let mut x = &self.escapes[e as usize];
        while let E::At(_, inner) = x {
            x = inner;
        }
        match x {
            E::Receive(..) => "receive",
            E::Try(..) => "try",
            E::Catch(_) => "catch",
            E::ListComp(..) => "list comprehension",
            E::BinComp(..) => "binary comprehension",
            E::Bin(_) => "binary",
            E::MapNew(_) => "map",
            E::MapUpdate(..) => "map update",
            E::RecUpdate(..) => "record update",
            E::FunRef(..) => "fun M:F/A",
            E::OrElse(..) | E::AndAlso(..) => "andalso/orelse",
            E::Op2(..) | E::OpVarInt(..) | E::OpVarVar(..) | E::Op1(..) => "operator",
            E::CallBif(..) => "bif",
            _ => "expression",
        }
    }
}

fn short(t: &Term) -> String {
    let mut s = crate::fmt::write_term(t);
    if s.len() > 40 {
        s.truncate(37);
        s.push_str("...");
    }
    s
}
