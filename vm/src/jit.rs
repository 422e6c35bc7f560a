//! Native code for hot Erlang functions, generated with Cranelift.
//!
//! The interpreter (`exec.rs`) counts the calls each function receives; a function called
//! `threshold()` times is compiled, together with every local function it calls, once all of
//! their instructions are ones this module translates (`supported`). The native code works on
//! the interpreter's own state, so either can take over from the other at any instruction:
//!
//! - **Registers.** A function's native code reads and writes the process's register file
//!   (`Proc::regs`) at its frame, exactly as the interpreter does, and leaves every register
//!   a valid `Term` after each instruction. It never grows the file (a call that would need
//!   more registers is handed back), so the frame's address stays fixed while it runs.
//! - **Calls.** A local call of another compiled function is a native call, with the callee's
//!   frame where the interpreter would put it; the callee returns its value in two machine
//!   registers. A tail call of the function itself is a jump; of another function, a native
//!   call whose value is returned (the native depth is bounded, see below).
//! - **Handing back ("bailing").** Whenever native code meets something it does not do (an
//!   operand that is not a small integer, an overflow, an instruction it does not translate,
//!   the 2048-reduction boundary, a register file too short for a call, the depth bound), it
//!   stores where it stands in `Ctx` (function, instruction, frame base) and returns `BAIL`.
//!   Each native caller on the way out records the frame the interpreter would have pushed
//!   for its call (`jit_push_frame`), so the interpreter rebuilds its call stack and runs that
//!   instruction itself. A return at native depth 0 (the function the interpreter entered)
//!   also bails: the interpreter pops its own frame.
//!
//! Terms are read by their layout: `Term` is `#[repr(u8)]`, so its tag is the first byte; the
//! payload of `Int`, `Float`, `Pid` and `Ref` is the second word, an atom's index the second
//! half of the first word (checked when the state is built, `Layout::probe`). Anything that
//! counts references (copying a boxed term, dropping one, building a cons) goes through a
//! small Rust helper (`jit_*` below).

use crate::bytecode::{Code, FastBif, Instr, TypeTest};
use crate::code::{FunDef, Module, Op2};
use crate::dispatch::{InlineKeys, InlineProbe, Key, SelectTable, SwitchTable};
use crate::interp::{Ctl, Proc};
use crate::term::{self, Term};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, AliasRegionData, Block, BlockArg, InstBuilder, JumpTableData, MemFlagsData,
    Signature, Value,
};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module as _};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// How deep native calls nest before the rest runs in the interpreter (its call stack is
/// explicit; a native frame takes ~100 bytes of the process's machine stack).
pub const MAX_DEPTH: u64 = 4096;

/// The first word a native function returns when it handed back (`Ctx` says where): an
/// impossible tag.
const BAIL: u64 = 0xff;

/// Per function: its native entry once compiled, and how often it was called.
#[derive(Default)]
pub struct JitSlot {
    entry: Cell<usize>,
    hits: Cell<u32>,
    /// 0: not tried; 1: compiled; 2: cannot be compiled.
    state: Cell<u8>,
    id: Cell<u32>,
    /// Every value its native code returns is an immediate (`analyze`).
    ret_imm: Cell<bool>,
}

impl JitSlot {
    /// The native entry, if the function was compiled.
    #[inline(always)]
    pub fn entry(&self) -> Option<JitFn> {
        let e = self.entry.get();
        if e == 0 {
            None
        } else {
            // SAFETY: only ever set to a function compiled with `JitFn`'s signature.
            Some(unsafe { std::mem::transmute::<usize, JitFn>(e) })
        }
    }

    /// Counts a call; true when it makes the function hot enough to compile now.
    #[inline(always)]
    pub fn hit(&self) -> bool {
        let h = self.hits.get().wrapping_add(1);
        self.hits.set(h);
        h == threshold()
    }
}

/// What native code shares with the interpreter while it runs (`#[repr(C)]`: the generated
/// code reads and writes these fields at fixed offsets).
#[repr(C)]
pub struct Ctx {
    pub regs: *mut Term,
    pub regs_len: u64,
    /// `regs + regs_len`: where the register file ends.
    pub regs_end: *mut Term,
    pub reductions: u64,
    pub bail_f: *const FunDef,
    pub bail_pc: u64,
    pub bail_bp: u64,
    /// The process and the running module, for the helpers that call BIFs.
    pub proc: *mut Proc,
    pub module: *const Rc<Module>,
    /// This thread's free cons cells (`cell_pool`).
    pub pool: *mut CellPool,
    /// The running process's pid (`self()`).
    pub pid: u64,
    /// The process's runtime (`Rc::as_ptr`), for `SiteCache`.
    pub rt: u64,
}

const CTX_REGS: i32 = 0;
const CTX_REGS_END: i32 = 16;
const CTX_REDUCTIONS: i32 = 24;
const CTX_BAIL_F: i32 = 32;
const CTX_BAIL_PC: i32 = 40;
const CTX_BAIL_BP: i32 = 48;
const CTX_POOL: i32 = 72;
const CTX_PID: i32 = 80;
const CTX_REGS_LEN: i32 = 8;
const CTX_RT: i32 = 88;

/// Free cons cells of this thread, for native code to allocate and free inline: each is an
/// allocation of `Rc<Cons>`'s layout (`cell_layout`), its first word linking to the next.
/// Cells native code allocates are ordinary `Rc`s to Rust (which frees them to the global
/// allocator); cells native code frees go here, up to `POOL_CAP` of them.
#[repr(C)]
pub struct CellPool {
    head: *mut usize,
    len: u64,
    /// This thread's module-table epoch (`code::modules_epoch`), for `SiteCache`.
    epoch: *const u64,
}

const POOL_HEAD: i32 = 0;
const POOL_LEN: i32 = 8;
const POOL_EPOCH: i32 = 16;
/// At most this many free cells are kept per thread (3 MiB).
const POOL_CAP: u64 = 1 << 16;

impl Drop for CellPool {
    fn drop(&mut self) {
        while !self.head.is_null() {
            let p = self.head;
            // SAFETY: every pooled cell is a live allocation of `cell_layout()` whose first
            // word links to the next (or is null).
            unsafe {
                self.head = *p as *mut usize;
                std::alloc::dealloc(p as *mut u8, cell_layout());
            }
        }
    }
}

/// The allocation `Rc::new(Cons)` makes: the two counts, then the cell.
fn cell_layout() -> std::alloc::Layout {
    let counts = std::alloc::Layout::new::<[usize; 2]>();
    match counts.extend(std::alloc::Layout::new::<term::Cons>()) {
        Ok((l, _)) => l.pad_to_align(),
        // Two words and 32 bytes: cannot overflow.
        Err(_) => counts,
    }
}

thread_local! {
    static POOL: std::cell::UnsafeCell<CellPool> = const {
        std::cell::UnsafeCell::new(CellPool {
            head: std::ptr::null_mut(),
            len: 0,
            epoch: std::ptr::null(),
        })
    };
}

/// This thread's cell pool, for `Ctx::pool`.
pub fn cell_pool() -> *mut CellPool {
    POOL.with(|p| {
        let p = p.get();
        // SAFETY: this thread's pool, not borrowed elsewhere while this runs.
        unsafe {
            if (*p).epoch.is_null() {
                (*p).epoch = crate::code::modules_epoch_ptr();
            }
        }
        p
    })
}

/// A frame a native caller leaves for the interpreter when its callee handed back: the
/// caller resumes at `pc` with the call's value going to `dst`.
pub struct BailFrame {
    pub f: *const FunDef,
    pub pc: usize,
    pub dst: u32,
    pub bp: usize,
}

#[repr(C)]
pub struct Words {
    pub w0: u64,
    pub w1: u64,
}

/// `f(ctx, fp, pc, depth)`: runs the function from instruction `pc` with its frame at `fp`
/// (`&regs[bp]`), `depth` native calls deep. The interpreter enters with depth 0 when it
/// cannot take a value returned (native code then hands every return back), or 1 when it
/// can (its caller's frame is the interpreter loop's own).
pub type JitFn = unsafe extern "C" fn(*mut Ctx, u64, u64, u64) -> Words;

impl Words {
    pub fn bailed(&self) -> bool {
        self.w0 as u8 == BAIL as u8
    }

    /// The term native code returned (not `bailed`): its two words, owned.
    ///
    /// # Safety
    /// `self` is a native function's value, not a hand-back.
    pub unsafe fn into_term(self) -> Term {
        // SAFETY: a value native code returns is a `Term`'s 16 bytes (`Layout::probe` checked
        // the size), its ownership passed to the caller.
        unsafe { std::mem::transmute::<[u64; 2], Term>([self.w0, self.w1]) }
    }
}

const OFF: u32 = u32::MAX;

thread_local! {
    /// This thread's threshold; 0 until read from the environment.
    static THRESHOLD: Cell<u32> = const { Cell::new(0) };
    /// Functions compiled on this thread.
    static COMPILED: Cell<usize> = const { Cell::new(0) };
}

/// The calls after which a function is compiled: `EXO_JIT` (`off`, or a number of calls;
/// default 200), unless `set_threshold` chose for this thread.
#[inline(always)]
pub fn threshold() -> u32 {
    let t = THRESHOLD.with(|t| t.get());
    if t != 0 {
        return t;
    }
    let t = match std::env::var("EXO_JIT").as_deref() {
        Ok("off") | Ok("0") => OFF,
        Ok(s) => s.parse().ok().filter(|n| *n > 0 && *n < OFF).unwrap_or(200),
        Err(_) => 200,
    };
    THRESHOLD.with(|c| c.set(t));
    t
}

/// Compiles functions on this thread after `calls` calls, or never (`None`). `Some(1)`
/// compiles every function at its first call, even one whose instructions native code
/// mostly hands back to the interpreter (to test the hand-backs); other thresholds only
/// functions made of `supported` instructions. Functions already compiled stay so.
pub fn set_threshold(calls: Option<u32>) {
    let t = calls.filter(|n| *n > 0 && *n < OFF).unwrap_or(OFF);
    THRESHOLD.with(|c| c.set(t));
}

/// Back to the threshold `EXO_JIT` sets (or the default) on this thread.
pub fn reset_threshold() {
    THRESHOLD.with(|c| c.set(0));
}

/// How many functions this thread compiled to native code.
pub fn compiled() -> usize {
    COMPILED.with(|c| c.get())
}

/// Whether native code is generated at all.
pub fn enabled() -> bool {
    threshold() != OFF
}

// ---------------------------------------------------------------- term layout

/// Where `Term`'s parts are, read off real values.
#[derive(Clone, Copy)]
struct Layout {
    int: u8,
    float: u8,
    atom: u8,
    nil: u8,
    pid: u8,
    refr: u8,
    /// Tags below this own nothing (the immediates).
    imm_below: u8,
    cons: u8,
    big: u8,
    tuple: u8,
    bin: u8,
    /// Where a tuple's length and its first element are, from the address a `Tuple` term
    /// holds.
    tuple_len: i32,
    tuple_elems: i32,
    /// Where a cons cell's head starts, from the address a `Cons` term holds (its `Rc`'s
    /// allocation, whose first word is the strong count); the tail follows 16 bytes on.
    cons_head: i32,
}

fn tag_of(t: &Term) -> u8 {
    // SAFETY: `Term` is `#[repr(u8)]`: its first byte is the tag.
    unsafe { *(t as *const Term as *const u8) }
}

fn word1(t: &Term) -> u64 {
    // SAFETY: every `Term` is 16 bytes; the second word is a payload or padding, read here
    // only for variants whose payload fills it.
    unsafe { *(t as *const Term as *const u64).add(1) }
}

impl Layout {
    fn probe() -> Option<Layout> {
        if std::mem::size_of::<Term>() != 16 {
            return None;
        }
        let l = Layout {
            int: tag_of(&Term::Int(0)),
            float: tag_of(&Term::Float(0.0)),
            atom: tag_of(&Term::Atom(crate::atom::Atom(0))),
            nil: tag_of(&Term::Nil),
            pid: tag_of(&Term::Pid(0)),
            refr: tag_of(&Term::Ref(0)),
            imm_below: 6,
            cons: 0,
            big: 0,
            tuple: 0,
            bin: 0,
            tuple_len: 0,
            tuple_elems: 0,
            cons_head: 0,
        };
        // The six immediates' tags are 0..6 (`Term` lists them first), the boxed ones above.
        let mut tags = [l.int, l.float, l.atom, l.nil, l.pid, l.refr];
        tags.sort_unstable();
        let boxed = [
            tag_of(&Term::Cons(Rc::new(term::Cons {
                head: Term::Nil,
                tail: Term::Nil,
            }))),
            tag_of(&Term::tuple(Vec::new())),
        ];
        if tags != [0, 1, 2, 3, 4, 5] || boxed.iter().any(|t| *t < 6 || *t == BAIL as u8) {
            return None;
        }
        // A cons term holds its cell's `Rc` allocation: the strong count first, the cell
        // (head, then tail) further on.
        let rc = Rc::new(term::Cons {
            head: Term::Int(5),
            tail: Term::Nil,
        });
        let t = Term::Cons(Rc::clone(&rc));
        let alloc = word1(&t) as usize;
        let head = Rc::as_ptr(&rc) as usize;
        // SAFETY: `alloc` is the live allocation `t` and `rc` share; read only after checking
        // that the cell lies inside it, past the count.
        let ok = head >= alloc + 8
            && head - alloc <= 64
            && unsafe {
                *(alloc as *const usize) == 2
                    && std::ptr::eq(&rc.head, head as *const Term)
                    && std::ptr::eq(&rc.tail, (head + 16) as *const Term)
            };
        drop(t);
        // SAFETY: as above; one reference left.
        if !ok || unsafe { *(alloc as *const usize) } != 1 {
            return None;
        }
        // Native code allocates and frees cells itself (`CellPool`): with `Rc`'s layout.
        let counts = std::alloc::Layout::new::<[usize; 2]>();
        match counts.extend(std::alloc::Layout::new::<term::Cons>()) {
            Ok((_, at)) if at == head - alloc => {}
            _ => return None,
        }
        let l = Layout {
            cons: boxed[0],
            big: tag_of(&Term::Big(Rc::new(num_bigint::BigInt::from(1) << 70))),
            tuple: boxed[1],
            bin: tag_of(&Term::binary(Vec::new())),
            tuple_len: 8,
            tuple_elems: 16,
            cons_head: (head - alloc) as i32,
            ..l
        };
        // A tuple: a count, its length, then its elements.
        let t = Term::tuple(vec![Term::Int(0x55), Term::Atom(crate::atom::Atom(0x66))]);
        let at = word1(&t) as usize;
        // SAFETY: `at` is the live block of `t` (header then two terms), read within it.
        let ok = unsafe {
            *((at + l.tuple_len as usize) as *const usize) == 2
                && *((at + l.tuple_elems as usize) as *const u8) == l.int
                && *((at + l.tuple_elems as usize + 8) as *const i64) == 0x55
                && *((at + l.tuple_elems as usize + 16) as *const u8) == l.atom
        };
        // Its count is the block's first word (native code counts a tuple literal there).
        let t2 = t.clone();
        // SAFETY: as above.
        let counted = unsafe { *(at as *const usize) == 2 };
        drop(t2);
        if !ok || !counted || tag_of(&t) != l.tuple {
            return None;
        }
        // Payload positions.
        let k = 0x0123_4567_89ab_cdefi64;
        let a = Term::Atom(crate::atom::Atom(0x7654_3210));
        // SAFETY: bytes 4..8 of an atom term hold its index (checked here).
        let at = unsafe { *(&a as *const Term as *const u32).add(1) };
        if word1(&Term::Int(k)) != k as u64
            || word1(&Term::Pid(7)) != 7
            || word1(&Term::Float(1.5)) != 1.5f64.to_bits()
            || at != 0x7654_3210
        {
            return None;
        }
        Some(l)
    }

    /// The two words of an immediate term, as native code stores them.
    fn words(&self, t: &Term) -> Option<(i64, i64)> {
        Some(match t {
            Term::Int(k) => (self.int as i64, *k),
            Term::Float(x) => (self.float as i64, x.to_bits() as i64),
            Term::Atom(a) => (self.atom as i64 | (i64::from(a.0) << 32), 0),
            Term::Nil => (self.nil as i64, 0),
            Term::Pid(p) => (self.pid as i64, *p as i64),
            Term::Ref(r) => (self.refr as i64, *r as i64),
            _ => return None,
        })
    }
}

// ---------------------------------------------------------------- helpers native code calls

/// `*dst = (*src).clone()`.
unsafe extern "C" fn jit_copy(dst: *mut Term, src: *const Term) {
    // SAFETY: both point at live registers (or a literal) that native code passed.
    unsafe {
        let v = (*src).clone();
        *dst = v;
    }
}

/// `*dst = []`, releasing what it held. The cells of a list that die with it go to this
/// thread's pool for native code to build with again (Rust's drop would free them to the
/// allocator, and native code would then allocate every cell anew).
unsafe extern "C" fn jit_drop(dst: *mut Term) {
    // SAFETY: a live register.
    let t = unsafe { std::ptr::replace(dst, Term::Nil) };
    let Term::Cons(mut rc) = t else {
        drop(t);
        return;
    };
    let pool = cell_pool();
    loop {
        // A cell referred to elsewhere only loses this reference (`rc`'s drop).
        let Some(c) = Rc::get_mut(&mut rc) else {
            return;
        };
        let head = std::mem::replace(&mut c.head, Term::Nil);
        let tail = std::mem::replace(&mut c.tail, Term::Nil);
        drop(head);
        // The only reference, its terms moved out: its allocation is free to reuse.
        let cell = Rc::into_raw(rc) as *mut u8;
        // SAFETY: `cell` points at the `Cons` inside an allocation of `cell_layout()` (an
        // `Rc<Cons>`'s), `cons_offset()` bytes in; nothing refers to it any more.
        unsafe { pool_push(pool, cell.sub(cons_offset()) as *mut usize) };
        match tail {
            Term::Cons(next) => rc = next,
            other => {
                drop(other);
                return;
            }
        }
    }
}

/// Where the `Cons` lies in its `Rc` allocation (after the two counts).
fn cons_offset() -> usize {
    let counts = std::alloc::Layout::new::<[usize; 2]>();
    counts
        .extend(std::alloc::Layout::new::<term::Cons>())
        .map_or(16, |(_, at)| at)
}

/// Gives a dead cell's allocation to `pool`, or to the allocator when the pool is full.
///
/// # Safety
/// `pool` is this thread's pool; `cell` an allocation of `cell_layout()` nothing refers to.
unsafe fn pool_push(pool: *mut CellPool, cell: *mut usize) {
    // SAFETY: as the caller promises.
    unsafe {
        let pool = &mut *pool;
        if pool.len < POOL_CAP {
            *cell = pool.head as usize;
            pool.head = cell;
            pool.len += 1;
        } else {
            std::alloc::dealloc(cell as *mut u8, cell_layout());
        }
    }
}

/// A counted copy of `*src` as two words (the value is moved out through them).
unsafe extern "C" fn jit_clone_words(src: *const Term) -> Words {
    // SAFETY: a live literal; `Term` is 16 bytes, read as two words and forgotten.
    unsafe {
        let v = std::mem::ManuallyDrop::new((*src).clone());
        let p = &*v as *const Term as *const u64;
        Words {
            w0: *p,
            w1: *p.add(1),
        }
    }
}

/// `a op b` for what native code does not compute inline (floats, other operators), as
/// `run_fast` computes it: 1 with the value stored in `*dst`, 0 to hand back.
unsafe extern "C" fn jit_op(op: u32, a: *const Term, b: *const Term, dst: *mut Term) -> u32 {
    // SAFETY: live registers; `op` is an `Op2` discriminant native code took from one.
    unsafe {
        let op = op2(op);
        let r = match (&*a, &*b) {
            (Term::Int(x), Term::Int(y)) => crate::interp::int_op(op, *x, *y),
            (x, y) => crate::exec::float_op(op, x, y),
        };
        match r {
            Some(v) => {
                *dst = v;
                1
            }
            None => 0,
        }
    }
}

/// `op_int`: as `jit_op` with a constant second operand.
unsafe extern "C" fn jit_op_int(op: u32, a: *const Term, k: i64, dst: *mut Term) -> u32 {
    let b = Term::Int(k);
    // SAFETY: as for `jit_op`.
    unsafe { jit_op(op, a, &b, dst) }
}

/// `guard_op` on two small integers (anything else hands back, as in `run_fast`).
unsafe extern "C" fn jit_guard_op(op: u32, a: *const Term, b: *const Term, dst: *mut Term) -> u32 {
    // SAFETY: live registers.
    unsafe {
        match (&*a, &*b) {
            (Term::Int(x), Term::Int(y)) => match crate::interp::int_op(op2(op), *x, *y) {
                Some(v) => {
                    *dst = v;
                    1
                }
                None => 0,
            },
            _ => 0,
        }
    }
}

/// A returned `a op b` as two words, `BAIL` when native code must hand back.
unsafe extern "C" fn jit_op_words(op: u32, a: *const Term, b: *const Term) -> Words {
    let mut v = std::mem::ManuallyDrop::new(Term::Nil);
    // SAFETY: as for `jit_op`; the result is moved out through the words.
    unsafe {
        if jit_op(op, a, b, &mut *v) == 0 {
            return Words { w0: BAIL, w1: 0 };
        }
        let p = &*v as *const Term as *const u64;
        Words {
            w0: *p,
            w1: *p.add(1),
        }
    }
}

unsafe extern "C" fn jit_op_int_words(op: u32, a: *const Term, k: i64) -> Words {
    let b = Term::Int(k);
    // SAFETY: as for `jit_op`.
    unsafe { jit_op_words(op, a, &b) }
}

unsafe extern "C" fn jit_exact_eq(a: *const Term, b: *const Term) -> u32 {
    // SAFETY: live registers or a literal.
    unsafe { term::exact_eq(&*a, &*b) as u32 }
}

unsafe extern "C" fn jit_is_type(ty: *const TypeTest, a: *const Term) -> u32 {
    // SAFETY: a test inside live code, a live register.
    unsafe { (*ty).holds(&*a) as u32 }
}

unsafe extern "C" fn jit_switch(table: *const SwitchTable, a: *const Term) -> u32 {
    // SAFETY: a table inside live code, a live register.
    unsafe { (*table).target(&*a) }
}

unsafe extern "C" fn jit_select(table: *const SelectTable, fp: *const Term, n: u64) -> u32 {
    // SAFETY: a table inside live code and the running frame's `n` registers.
    unsafe { (*table).target(std::slice::from_raw_parts(fp, n as usize)) }
}

unsafe extern "C" fn jit_is_tuple(a: *const Term, n: u64) -> u32 {
    // SAFETY: a live register.
    unsafe { matches!(&*a, Term::Tuple(t) if t.len() == n as usize) as u32 }
}

/// `get_elem`: 1 with element `i` (0-based) in `*dst`, 0 to hand back.
unsafe extern "C" fn jit_get_elem(a: *const Term, i: u64, dst: *mut Term) -> u32 {
    // SAFETY: live registers.
    unsafe {
        let v = match &*a {
            Term::Tuple(t) => t.get(i as usize).cloned(),
            _ => None,
        };
        match v {
            Some(v) => {
                *dst = v;
                1
            }
            None => 0,
        }
    }
}

/// The key index of the term at `t` for `probe` (a `select` key of another kind than those
/// native code compares inline).
unsafe extern "C" fn jit_lookup(probe: *const crate::dispatch::Probe, t: *const Term) -> u64 {
    // SAFETY: a probe of the running function's code and a live term.
    unsafe { u64::from((*probe).lookup(&*t)) }
}

/// A new tuple block of `n` elements (header written, elements not), for native code to fill.
unsafe extern "C" fn jit_tuple_block(n: u64) -> *mut u8 {
    // SAFETY: native code writes the `n` elements right after, before anything reads them.
    unsafe { term::Tuple::raw_unwritten(n as usize) }
}

/// A fresh cell allocation (the pool was empty); its contents are native code's to write.
unsafe extern "C" fn jit_cell() -> *mut u8 {
    let l = cell_layout();
    // SAFETY: a non-zero size.
    let p = unsafe { std::alloc::alloc(l) };
    if p.is_null() {
        std::alloc::handle_alloc_error(l);
    }
    p
}

/// Frees a dead cell (the pool is full); its terms were released already.
unsafe extern "C" fn jit_free_cell(p: *mut u8) {
    // SAFETY: a cell allocation (`Rc<Cons>`'s, or `jit_cell`'s) nothing refers to.
    unsafe { std::alloc::dealloc(p, cell_layout()) }
}

/// `tuple`: the `n` registers from `start` move into a new tuple.
unsafe extern "C" fn jit_tuple(dst: *mut Term, start: *mut Term, n: u64) {
    // SAFETY: the running frame's registers; `take_from` leaves each `[]`.
    unsafe {
        let regs = std::slice::from_raw_parts_mut(start, n as usize);
        let t = crate::term::Tuple::take_from(regs);
        *dst = Term::Tuple(t);
    }
}

/// The BIF calls (`bif`, `guard_bif`, `bif_test`), as the interpreter makes them, for the
/// instruction at `ins` in the frame at `regs[bp]`. A BIF may run Erlang code and so move the
/// register file: `ctx.regs` and `ctx.regs_len` are brought up to date (native code reloads
/// its frame pointer after this). `bif`: 1 with the value stored, 0 when it raised (the
/// exception waits in `Proc::fast_err`; native code hands back past the instruction).
/// `guard_bif`: 1 with the value stored, 0 when it failed (the guard fails). `bif_test`: 1
/// when it returned `true`.
unsafe extern "C" fn jit_bif(ctx: *mut Ctx, ins: *const Instr, bp: u64) -> u32 {
    // SAFETY: `ctx` is the running context; `ins` an instruction of the running function,
    // whose frame at `bp` covers the registers it names.
    unsafe {
        let ctx = &mut *ctx;
        let p = &mut *ctx.proc;
        p.reductions = ctx.reductions;
        let bp = bp as usize;
        let (bif, args, dst) = match &*ins {
            Instr::Bif { f, args, dst, .. } | Instr::GuardBif { f, args, dst, .. } => {
                (*f, args, Some(*dst))
            }
            Instr::BifTest { f, args, .. } => (*f, args, None),
            _ => return 0,
        };
        #[inline(always)]
        fn reg(p: &Proc, bp: usize, r: u32) -> Term {
            p.regs[bp + r as usize].clone()
        }
        let r = match args.len() {
            0 => bif(p, &[]),
            1 => {
                let a = [reg(p, bp, args[0])];
                bif(p, &a)
            }
            2 => {
                let a = [reg(p, bp, args[0]), reg(p, bp, args[1])];
                bif(p, &a)
            }
            _ => {
                let a: Vec<Term> = args.iter().map(|r| reg(p, bp, *r)).collect();
                bif(p, &a)
            }
        };
        let guard = !matches!(&*ins, Instr::Bif { .. });
        let r = match r {
            Err(t @ Ctl::Tail) if !guard => p.finish_tail_in(t, &*ctx.module),
            r => r,
        };
        ctx.regs = p.regs.as_mut_ptr();
        ctx.regs_len = p.regs.len() as u64;
        ctx.regs_end = p.regs.as_mut_ptr().wrapping_add(p.regs.len());
        ctx.reductions = p.reductions;
        match (r, dst) {
            (Ok(v), Some(d)) => {
                let slot = &mut p.regs[bp + d as usize];
                if slot.is_immediate() {
                    // SAFETY: the old value owns nothing: overwritten without a drop.
                    std::ptr::write(slot, v);
                } else {
                    *slot = v;
                }
                1
            }
            (Ok(v), None) => v.is_true() as u32,
            (Err(c), _) => {
                if !guard {
                    p.fast_err = Some(c);
                }
                0
            }
        }
    }
}

/// A remote call site into the running module (`call_ext`), for native code: the callee's
/// native entry if the site's cache resolved it to a function of the running module that is
/// compiled and whose frame, from register `top`, fits the register file (else 0: native code
/// hands the call back). Records the caller as the interpreter does for such a call.
/// A compiled callee is also written to the site's own cache `cache` (`SiteCache`), which
/// native code reads first.
unsafe extern "C" fn jit_site(
    ctx: *mut Ctx,
    ins: *const Instr,
    cur: *const FunDef,
    top: u64,
    cache: *mut SiteCache,
) -> u64 {
    // SAFETY: the running context, an instruction of the running function `cur`, and that
    // instruction's cache in the running module's code space.
    unsafe {
        let ctx = &mut *ctx;
        let p = &mut *ctx.proc;
        let Instr::CallExt { m: md, f, .. } = &*ins else {
            return 0;
        };
        let Some(callee) = p.site_in(&*ins, *md, *f, &*ctx.module, &*cur) else {
            return 0;
        };
        let Some(entry) = callee.jit.entry() else {
            return 0;
        };
        *cache = SiteCache {
            epoch: crate::code::modules_epoch(),
            rt: ctx.rt,
            entry: entry as usize as u64,
            frame: u64::from(callee.code.frame),
        };
        if top + u64::from(callee.code.frame) <= ctx.regs_len {
            entry as usize as u64
        } else {
            0
        }
    }
}

/// What a remote call site (`call_ext` into the running module) resolved to, for native code
/// to call without asking `Proc::site_in` while the module table and the runtime are the
/// same (`modules_epoch`, `Ctx::rt`). `jit_site` fills it.
#[repr(C)]
pub struct SiteCache {
    epoch: u64,
    rt: u64,
    entry: u64,
    frame: u64,
}

const SITE_EPOCH: i32 = 0;
const SITE_RT: i32 = 8;
const SITE_ENTRY: i32 = 16;
const SITE_FRAME: i32 = 24;

/// Stops a debug build whose native code found a boxed term where `analyze` said an
/// immediate would be (a bug in the analysis).
unsafe extern "C" fn jit_bad_known(f: *const FunDef, pc: u64, r: u64) {
    // SAFETY: a function of live code.
    let f = unsafe { &*f };
    eprintln!(
        "native code of {}/{}: r{r} holds a boxed term before instruction {pc}",
        f.name.name(),
        f.arity
    );
    std::process::abort();
}

/// Records a native caller's frame when its callee handed back.
unsafe extern "C" fn jit_push_frame(ctx: *mut Ctx, f: *const FunDef, pc: u64, dst: u64, bp: u64) {
    // SAFETY: `ctx` is the running context, its process alive while native code runs.
    unsafe {
        (*(*ctx).proc).jit_frames.push(BailFrame {
            f,
            pc: pc as usize,
            dst: dst as u32,
            bp: bp as usize,
        })
    }
}

fn op2(op: u32) -> Op2 {
    OPS[op as usize]
}

const OPS: [Op2; 25] = [
    Op2::Add,
    Op2::Sub,
    Op2::Mul,
    Op2::FDiv,
    Op2::IDiv,
    Op2::Rem,
    Op2::Band,
    Op2::Bor,
    Op2::Bxor,
    Op2::Bsl,
    Op2::Bsr,
    Op2::Eq,
    Op2::Ne,
    Op2::ExactEq,
    Op2::ExactNe,
    Op2::Lt,
    Op2::Le,
    Op2::Gt,
    Op2::Ge,
    Op2::And,
    Op2::Or,
    Op2::Xor,
    Op2::Append,
    Op2::Subtract,
    Op2::Send,
];

fn op_index(op: Op2) -> u32 {
    OPS.iter()
        .position(|o| *o == op)
        .expect("every Op2 is listed") as u32
}

// ---------------------------------------------------------------- which functions compile

/// Whether native code translates `i` (else the function is left to the interpreter). The
/// instructions that only raise are accepted: native code hands them back.
fn supported(i: &Instr, module: crate::atom::Atom) -> bool {
    use Instr::*;
    if let CallExt { m, bif: None, .. } = i {
        // A call into the running module (`?MODULE:f(...)`, a server loop); other modules'
        // functions are not compiled with this one.
        return *m == module;
    }
    matches!(
        i,
        Move { .. }
            | Take { .. }
            | Lit { .. }
            | Tuple { .. }
            | Cons { .. }
            | ConsTake { .. }
            | Op { .. }
            | OpInt { .. }
            | GuardOp { .. }
            | Call { .. }
            | TailCall { .. }
            | Return { .. }
            | ReturnLit { .. }
            | ReturnOp { .. }
            | ReturnOpInt { .. }
            | Jump { .. }
            | IsInt { .. }
            | IsAtom { .. }
            | IsLit { .. }
            | IsEq { .. }
            | IsNil { .. }
            | GetList { .. }
            | GetHd { .. }
            | GetTl { .. }
            | GetTlN { .. }
            | HdIsInt { .. }
            | HdIsAtom { .. }
            | IsTuple { .. }
            | IsType { .. }
            | GetElem { .. }
            | Cmp { .. }
            | CmpInt { .. }
            | Switch { .. }
            | Select { .. }
            | Bif { .. }
            | GuardBif { .. }
            | BifTest { .. }
            | Badmatch { .. }
            | Badrecord { .. }
            | BadBool { .. }
            | CaseClause { .. }
            | IfClause
            | FunctionClause
    )
}

// ---------------------------------------------------------------- which registers hold immediates

/// Registers known to hold immediates (bit `r`), before each instruction, as native code runs
/// it from the function's first instruction (the only place it starts: the interpreter never
/// resumes native code elsewhere, so nothing else writes the frame in between). A register
/// known to hold an immediate needs no release when it is overwritten or the function
/// returns. Only frames of up to 128 registers are tracked.
type Known = u128;

/// Where control goes after instruction `pc` when native code goes on (a hand-back, a
/// return or a tail call goes nowhere here): the next instruction, returned, and the labels
/// it may jump to, in `out`.
fn successors(code: &Code, pc: usize, out: &mut Vec<usize>) -> Option<usize> {
    use Instr::*;
    out.clear();
    let i = &code.instrs[pc];
    if !continues(i) {
        return None;
    }
    let falls = !matches!(
        i,
        Jump { .. }
            | Return { .. }
            | ReturnLit { .. }
            | ReturnOp { .. }
            | ReturnOpInt { .. }
            | TailCall { .. }
            | Switch { .. }
            | Select { .. }
            | CallExt { tail: true, .. }
    );
    match i {
        Jump { to } => out.push(*to as usize),
        IsInt { fail, .. }
        | IsAtom { fail, .. }
        | IsLit { fail, .. }
        | IsEq { fail, .. }
        | IsNil { fail, .. }
        | GetList { fail, .. }
        | GetHd { fail, .. }
        | GetTl { fail, .. }
        | GetTlN { fail, .. }
        | HdIsInt { fail, .. }
        | HdIsAtom { fail, .. }
        | IsTuple { fail, .. }
        | IsType { fail, .. }
        | Cmp { fail, .. }
        | CmpInt { fail, .. }
        | GuardBif { fail, .. }
        | BifTest { fail, .. } => out.push(*fail as usize),
        Switch { table, .. } => {
            out.push(table.default as usize);
            out.extend(table.table.values().map(|l| *l as usize));
            if let Some((_, d)) = &table.dense {
                out.extend(d.iter().map(|l| *l as usize));
            }
        }
        Select { table } => out.extend(table.leaf.iter().map(|l| *l as usize)),
        _ => {}
    }
    (falls && pc + 1 < code.instrs.len()).then_some(pc + 1)
}

/// The registers instruction `i` reads and writes, and whether native code stops after it
/// (a return, a tail call or an error): for the instructions `dead_from` looks through. `None`: one it
/// does not (read as "may read every register").
fn reads_writes(i: &Instr, arity: u32) -> Option<(Vec<u32>, Vec<u32>, bool)> {
    use Instr::*;
    Some(match i {
        // Errors raised here (a `try` in the function is ruled out by `dest_plan`).
        Badmatch { a } | Badrecord { a } | BadBool { a } | CaseClause { a } => {
            (vec![*a], vec![], true)
        }
        IfClause => (vec![], vec![], true),
        FunctionClause => ((0..arity).collect(), vec![], true),
        Move { dst, src } | Take { dst, src } => (vec![*src], vec![*dst], false),
        Lit { dst, .. } => (vec![], vec![*dst], false),
        Cons { dst, head, tail } | ConsTake { dst, head, tail } => {
            (vec![*head, *tail], vec![*dst], false)
        }
        Op { dst, a, b, .. } | GuardOp { dst, a, b, .. } => (vec![*a, *b], vec![*dst], false),
        OpInt { dst, a, .. } => (vec![*a], vec![*dst], false),
        IsInt { a, .. }
        | IsAtom { a, .. }
        | IsLit { a, .. }
        | IsNil { a, .. }
        | HdIsInt { a, .. }
        | HdIsAtom { a, .. }
        | CmpInt { a, .. } => (vec![*a], vec![], false),
        IsEq { a, b, .. } | Cmp { a, b, .. } => (vec![*a, *b], vec![], false),
        GetHd { a, dst, .. } | GetTl { a, dst, .. } | GetTlN { a, dst, .. } => {
            (vec![*a], vec![*dst], false)
        }
        GetList { a, head, tail, .. } => (vec![*a], vec![*head, *tail], false),
        IsTuple { a, .. } | IsType { a, .. } | Switch { a, .. } => (vec![*a], vec![], false),
        GetElem { a, dst, .. } => (vec![*a], vec![*dst], false),
        GuardBif { args, dst, .. } => (args.to_vec(), vec![*dst], false),
        BifTest { args, .. } => (args.to_vec(), vec![], false),
        Select { table } => (table.probes.iter().map(|p| p.reg).collect(), vec![], false),
        Jump { .. } => (vec![], vec![], false),
        Return { src } => (vec![*src], vec![], true),
        ReturnLit { .. } => (vec![], vec![], true),
        ReturnOp { a, b, .. } => (vec![*a, *b], vec![], true),
        ReturnOpInt { a, .. } => (vec![*a], vec![], true),
        TailCall { base, n, .. } => ((*base..*base + *n).collect(), vec![], true),
        _ => return None,
    })
}

/// The `take`s that put an argument of a self tail call right after them back where it came
/// from (`take r1 -> r3` before `tail_call self @r2/2`: `r1` is already the second argument).
/// Native code leaves such a move out, and the tail call leaves the argument in place; if
/// the tail call hands back first, the moves are made then. Only a run of such `take`s
/// directly before the tail call, each reached only from the one before, with the argument
/// window above the arguments (`base >= n`).
fn deferred_takes(m: &Module, f: &FunDef, preds: &[u32]) -> Vec<bool> {
    let code = &f.code;
    let mut out = vec![false; code.instrs.len()];
    for (c, i) in code.instrs.iter().enumerate() {
        let Instr::TailCall { fun, base, n } = i else {
            continue;
        };
        let me = m
            .funs
            .get(*fun as usize)
            .is_some_and(|c| std::ptr::eq(c, f));
        if !me || *base < *n {
            continue;
        }
        for k in deferred_chain(code, preds, c, *base, *n) {
            out[k] = true;
        }
    }
    out
}

/// The `take`s `deferred_takes` leaves out before the self tail call at `c` (window `base`,
/// `n` arguments): walking back from the call through `take`s and literals into the window
/// (each instruction reached only from the one before), the `take`s that put argument `i`
/// back from register `i`, unless something after them wrote their register.
fn deferred_chain(code: &Code, preds: &[u32], c: usize, base: u32, n: u32) -> Vec<usize> {
    let mut out = Vec::new();
    let mut written: Vec<u32> = Vec::new();
    let mut k = c;
    while k > 0 && preds[k] == 1 {
        match code.instrs[k - 1] {
            Instr::Take { dst, src }
                if dst >= base
                    && dst < base + n
                    && src == dst - base
                    && !written.contains(&dst) =>
            {
                out.push(k - 1);
                written.push(dst);
            }
            Instr::Lit { dst, .. } if dst >= base && dst < base + n => written.push(dst),
            _ => break,
        }
        k -= 1;
    }
    out
}

/// How many places each instruction is reached from (the entry counts for instruction 0).
fn predecessors(code: &Code) -> Vec<u32> {
    let n = code.instrs.len();
    let mut preds = vec![0u32; n];
    if n > 0 {
        preds[0] = 1;
    }
    let mut out = Vec::new();
    for pc in 0..n {
        let next = successors(code, pc, &mut out);
        for &q in out.iter().chain(next.iter()) {
            if let Some(c) = preds.get_mut(q) {
                *c += 1;
            }
        }
    }
    preds
}

/// What a list access (`get_hd`, `get_tl`, `get_tl_n`, `get_list`) does with a destination
/// register.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Dest {
    /// Writes it, counting a reference to the term.
    Write,
    /// Leaves it unwritten: the next instruction reads the term in place, inside its cell,
    /// and nothing reads the register after that.
    Alias,
    /// Leaves it unwritten: nothing reads it before it is written again.
    Dead,
}

/// Whether register `r` is dead from the instructions `starts` on: on every path, written
/// before it is read, or the path ends in a return or tail call that does not read it,
/// through instructions whose registers `reads_writes` knows. Native code may hand back on
/// such a path; the interpreter then follows the same paths, so it never reads the register
/// either.
fn dead_from(code: &Code, arity: u32, starts: &[usize], r: u32) -> bool {
    let mut out = Vec::new();
    let mut todo = starts.to_vec();
    let mut seen = vec![false; code.instrs.len()];
    let mut budget = 256;
    while let Some(p) = todo.pop() {
        if std::mem::replace(&mut seen[p], true) {
            continue;
        }
        budget -= 1;
        let Some((reads, writes, ends)) = reads_writes(&code.instrs[p], arity) else {
            return false;
        };
        if budget == 0 || reads.contains(&r) {
            return false;
        }
        if writes.contains(&r) || ends {
            continue;
        }
        let next = successors(code, p, &mut out);
        todo.extend(out.iter().copied().chain(next));
    }
    true
}

/// The plan for the destinations (`[dst, -]`, or `[head, tail]` for `get_list`) of the list
/// access at `pc`; `Write` for both at any other instruction. A destination is:
/// - `Dead` when nothing reads it after this instruction succeeds;
/// - `Alias` (at most one of them) when the next instruction is reached only from here and
///   reads it as a list (`get_hd`/`get_tl`/`get_tl_n`/`get_list` of it, `hd_is_int`,
///   `hd_is_atom`, `is_nil`), neither instruction writes the register holding the cell
///   (which keeps the term alive), and nothing reads it after the next instruction.
///
/// A register left unwritten keeps its old (counted) value meanwhile, which its next write,
/// or the frame's clearing, releases as before.
fn dest_plan(code: &Code, arity: u32, preds: &[u32], pc: usize) -> [Dest; 2] {
    use Instr::*;
    let (src, dsts): (u32, [Option<u32>; 2]) = match code.instrs[pc] {
        GetHd { a, dst, .. } | GetTl { a, dst, .. } | GetTlN { a, dst, .. } => {
            (a, [Some(dst), None])
        }
        GetList { a, head, tail, .. } => (a, [Some(head), Some(tail)]),
        _ => return [Dest::Write; 2],
    };
    let q = pc + 1;
    // A handler (`try`) is reached by paths `successors` does not follow.
    if q >= code.instrs.len() || code.instrs.iter().any(|i| matches!(i, TryEnter { .. })) {
        return [Dest::Write; 2];
    }
    let mut plan = [Dest::Write; 2];
    for (k, d) in dsts.iter().enumerate() {
        let Some(r) = *d else { continue };
        if dead_from(code, arity, &[q], r) {
            plan[k] = Dest::Dead;
        }
    }
    if preds[q] != 1 || dsts.contains(&Some(src)) && dsts[1].is_some() {
        return plan;
    }
    // An alias: the tail first (a `get_list`'s tail is the list walked on).
    for k in [1, 0] {
        let Some(r) = dsts[k] else { continue };
        if plan[k] != Dest::Write {
            continue;
        }
        let writes: &[u32] = match &code.instrs[q] {
            GetHd { a, dst, .. } | GetTl { a, dst, .. } | GetTlN { a, dst, .. } if *a == r => {
                std::slice::from_ref(dst)
            }
            GetList { a, head, tail, .. } if *a == r => &[*head, *tail],
            HdIsInt { a, .. } | HdIsAtom { a, .. } | IsNil { a, .. } if *a == r => &[],
            _ => continue,
        };
        if writes.contains(&src) {
            continue;
        }
        let mut out = Vec::new();
        let next = successors(code, q, &mut out);
        out.extend(next);
        if writes.contains(&r) || dead_from(code, arity, &out, r) {
            plan[k] = Dest::Alias;
            break;
        }
    }
    plan
}

/// Whether native code goes on after `i` (the instructions it translates; the others, and
/// those that only raise, hand back).
fn continues(i: &Instr) -> bool {
    use Instr::*;
    match i {
        CallExt { bif: None, .. } => true,
        Badmatch { .. }
        | Badrecord { .. }
        | BadBool { .. }
        | CaseClause { .. }
        | IfClause
        | FunctionClause => false,
        _ => supported(i, crate::atom::Atom(u32::MAX)),
    }
}

fn bit(r: u32) -> Known {
    if r < 128 {
        1 << r
    } else {
        0
    }
}

/// The registers known to hold immediates before each instruction of `f` (`None` where no
/// path from the first instruction reaches it), and whether every value `f` returns natively
/// is an immediate; `ret_imm(i)` says so for local function `i`.
fn analyze(m: &Module, f: &FunDef, ret_imm: &dyn Fn(usize) -> bool) -> (Vec<Option<Known>>, bool) {
    use Instr::*;
    let code = &f.code;
    let n = code.instrs.len();
    let mut state: Vec<Option<Known>> = vec![None; n];
    if n == 0 {
        return (state, false);
    }
    // On entry nothing is known: the arguments may be anything, and the registers above
    // them may still hold what the caller's temporaries left there.
    state[0] = Some(0);
    let mut work = vec![0usize];
    let mut succ = Vec::new();
    let imm_lit = |t: &Term| t.is_immediate();
    while let Some(pc) = work.pop() {
        let Some(before) = state[pc] else { continue };
        // What holds on the fall-through path (writes of immediates happen only there), and
        // on the labels (writes of anything else are applied to both).
        let (mut fall, mut jump) = (before, before);
        let set = |k: &mut Known, r: u32, imm: bool| {
            if imm {
                *k |= bit(r);
            } else {
                *k &= !bit(r);
            }
        };
        match &code.instrs[pc] {
            Move { dst, src } => {
                let v = before & bit(*src) != 0;
                set(&mut fall, *dst, v);
            }
            Take { dst, src } => {
                let v = before & bit(*src) != 0;
                set(&mut fall, *src, true);
                set(&mut fall, *dst, v);
            }
            Lit { dst, val } => set(&mut fall, *dst, imm_lit(val)),
            Tuple { dst, start, n } => {
                for r in *start..*start + *n {
                    set(&mut fall, r, true);
                }
                set(&mut fall, *dst, false);
            }
            Cons { dst, .. } => set(&mut fall, *dst, false),
            ConsTake { dst, head, tail } => {
                set(&mut fall, *head, true);
                set(&mut fall, *tail, true);
                set(&mut fall, *dst, false);
            }
            Op { dst, .. } | OpInt { dst, .. } | GuardOp { dst, .. } => set(&mut fall, *dst, true),
            Call { fun, base, dst } => {
                // The callee released its whole frame before returning.
                let c = &m.funs[*fun as usize];
                for r in *base..*base + c.code.frame {
                    set(&mut fall, r, true);
                }
                set(&mut fall, *dst, ret_imm(*fun as usize));
            }
            // `self()`: a pid.
            Bif {
                dst,
                fast: FastBif::SelfPid,
                ..
            } => set(&mut fall, *dst, true),
            CallExt {
                dst, tail: false, ..
            }
            | Bif { dst, .. }
            | GetElem { dst, .. } => set(&mut fall, *dst, false),
            GuardBif { dst, .. } | GetHd { dst, .. } | GetTl { dst, .. } | GetTlN { dst, .. } => {
                set(&mut fall, *dst, false);
                set(&mut jump, *dst, false);
            }
            GetList { head, tail, .. } => {
                for k in [&mut fall, &mut jump] {
                    set(k, *head, false);
                    set(k, *tail, false);
                }
            }
            _ => {}
        }
        let next = successors(code, pc, &mut succ);
        let edges = next.map(|n| (n, fall)).into_iter();
        for (to, k) in edges.chain(succ.iter().map(|&l| (l, jump))) {
            let merged = match state[to] {
                None => Some(k),
                Some(old) => Some(old & k),
            };
            if merged != state[to] {
                state[to] = merged;
                work.push(to);
            }
        }
    }
    // Returns.
    let mut ret = true;
    for (pc, i) in code.instrs.iter().enumerate() {
        let Some(k) = state[pc] else { continue };
        ret &= match i {
            Return { src } => k & bit(*src) != 0,
            ReturnLit { val } => val.is_immediate(),
            // A number or a boolean (anything else hands back).
            ReturnOp { .. } | ReturnOpInt { .. } => true,
            TailCall { fun, .. } => ret_imm(*fun as usize),
            CallExt { tail: true, .. } => false,
            _ => true,
        };
    }
    (state, ret)
}

// ---------------------------------------------------------------- the compiler

/// A module's native code: one reserved region per module (native functions call each other
/// with 32-bit relative calls, which separate allocations could put out of reach; when it is
/// full, compiling fails and functions stay interpreted), freed with the module.
#[derive(Default)]
pub struct ModuleCode(RefCell<Option<CodeSpace>>);

struct CodeSpace {
    /// Freed with its code when the module goes (`Drop`).
    module: std::mem::ManuallyDrop<JITModule>,
    next: u32,
    /// `FuncId`s of the module's compiled functions, by `JitSlot::id`.
    ids: Vec<FuncId>,
    /// The caches of its remote call sites (native code holds their addresses, so each is
    /// boxed: they must not move as the vector grows).
    #[allow(clippy::vec_box)]
    sites: Vec<Box<SiteCache>>,
}

impl Drop for CodeSpace {
    fn drop(&mut self) {
        // SAFETY: the `Module` that owns this is being dropped: none of its functions can
        // run (a running function's module is held by the loop running it, and native code
        // calls only functions of its own module). Taken once, here.
        unsafe { std::mem::ManuallyDrop::take(&mut self.module).free_memory() };
    }
}

/// What compiling needs on this thread, made once: the term layout, the target, and the
/// builders' scratch space.
struct Scratch {
    layout: Layout,
    isa: cranelift_codegen::isa::OwnedTargetIsa,
    fctx: FunctionBuilderContext,
    ctx: Context,
}

thread_local! {
    /// `Some(None)`: native code cannot be made here (the layout or the target is not one
    /// this generator knows).
    static SCRATCH: RefCell<Option<Option<Scratch>>> = const { RefCell::new(None) };
}

fn new_scratch() -> Option<Scratch> {
    let layout = Layout::probe()?;
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").ok()?;
    flags.set("use_colocated_libcalls", "false").ok()?;
    flags.set("is_pic", "false").ok()?;
    let verify = if cfg!(debug_assertions) {
        "true"
    } else {
        "false"
    };
    flags.set("enable_verifier", verify).ok()?;
    let isa = cranelift_native::builder()
        .ok()?
        .finish(settings::Flags::new(flags))
        .ok()?;
    Some(Scratch {
        layout,
        isa,
        fctx: FunctionBuilderContext::new(),
        ctx: Context::new(),
    })
}

fn new_space(isa: &cranelift_codegen::isa::OwnedTargetIsa) -> Option<CodeSpace> {
    let mut jb = JITBuilder::with_isa(isa.clone(), cranelift_module::default_libcall_names());
    let syms: [(&str, *const u8); 23] = [
        ("jit_cell", jit_cell as *const u8),
        ("jit_lookup", jit_lookup as *const u8),
        ("jit_tuple_block", jit_tuple_block as *const u8),
        ("jit_free_cell", jit_free_cell as *const u8),
        ("jit_copy", jit_copy as *const u8),
        ("jit_drop", jit_drop as *const u8),
        ("jit_clone_words", jit_clone_words as *const u8),
        ("jit_op", jit_op as *const u8),
        ("jit_op_int", jit_op_int as *const u8),
        ("jit_guard_op", jit_guard_op as *const u8),
        ("jit_op_words", jit_op_words as *const u8),
        ("jit_op_int_words", jit_op_int_words as *const u8),
        ("jit_exact_eq", jit_exact_eq as *const u8),
        ("jit_is_type", jit_is_type as *const u8),
        ("jit_switch", jit_switch as *const u8),
        ("jit_select", jit_select as *const u8),
        ("jit_is_tuple", jit_is_tuple as *const u8),
        ("jit_get_elem", jit_get_elem as *const u8),
        ("jit_tuple", jit_tuple as *const u8),
        ("jit_push_frame", jit_push_frame as *const u8),
        ("jit_bif", jit_bif as *const u8),
        ("jit_site", jit_site as *const u8),
        ("jit_bad_known", jit_bad_known as *const u8),
    ];
    for (n, p) in syms {
        jb.symbol(n, p);
    }
    let arena = cranelift_jit::ArenaMemoryProvider::new_with_size(16 << 20).ok()?;
    jb.memory_provider(Box::new(arena));
    Some(CodeSpace {
        module: std::mem::ManuallyDrop::new(JITModule::new(jb)),
        next: 0,
        ids: Vec::new(),
        sites: Vec::new(),
    })
}

/// Compiles function `idx` of `m` (and the local functions it calls) if it can be; sets
/// their entries. Called once per function, when it becomes hot.
pub fn compile(m: &Rc<Module>, idx: usize) {
    let slot = &m.funs[idx].jit;
    if slot.state.get() != 0 || !enabled() {
        return;
    }
    // At threshold 1 (tests), every function compiles, its other instructions handed back
    // one by one; otherwise only functions native code runs through without handing back
    // except on a value's account.
    let all = threshold() == 1;
    // Every function reachable through local calls, in discovery order.
    let mut set = vec![idx];
    let mut k = 0;
    while k < set.len() {
        let f = &m.funs[set[k]];
        k += 1;
        if f.jit.state.get() == 1 {
            continue;
        }
        if std::env::var_os("EXO_JIT_WHY").is_some() {
            if let Some(pc) = f.code.instrs.iter().position(|i| !supported(i, m.name)) {
                let l = f.code.listing();
                eprintln!(
                    "jit: {}:{}/{}: {}",
                    m.name.name(),
                    f.name.name(),
                    f.arity,
                    l.lines().nth(pc).unwrap_or("")
                );
            }
        }
        if f.jit.state.get() == 2 || (!all && !f.code.instrs.iter().all(|i| supported(i, m.name))) {
            slot.state.set(2);
            return;
        }
        for i in &f.code.instrs {
            if let Instr::Call { fun, .. } | Instr::TailCall { fun, .. } = i {
                let c = *fun as usize;
                if c >= m.funs.len() {
                    slot.state.set(2);
                    return;
                }
                if !set.contains(&c) {
                    set.push(c);
                }
            }
        }
    }
    let t0 = std::time::Instant::now();
    let built = SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        let sc = s.get_or_insert_with(new_scratch).as_mut()?;
        let mut space = m.jit.0.borrow_mut();
        if space.is_none() {
            *space = Some(new_space(&sc.isa)?);
        }
        let space = space.as_mut()?;
        build(sc, space, m, &set)
    });
    if std::env::var_os("EXO_JIT_TIME").is_some() {
        let f = &m.funs[idx];
        eprintln!(
            "jit: {}:{}/{} and {} more compiled in {:?}",
            m.name.name(),
            f.name.name(),
            f.arity,
            set.len() - 1,
            t0.elapsed()
        );
    }
    if built.is_none() {
        for &i in &set {
            if m.funs[i].jit.state.get() == 0 {
                m.funs[i].jit.state.set(2);
            }
        }
    }
}

impl CodeSpace {
    fn sig(&self) -> Signature {
        let mut sig = self.module.make_signature();
        for _ in 0..4 {
            sig.params.push(AbiParam::new(types::I64));
        }
        sig.returns.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I64));
        sig
    }
}

/// Compiles the functions of `set` not compiled yet into `space`, with everything they
/// need to know of each other, and sets their entries.
fn build(sc: &mut Scratch, space: &mut CodeSpace, m: &Module, set: &[usize]) -> Option<()> {
    {
        let sig = space.sig();
        let moves = set.iter().any(|&i| {
            m.funs[i].code.instrs.iter().any(|i| {
                // A BIF may run Erlang code; a remote call's callee is compiled apart and
                // may call BIFs.
                matches!(
                    i,
                    Instr::Bif { .. }
                        | Instr::GuardBif { .. }
                        | Instr::BifTest { .. }
                        | Instr::CallExt { .. }
                ) && !matches!(
                    i,
                    Instr::Bif {
                        fast: FastBif::SelfPid | FastBif::Element | FastBif::TupleSize,
                        ..
                    }
                )
            })
        });
        let mut new = Vec::new();
        for &i in set {
            let s = &m.funs[i].jit;
            if s.state.get() == 0 {
                let name = format!("erl{}", space.next);
                space.next += 1;
                let id = space
                    .module
                    .declare_function(&name, Linkage::Local, &sig)
                    .ok()?;
                s.id.set(space.ids.len() as u32);
                space.ids.push(id);
                new.push(i);
            }
        }
        // Which registers hold immediates, with which functions return only immediates
        // (assumed of the new ones first, then dropped where a return disagrees, until
        // nothing changes: each round can only drop).
        let mut ret: Vec<(usize, bool)> = set
            .iter()
            .map(|&i| {
                let s = &m.funs[i].jit;
                (
                    i,
                    if s.state.get() == 1 {
                        s.ret_imm.get()
                    } else {
                        true
                    },
                )
            })
            .collect();
        let mut known: Vec<Vec<Option<Known>>> = vec![Vec::new(); new.len()];
        loop {
            let mut changed = false;
            for (k, &i) in new.iter().enumerate() {
                let lookup = |c: usize| ret.iter().find(|(j, _)| *j == c).is_some_and(|x| x.1);
                let (st, r) = analyze(m, &m.funs[i], &lookup);
                known[k] = st;
                if let Some(x) = ret.iter_mut().find(|(j, _)| *j == i) {
                    if x.1 != r {
                        x.1 = r;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        for (i, r) in &ret {
            if m.funs[*i].jit.state.get() == 0 {
                m.funs[*i].jit.ret_imm.set(*r);
            }
        }
        let mut sizes: Vec<(usize, usize)> = Vec::new();
        for (k, &i) in new.iter().enumerate() {
            let id = space.ids[m.funs[i].jit.id.get() as usize];
            sc.ctx.clear();
            sc.ctx.func.signature = sig.clone();
            let layout = sc.layout;
            {
                let mut b = FunctionBuilder::new(&mut sc.ctx.func, &mut sc.fctx);
                let mut g = Gen {
                    b: &mut b,
                    l: layout,
                    m,
                    f: &m.funs[i],
                    module: &mut space.module,
                    ids: &space.ids,
                    sites: &mut space.sites,
                    helpers: Vec::new(),
                    fp: Variable::from_u32(0),
                    moves,
                    known: std::mem::take(&mut known[k]),
                    pc: 0,
                    pool: Value::from_u32(0),
                    alias: None,
                    alias_next: None,
                    ret_block: None,
                    known_here: None,
                    fr: flags(),
                    fc: flags(),
                    fx: flags(),
                    ft: flags(),
                    plans: {
                        let f = &m.funs[i];
                        let preds = predecessors(&f.code);
                        (0..f.code.instrs.len())
                            .map(|pc| dest_plan(&f.code, f.arity as u32, &preds, pc))
                            .collect()
                    },
                    preds: predecessors(&m.funs[i].code),
                    deferred: deferred_takes(m, &m.funs[i], &predecessors(&m.funs[i].code)),
                };
                g.function()?;
                b.finalize(space.module.target_config());
            }
            let dump = std::env::var_os("EXO_JIT_DUMP").is_some();
            sc.ctx.set_disasm(dump);

            if let Err(e) = space.module.define_function(id, &mut sc.ctx) {
                // A function Cranelift rejects (its verifier runs in debug builds, where the
                // tests run) is a bug in this generator: loud there, interpreted otherwise.
                debug_assert!(
                    false,
                    "native code for {}/{}: {e:?}",
                    m.funs[i].name.name(),
                    m.funs[i].arity
                );
                let _ = e;
                return None;
            }

            if dump {
                eprintln!("{}", sc.ctx.func.display());
                if let Some(c) = sc.ctx.compiled_code() {
                    if let Some(v) = &c.vcode {
                        eprintln!("{v}");
                    }
                    sizes.push((i, c.code_buffer().len()));
                }
            }
        }
        space.module.finalize_definitions().ok()?;
        for &i in &new {
            let s = &m.funs[i].jit;
            let p = space
                .module
                .get_finalized_function(space.ids[s.id.get() as usize]);
            if let Some(&(_, len)) = sizes.iter().find(|(j, _)| *j == i) {
                // The machine code, for a disassembler (`objdump -b binary -m i386:x86-64
                // --adjust-vma=ADDR -D FILE`) and a profile's addresses.
                let f = &m.funs[i];
                let file = format!("/tmp/exo-jit-{}-{}.bin", f.name.name(), f.arity);
                // SAFETY: `len` bytes of code just finalized at `p`.
                let code = unsafe { std::slice::from_raw_parts(p, len) };
                let _ = std::fs::write(&file, code);
                eprintln!(
                    "native {}/{} at {p:p}, {len} bytes: {file}",
                    f.name.name(),
                    f.arity
                );
            }
            s.entry.set(p as usize);
            s.state.set(1);
            COMPILED.with(|c| c.set(c.get() + 1));
        }
        Some(())
    }
}

// ---------------------------------------------------------------- code generation

struct Gen<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    l: Layout,
    m: &'a Module,
    f: &'a FunDef,
    module: &'a mut JITModule,
    ids: &'a [FuncId],
    #[allow(clippy::vec_box)]
    sites: &'a mut Vec<Box<SiteCache>>,
    helpers: Vec<(&'static str, cranelift_codegen::ir::FuncRef)>,
    /// The frame pointer (`regs[bp]`'s address), re-read after anything that may move the
    /// register file.
    fp: Variable,
    /// Whether something this code may run calls a BIF (which may move the register file).
    moves: bool,
    /// `analyze`'s registers known to hold immediates before each instruction.
    known: Vec<Option<Known>>,
    /// The instruction being translated.
    pc: usize,
    /// This thread's `CellPool` (`Ctx::pool`, read at entry).
    pool: Value,
    /// A register the previous instruction left unwritten (`borrowable`), and the address
    /// of the term it stands for: reads of it go there, until it is written.
    alias: Option<(u32, Value)>,
    /// The alias the instruction being translated leaves for the next one.
    alias_next: Option<(u32, Value)>,
    /// Per instruction: `dest_plan`.
    plans: Vec<[Dest; 2]>,
    /// Per instruction: how many places it is reached from (`predecessors`).
    preds: Vec<u32>,
    /// Per instruction: a `take` whose move a self tail call right after makes moot
    /// (`deferred_takes`).
    deferred: Vec<bool>,
    /// The shared return block, once a return needs it, and the registers known to hold
    /// immediates at every return so far.
    ret_block: Option<(Block, Known)>,
    /// Registers known to hold immediates where code is generated outside any one
    /// instruction (the return block); `None`: `known` at `pc`.
    known_here: Option<Known>,
    /// Memory flags of the three disjoint kinds of memory native code touches (Cranelift's
    /// alias analysis then reuses loaded values and drops dead stores within each): the
    /// register file, cons cells (their counts and terms, and pooled cells), and `Ctx` with
    /// the `CellPool`. Constant tables are read with plain `flags()`.
    fr: MemFlagsData,
    fc: MemFlagsData,
    fx: MemFlagsData,
    /// Tuples' headers and elements (written only by Rust).
    ft: MemFlagsData,
}

/// What the function's code blocks share.
struct Env {
    ctx: Value,
    blocks: Vec<Block>,
    bail: Block,
    depth: Value,
    depth0: Value,
}

const I64: types::Type = types::I64;

fn flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap().with_aligned()
}

/// `f` for a 16-byte access (terms are 8-aligned).
fn unaligned(f: MemFlagsData) -> MemFlagsData {
    MemFlagsData::new()
        .with_notrap()
        .with_alias_region(f.alias_region())
}

impl Gen<'_, '_> {
    fn helper(
        &mut self,
        name: &'static str,
        params: usize,
        rets: usize,
    ) -> cranelift_codegen::ir::FuncRef {
        if let Some((_, r)) = self.helpers.iter().find(|(n, _)| *n == name) {
            return *r;
        }
        let mut sig = self.module.make_signature();
        for _ in 0..params {
            sig.params.push(AbiParam::new(I64));
        }
        for _ in 0..rets {
            sig.returns.push(AbiParam::new(I64));
        }
        // The helpers are all declared with the same shape every time: cannot fail.
        let id = self
            .module
            .declare_function(name, Linkage::Import, &sig)
            .expect("helper declaration");
        let r = self.module.declare_func_in_func(id, self.b.func);
        self.helpers.push((name, r));
        r
    }

    fn call(&mut self, name: &'static str, args: &[Value], rets: usize) -> Vec<Value> {
        let r = self.helper(name, args.len(), rets);
        let inst = self.b.ins().call(r, args);
        self.b.inst_results(inst).to_vec()
    }

    fn fpv(&mut self) -> Value {
        self.b.use_var(self.fp)
    }

    /// Where register `r`'s term is read from: its place in the frame, or the place in a
    /// cell it stands for (`alias`).
    fn place(&mut self, r: u32) -> (Value, i32, MemFlagsData) {
        match self.alias {
            Some((a, at)) if a == r => (at, 0, self.fc),
            _ => (self.fpv(), (r * 16) as i32, self.fr),
        }
    }

    /// Word `off` (0 or 8) of register `r`.
    fn ld(&mut self, r: u32, off: i32) -> Value {
        let (base, at, f) = self.place(r);
        self.b.ins().load(I64, f, base, at + off)
    }

    /// Register `r` as one 16-byte vector (terms are 8-aligned: an unaligned access).
    fn ld2(&mut self, r: u32) -> Value {
        let (base, at, f) = self.place(r);
        self.b.ins().load(types::I64X2, unaligned(f), base, at)
    }

    /// Stores a whole term with one 16-byte store: Rust code reads terms 16 bytes at a time,
    /// and a load cannot take its value from two narrower stores (it would stall).
    fn st2v(&mut self, r: u32, v: Value) {
        if self.alias.is_some_and(|(a, _)| a == r) {
            self.alias = None;
        }
        let fp = self.fpv();
        let f = unaligned(self.fr);
        self.b.ins().store(f, v, fp, (r * 16) as i32);
    }

    fn st2(&mut self, r: u32, w0: Value, w1: Value) {
        let v = self.pair(w0, w1);
        self.st2v(r, v);
    }

    /// Two words as one 16-byte vector (a term, for one store).
    fn pair(&mut self, w0: Value, w1: Value) -> Value {
        let v = self.b.ins().scalar_to_vector(types::I64X2, w0);
        self.b.ins().insertlane(v, w1, 1)
    }

    /// Register `r` := `[]`, its old value already moved out or released.
    fn st_nil(&mut self, r: u32) {
        // One 16-byte constant (the two words built apart cost two loads and an insert).
        let mut bytes = u64::from(self.l.nil).to_le_bytes().to_vec();
        bytes.extend_from_slice(&[0; 8]);
        let c = self
            .b
            .func
            .dfg
            .constants
            .insert(cranelift_codegen::ir::ConstantData::from(bytes));
        let v = self.b.ins().vconst(types::I64X2, c);
        self.st2v(r, v);
    }

    /// The frame's base register `bp` (`fp`'s index in the register file).
    fn bp_now(&mut self, e: &Env) -> Value {
        let fp = self.fpv();
        let regs = self.b.ins().load(I64, self.fx, e.ctx, CTX_REGS);
        let d = self.b.ins().isub(fp, regs);
        self.b.ins().ushr_imm_s(d, 4)
    }

    /// Before something that may move the register file (a BIF, a call when the code may
    /// call BIFs): the frame's base, for `refresh_fp` after it.
    fn before_move(&mut self, e: &Env) -> Option<Value> {
        self.moves.then(|| self.bp_now(e))
    }

    /// Re-derives the frame pointer from the base `before_move` gave.
    fn refresh_fp(&mut self, e: &Env, bp: Option<Value>) {
        if let Some(bp) = bp {
            let regs = self.b.ins().load(I64, self.fx, e.ctx, CTX_REGS);
            let off = self.b.ins().ishl_imm_s(bp, 4);
            let fp = self.b.ins().iadd(regs, off);
            self.b.def_var(self.fp, fp);
        }
    }

    fn k(&mut self, v: i64) -> Value {
        self.b.ins().iconst(I64, v)
    }

    fn addr(&mut self, r: u32) -> Value {
        self.addr_fl(r).0
    }

    /// Register `r`'s address and the flags its memory is accessed with.
    fn addr_fl(&mut self, r: u32) -> (Value, MemFlagsData) {
        let (base, at, f) = self.place(r);
        (self.b.ins().iadd_imm_s(base, i64::from(at)), f)
    }

    fn tag(&mut self, r: u32) -> Value {
        let (base, at, f) = self.place(r);
        let t = self.b.ins().load(types::I8, f, base, at);
        self.b.ins().uextend(I64, t)
    }

    fn w1(&mut self, r: u32) -> Value {
        self.ld(r, 8)
    }

    /// 1 when tag `t` owns nothing.
    fn is_imm(&mut self, t: Value) -> Value {
        self.b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThan, t, i64::from(self.l.imm_below))
    }

    /// Releases what register `r` holds (if anything), leaving it an immediate: a cons cell
    /// that stays referenced elsewhere loses one count inline (the register becomes `[]`),
    /// anything else that owns something goes to `jit_drop`.
    fn release(&mut self, r: u32) {
        // What the frame holds is released, not what an alias stands for; the register is
        // written next.
        let alias = self.alias.take().filter(|(a, _)| *a != r);
        if self.known_imm(r) {
            self.check_known(r);
        } else {
            self.release_always(r);
        }
        self.alias = alias;
    }

    /// Debug builds (the tests) check every register `analyze` claims holds an immediate.
    fn check_known(&mut self, r: u32) {
        if cfg!(debug_assertions) {
            let t = self.tag(r);
            let imm = self.is_imm(t);
            let bad = self.b.create_block();
            let ok = self.b.create_block();
            self.b.ins().brif(imm, ok, &[], bad, &[]);
            self.b.switch_to_block(bad);
            let f = self.k(self.f as *const FunDef as i64);
            let pc = self.k(self.pc as i64);
            let r = self.k(i64::from(r));
            self.call("jit_bad_known", &[f, pc, r], 0);
            self.b.ins().jump(ok, &[]);
            self.b.switch_to_block(ok);
        }
    }

    /// Whether register `r` is known to hold an immediate before the current instruction.
    fn known_imm(&self, r: u32) -> bool {
        if let Some(k) = self.known_here {
            return k & bit(r) != 0;
        }
        self.known
            .get(self.pc)
            .copied()
            .flatten()
            .is_some_and(|k| k & bit(r) != 0)
    }

    /// `release` whatever is known.
    fn release_always(&mut self, r: u32) {
        let drop = self.b.create_block();
        let done = self.b.create_block();
        let dies = self.b.create_block();
        let t = self.tag(r);
        let (base, at, f) = self.place(r);
        let p = self.count_down(t, base, at, f, done, drop, dies);
        // The register no longer owns the cell (a frame being cleared keeps it so).
        self.st_nil(r);
        self.b.ins().jump(done, &[]);
        // The last reference: a cell whose head owns nothing and whose tail owns nothing or
        // a cell that stays referenced is taken apart here and pooled.
        self.b.switch_to_block(dies);
        let h = self.b.ins().load(types::I8, self.fc, p, self.l.cons_head);
        let h = self.b.ins().uextend(I64, h);
        let h_imm = self.is_imm(h);
        let tail_test = self.b.create_block();
        let free = self.b.create_block();
        self.b.ins().brif(h_imm, tail_test, &[], drop, &[]);
        self.b.switch_to_block(tail_test);
        let t = self
            .b
            .ins()
            .load(types::I8, self.fc, p, self.l.cons_head + 16);
        let t = self.b.ins().uextend(I64, t);
        let _ = self.count_down(t, p, self.l.cons_head + 16, self.fc, free, drop, drop);
        self.b.ins().jump(free, &[]);
        self.b.switch_to_block(free);
        self.free_cell(p);
        self.st_nil(r);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(drop);
        self.b.set_cold_block(drop);
        let a = self.addr(r);
        self.call("jit_drop", &[a], 0);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }

    /// Branches on the tag `t` of the term at `base + at` (read with flags `f`): to `imm` when
    /// it owns nothing, to `other` when it is boxed but no cons, to `last` when it is a cons
    /// with one reference left; a cons referred to elsewhere loses one count and code goes on
    /// here. The cell's address, valid from here and in `last`.
    #[allow(clippy::too_many_arguments)]
    fn count_down(
        &mut self,
        t: Value,
        base: Value,
        at: i32,
        f: MemFlagsData,
        imm: Block,
        other: Block,
        last: Block,
    ) -> Value {
        let is_imm = self.is_imm(t);
        let boxed = self.b.create_block();
        self.b.ins().brif(is_imm, imm, &[], boxed, &[]);
        self.b.switch_to_block(boxed);
        let is_cons = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, t, i64::from(self.l.cons));
        let cons = self.b.create_block();
        self.b.ins().brif(is_cons, cons, &[], other, &[]);
        self.b.switch_to_block(cons);
        let p = self.b.ins().load(I64, f, base, at + 8);
        let n = self.b.ins().load(I64, self.fc, p, 0);
        let many = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, n, 1);
        let shared = self.b.create_block();
        self.b.ins().brif(many, shared, &[], last, &[]);
        self.b.switch_to_block(shared);
        let n1 = self.b.ins().iadd_imm_s(n, -1);
        self.b.ins().store(self.fc, n1, p, 0);
        p
    }

    /// Gives dead cell `p` (its terms released) to the pool, or to the allocator when the
    /// pool is full.
    fn free_cell(&mut self, p: Value) {
        let pool = self.pool;
        let len = self.b.ins().load(I64, self.fx, pool, POOL_LEN);
        let room = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThan, len, POOL_CAP as i64);
        let push = self.b.create_block();
        let full = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(room, push, &[], full, &[]);
        self.b.switch_to_block(push);
        let head = self.b.ins().load(I64, self.fx, pool, POOL_HEAD);
        self.b.ins().store(self.fc, head, p, 0);
        self.b.ins().store(self.fx, p, pool, POOL_HEAD);
        let len1 = self.b.ins().iadd_imm_s(len, 1);
        self.b.ins().store(self.fx, len1, pool, POOL_LEN);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(full);
        self.b.set_cold_block(full);
        self.call("jit_free_cell", &[p], 0);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }

    /// A new cell, counts set (one strong, one weak), from the pool or the allocator.
    fn alloc_cell(&mut self) -> Value {
        let pool = self.pool;
        let head = self.b.ins().load(I64, self.fx, pool, POOL_HEAD);
        let pop = self.b.create_block();
        let empty = self.b.create_block();
        let done = self.b.create_block();
        self.b.append_block_param(done, I64);
        self.b.ins().brif(head, pop, &[], empty, &[]);
        self.b.switch_to_block(pop);
        let next = self.b.ins().load(I64, self.fc, head, 0);
        self.b.ins().store(self.fx, next, pool, POOL_HEAD);
        let len = self.b.ins().load(I64, self.fx, pool, POOL_LEN);
        let len1 = self.b.ins().iadd_imm_s(len, -1);
        self.b.ins().store(self.fx, len1, pool, POOL_LEN);
        self.b.ins().jump(done, &[BlockArg::Value(head)]);
        self.b.switch_to_block(empty);
        self.b.set_cold_block(empty);
        let r = self.call("jit_cell", &[], 1);
        self.b.ins().jump(done, &[BlockArg::Value(r[0])]);
        self.b.switch_to_block(done);
        let p = self.b.block_params(done)[0];
        let one = self.k(1);
        self.b.ins().store(self.fc, one, p, 0);
        self.b.ins().store(self.fc, one, p, 8);
        p
    }

    /// A counted copy of the term at `addr`, as two words: an immediate as it is, a cons
    /// cell with one more count inline, anything else through `jit_clone_words`.
    fn clone_at(&mut self, addr: Value, f: MemFlagsData) -> (Value, Value) {
        let t = self.b.ins().load(types::I8, f, addr, 0);
        let t = self.b.ins().uextend(I64, t);
        let imm = self.is_imm(t);
        let boxed = self.b.create_block();
        let cons = self.b.create_block();
        let other = self.b.create_block();
        let plain = self.b.create_block();
        let done = self.b.create_block();
        self.b.append_block_param(done, I64);
        self.b.append_block_param(done, I64);
        self.b.ins().brif(imm, plain, &[], boxed, &[]);
        self.b.switch_to_block(boxed);
        let is_cons = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, t, i64::from(self.l.cons));
        self.b.ins().brif(is_cons, cons, &[], other, &[]);
        self.b.switch_to_block(cons);
        let p = self.b.ins().load(I64, f, addr, 8);
        let n = self.b.ins().load(I64, self.fc, p, 0);
        let n1 = self.b.ins().iadd_imm_s(n, 1);
        self.b.ins().store(self.fc, n1, p, 0);
        self.b.ins().jump(plain, &[]);
        self.b.switch_to_block(plain);
        let w0 = self.b.ins().load(I64, f, addr, 0);
        let w1 = self.b.ins().load(I64, f, addr, 8);
        self.b
            .ins()
            .jump(done, &[BlockArg::Value(w0), BlockArg::Value(w1)]);
        self.b.switch_to_block(other);
        self.b.set_cold_block(other);
        let r = self.call("jit_clone_words", &[addr], 2);
        self.b
            .ins()
            .jump(done, &[BlockArg::Value(r[0]), BlockArg::Value(r[1])]);
        self.b.switch_to_block(done);
        let p = self.b.block_params(done);
        (p[0], p[1])
    }

    /// Destination `k` of the running instruction, register `r` := the term at `at` (inside
    /// a cell), as `dest_plan` says: counted and written, an alias for the next instruction,
    /// or nothing.
    fn get_at(&mut self, k: usize, r: u32, at: Value) {
        match self.plans.get(self.pc).map_or(Dest::Write, |p| p[k]) {
            Dest::Write => {
                let (w0, w1) = self.clone_at(at, self.fc);
                self.put(r, w0, w1);
            }
            Dest::Alias => self.alias_next = Some((r, at)),
            Dest::Dead => {}
        }
    }

    /// The cell register `r` holds, or a jump to `fail` when it holds no cons.
    fn cell_of(&mut self, e: &Env, r: u32, fail: u32) -> Value {
        let t = self.tag(r);
        self.expect_tag(t, self.l.cons, e.blocks[fail as usize], &[]);
        self.w1(r)
    }

    /// Stores two words as register `r`, releasing its old value.
    fn put(&mut self, r: u32, w0: Value, w1: Value) {
        self.release(r);
        self.st2(r, w0, w1);
    }

    fn put_int(&mut self, r: u32, v: Value) {
        let t = self.k(i64::from(self.l.int));
        self.put(r, t, v);
    }

    /// Continues at `to` when `c` is nonzero, else at the next instruction.
    fn branch(&mut self, e: &Env, c: Value, to: u32, next: Block) {
        let t = e.blocks[to as usize];
        self.b.ins().brif(c, t, &[], next, &[]);
    }

    fn bail(&mut self, e: &Env, pc: usize) {
        let p = self.k(pc as i64);
        self.b.ins().jump(e.bail, &[BlockArg::Value(p)]);
    }

    /// Bails at `pc` unless `c` is nonzero; continues in a new block.
    fn bail_unless(&mut self, e: &Env, c: Value, pc: usize) {
        let ok = self.b.create_block();
        let out = self.b.create_block();
        self.b.set_cold_block(out);
        self.b.ins().brif(c, ok, &[], out, &[]);
        self.b.switch_to_block(out);
        self.bail(e, pc);
        self.b.switch_to_block(ok);
    }

    /// A literal's two words, counted: an immediate as constants; a list or tuple literal
    /// (it lives as long as the code) with one more count taken inline; `None` for the
    /// other boxed literals.
    fn lit_words(&mut self, val: &Term) -> Option<(Value, Value)> {
        if let Some((a, b)) = self.l.words(val) {
            return Some((self.k(a), self.k(b)));
        }
        let (tag, f) = match val {
            Term::Cons(_) => (self.l.cons, self.fc),
            Term::Tuple(_) => (self.l.tuple, self.ft),
            _ => return None,
        };
        // Both keep their count in the first word of the block the term points at.
        let p = self.k(word1(val) as i64);
        let n = self.b.ins().load(I64, f, p, 0);
        let n1 = self.b.ins().iadd_imm_s(n, 1);
        self.b.ins().store(f, n1, p, 0);
        Some((self.k(i64::from(tag)), p))
    }

    /// Operand `b` of the running instruction (whose other operand is `a`): the small integer
    /// it holds when the instruction before, the only way here, put that literal in it (a
    /// guard's `Y bsl 2`); the register otherwise. The literal stays in the register too, so
    /// the interpreter finds it there when native code hands back here.
    fn operand(&self, a: u32, b: u32) -> Operand {
        let pc = self.pc;
        if pc == 0 || a == b || self.preds.get(pc).copied() != Some(1) {
            return Operand::Reg(b);
        }
        match &self.f.code.instrs[pc - 1] {
            Instr::Lit {
                dst,
                val: Term::Int(k),
            } if *dst == b => Operand::Int(*k),
            _ => Operand::Reg(b),
        }
    }

    /// Goes on in a new block when `c` is nonzero, else to `other`.
    fn bail_to(&mut self, c: Value, other: Block) {
        self.bail_to_with(c, other, &[]);
    }

    /// `bail_to`, passing `args` to `other`.
    fn bail_to_with(&mut self, c: Value, other: Block, args: &[BlockArg]) {
        let ok = self.b.create_block();
        self.b.ins().brif(c, ok, &[], other, args);
        self.b.switch_to_block(ok);
    }

    /// Both registers' tags are `Int` (1) or not (0).
    fn both_int(&mut self, a: u32, b: Option<u32>) -> Value {
        let ta = self.tag(a);
        let int = i64::from(self.l.int);
        match b {
            Some(b) => {
                let tb = self.tag(b);
                let ia = self.b.ins().icmp_imm_s(IntCC::Equal, ta, int);
                let ib = self.b.ins().icmp_imm_s(IntCC::Equal, tb, int);
                self.b.ins().band(ia, ib)
            }
            None => self.b.ins().icmp_imm_s(IntCC::Equal, ta, int),
        }
    }

    /// `x op y` on small integers inline when `op` is `+ - *` (`None` otherwise): the value
    /// and an overflow flag.
    fn arith(&mut self, op: Op2, x: Value, y: Value) -> Option<(Value, Value)> {
        Some(match op {
            Op2::Add => self.b.ins().sadd_overflow(x, y),
            Op2::Sub => self.b.ins().ssub_overflow(x, y),
            Op2::Mul => self.b.ins().smul_overflow(x, y),
            _ => return None,
        })
    }

    fn int_cc(op: Op2) -> Option<IntCC> {
        Some(match op {
            Op2::Eq | Op2::ExactEq => IntCC::Equal,
            Op2::Ne | Op2::ExactNe => IntCC::NotEqual,
            Op2::Lt => IntCC::SignedLessThan,
            Op2::Le => IntCC::SignedLessThanOrEqual,
            Op2::Gt => IntCC::SignedGreaterThan,
            Op2::Ge => IntCC::SignedGreaterThanOrEqual,
            _ => return None,
        })
    }

    /// Releases every register of the frame (a return): what each held is dropped.
    fn clear_frame(&mut self) {
        for r in 0..self.f.code.frame {
            self.release(r);
        }
    }

    /// Returns two words from a function entered natively; bails at `pc` at depth 0 (the
    /// interpreter then runs the return itself), before anything changed.
    fn check_depth(&mut self, e: &Env, pc: usize) {
        self.bail_unless(e, e.depth0, pc);
    }

    /// Returns `w0`, `w1` through the function's one return block, which clears the frame
    /// (one copy of the releases instead of one per return: less code to compile).
    fn ret(&mut self, w0: Value, w1: Value) {
        let known = self.known.get(self.pc).copied().flatten().unwrap_or(0);
        let returns = self
            .f
            .code
            .instrs
            .iter()
            .filter(|i| {
                matches!(
                    i,
                    Instr::Return { .. }
                        | Instr::ReturnLit { .. }
                        | Instr::ReturnOp { .. }
                        | Instr::ReturnOpInt { .. }
                )
            })
            .count();
        if returns <= 4 || (0..self.f.code.frame).all(|r| known & bit(r) != 0) {
            // Few returns, or nothing to release: return here (the jump and the block's
            // parameters cost fib ~15%).
            self.clear_frame();
            self.b.ins().return_(&[w0, w1]);
            return;
        }
        let (block, k) = match self.ret_block {
            Some((b, k)) => (b, k & known),
            None => {
                let b = self.b.create_block();
                self.b.append_block_param(b, I64);
                self.b.append_block_param(b, I64);
                (b, known)
            }
        };
        self.ret_block = Some((block, k));
        self.b
            .ins()
            .jump(block, &[BlockArg::Value(w0), BlockArg::Value(w1)]);
    }

    /// The return block `ret` jumps to: the frame's registers released (those known to hold
    /// immediates at every return skipped), then the return.
    fn ret_block(&mut self) {
        if let Some((block, k)) = self.ret_block {
            self.b.switch_to_block(block);
            let p = self.b.block_params(block).to_vec();
            self.known_here = Some(k);
            self.clear_frame();
            self.known_here = None;
            self.b.ins().return_(&[p[0], p[1]]);
        }
    }

    fn function(&mut self) -> Option<()> {
        let code: &Code = &self.f.code;
        let n = code.instrs.len();
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        let blocks: Vec<Block> = (0..n).map(|_| self.b.create_block()).collect();
        let bail = self.b.create_block();
        self.b.append_block_param(bail, I64);
        self.b.switch_to_block(entry);
        let p = self.b.block_params(entry).to_vec();
        let (ctx, fp, pc, depth) = (p[0], p[1], p[2], p[3]);
        self.fp = self.b.declare_var(I64);
        self.b.def_var(self.fp, fp);
        let depth0 = self.b.ins().icmp_imm_s(IntCC::NotEqual, depth, 0);
        let mut region = |user_id: u32, description: &'static str| {
            let r = self.b.func.dfg.alias_regions.insert(AliasRegionData {
                user_id,
                description: description.into(),
            });
            flags().with_alias_region(Some(r))
        };
        self.fr = region(1, "registers");
        self.fc = region(2, "cells");
        self.fx = region(3, "ctx");
        self.ft = region(4, "tuples");
        self.pool = self.b.ins().load(I64, self.fx, ctx, CTX_POOL);
        let e = Env {
            ctx,
            blocks,
            bail,
            depth,
            depth0,
        };
        if !self.moves {
            // The register file cannot move or shrink while this code runs: whether every
            // call's frame fits is checked once, here (else the interpreter runs the
            // function and grows the file).
            let need = self.max_need();
            let end = self.b.ins().load(I64, self.fx, ctx, CTX_REGS_END);
            let want = self.b.ins().iadd_imm_s(fp, need as i64 * 16);
            let fits = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, want, end);
            let go = self.b.create_block();
            let zero = self.k(0);
            self.b
                .ins()
                .brif(fits, go, &[], e.bail, &[BlockArg::Value(zero)]);
            self.b.switch_to_block(go);
        }
        // Always entered at the first instruction (`pc` is 0).
        let _ = pc;
        self.b.ins().jump(e.blocks[0], &[]);
        // The hand-back: where it stands, then `BAIL`.
        self.b.switch_to_block(bail);
        self.b.set_cold_block(bail);
        let bpc = self.b.block_params(bail)[0];
        let fptr = self.k(self.f as *const FunDef as i64);
        self.b.ins().store(self.fx, fptr, ctx, CTX_BAIL_F);
        self.b.ins().store(self.fx, bpc, ctx, CTX_BAIL_PC);
        let bp = self.bp_now(&e);
        self.b.ins().store(self.fx, bp, ctx, CTX_BAIL_BP);
        let bw = self.k(BAIL as i64);
        let z = self.k(0);
        self.b.ins().return_(&[bw, z]);
        for pc in 0..n {
            self.b.switch_to_block(e.blocks[pc]);
            let next = if pc + 1 < n {
                Some(e.blocks[pc + 1])
            } else {
                None
            };
            self.pc = pc;
            self.alias = self.alias_next.take();
            self.instr(&e, pc, next)?;
            self.alias = None;
        }
        self.ret_block();
        self.b.seal_all_blocks();
        Some(())
    }

    fn instr(&mut self, e: &Env, pc: usize, next: Option<Block>) -> Option<()> {
        let ins: &Instr = &self.f.code.instrs[pc];
        // The block to fall through to (an instruction that falls through off the end cannot
        // exist: `lower_fun` ends every function with one that does not).
        macro_rules! next {
            () => {
                next?
            };
        }
        match ins {
            Instr::Move { dst, src } => {
                if dst != src {
                    let ts = self.tag(*src);
                    let td = self.tag(*dst);
                    let a = self.is_imm(ts);
                    let b = self.is_imm(td);
                    let both = self.b.ins().band(a, b);
                    let fast = self.b.create_block();
                    let slow = self.b.create_block();
                    self.b.ins().brif(both, fast, &[], slow, &[]);
                    self.b.switch_to_block(fast);
                    let v = self.ld2(*src);
                    self.st2v(*dst, v);
                    self.b.ins().jump(next!(), &[]);
                    self.b.switch_to_block(slow);
                    let (s, f) = self.addr_fl(*src);
                    let (w0, w1) = self.clone_at(s, f);
                    self.put(*dst, w0, w1);
                }
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Take { .. } if self.deferred.get(pc).copied().unwrap_or(false) => {
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Take { dst, src } => {
                if dst != src {
                    let v = self.ld2(*src);
                    self.st_nil(*src);
                    self.release(*dst);
                    self.st2v(*dst, v);
                }
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Lit { dst, val } => {
                match self.lit_words(val) {
                    Some((a, b)) => {
                        self.put(*dst, a, b);
                    }
                    None => {
                        let d = self.addr(*dst);
                        let v = self.k(val as *const Term as i64);
                        self.call("jit_copy", &[d, v], 0);
                    }
                }
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Tuple { dst, start, n } if *n <= 32 => {
                // The elements move from their registers into a new block (each left `[]`),
                // copied here 16 bytes at a time.
                let k = self.k(i64::from(*n));
                let p = self.call("jit_tuple_block", &[k], 1)[0];
                let f = unaligned(self.ft);
                for i in 0..*n {
                    let v = self.ld2(start + i);
                    let at = self.l.tuple_elems + 16 * i as i32;
                    self.b.ins().store(f, v, p, at);
                    self.st_nil(start + i);
                }
                let tag = self.k(i64::from(self.l.tuple));
                self.put(*dst, tag, p);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Tuple { dst, start, n } => {
                let d = self.addr(*dst);
                let s = self.addr(*start);
                let n = self.k(i64::from(*n));
                self.call("jit_tuple", &[d, s, n], 0);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Cons { dst, head, tail } | Instr::ConsTake { dst, head, tail } => {
                // Head and tail are copied (counted) or moved out before the destination's
                // old value is released: it may be one of them.
                let (hv, tv) = if matches!(ins, Instr::ConsTake { .. }) && head != tail {
                    let hv = self.ld2(*head);
                    let tv = self.ld2(*tail);
                    self.st_nil(*head);
                    self.st_nil(*tail);
                    (hv, tv)
                } else {
                    let (a, f) = self.addr_fl(*head);
                    let (h0, h1) = self.clone_at(a, f);
                    let (a, f) = self.addr_fl(*tail);
                    let (t0, t1) = self.clone_at(a, f);
                    (self.pair(h0, h1), self.pair(t0, t1))
                };
                let p = self.alloc_cell();
                let f = unaligned(self.fc);
                self.b.ins().store(f, hv, p, self.l.cons_head);
                self.b.ins().store(f, tv, p, self.l.cons_head + 16);
                let tag = self.k(i64::from(self.l.cons));
                self.put(*dst, tag, p);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Op { op, dst, a, b } => {
                let b = self.operand(*a, *b);
                self.op(e, pc, *op, *dst, *a, b, false);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::OpInt { op, dst, a, k } => {
                self.op(e, pc, *op, *dst, *a, Operand::Int(*k), false);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::GuardOp { op, dst, a, b, .. } => {
                let b = self.operand(*a, *b);
                self.op(e, pc, *op, *dst, *a, b, true);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Return { src } => {
                self.check_depth(e, pc);
                let w0 = self.ld(*src, 0);
                let w1 = self.w1(*src);
                self.st_nil(*src);
                self.ret(w0, w1);
            }
            Instr::ReturnLit { val } => {
                self.check_depth(e, pc);
                let (w0, w1) = match self.lit_words(val) {
                    Some(w) => w,
                    None => {
                        let v = self.k(val as *const Term as i64);
                        let r = self.call("jit_clone_words", &[v], 2);
                        (r[0], r[1])
                    }
                };
                self.ret(w0, w1);
            }
            Instr::ReturnOp { op, a, b } => {
                self.check_depth(e, pc);
                let b = self.operand(*a, *b);
                self.ret_op(e, pc, *op, *a, b);
            }
            Instr::ReturnOpInt { op, a, k } => {
                self.check_depth(e, pc);
                self.ret_op(e, pc, *op, *a, Operand::Int(*k));
            }
            Instr::Call { fun, base, dst } => {
                let callee = &self.m.funs[*fun as usize];
                self.can_call(e, pc, u64::from(*base) + u64::from(callee.code.frame));
                let cid = self.ids[callee.jit.id.get() as usize];
                let cref = self.module.declare_func_in_func(cid, self.b.func);
                let bp = self.before_move(e);
                let fp = self.fpv();
                let nfp = self.b.ins().iadd_imm_s(fp, i64::from(*base) * 16);
                let zero = self.k(0);
                let d = self.b.ins().iadd_imm_s(e.depth, 1);
                let inst = self.b.ins().call(cref, &[e.ctx, nfp, zero, d]);
                let r = self.b.inst_results(inst).to_vec();
                self.refresh_fp(e, bp);
                self.after_call(e, pc, *dst, &r);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::TailCall { fun, base, n } => {
                let callee_idx = *fun as usize;
                let callee = &self.m.funs[callee_idx];
                let me = std::ptr::eq(callee, self.f);
                if !me {
                    // Another function: a native call whose value is returned, which needs a
                    // native caller to return it to.
                    self.check_depth(e, pc);
                }
                // The `take`s left out before this call (`deferred_takes`): (from, to).
                let mut kept: Vec<(u32, u32)> = Vec::new();
                if me && *base >= *n {
                    for k in deferred_chain(&self.f.code, &self.preds, pc, *base, *n) {
                        if let Instr::Take { dst, src } = &self.f.code.instrs[k] {
                            kept.push((*src, *dst));
                        }
                    }
                }
                if me {
                    // The running frame is reused and no native frame is added: only the
                    // reduction is counted (and its boundary checked).
                    let red = self.b.ins().load(I64, self.fx, e.ctx, CTX_REDUCTIONS);
                    let r = self.b.ins().iadd_imm_s(red, 1);
                    let low = self.b.ins().band_imm_s(r, 2047);
                    let ok = self.b.create_block();
                    let out = self.b.create_block();
                    self.b.set_cold_block(out);
                    self.b.ins().brif(low, ok, &[], out, &[]);
                    self.b.switch_to_block(out);
                    // Handing back here: the interpreter makes this call, with the arguments
                    // where the left-out `take`s would have put them.
                    for &(from, to) in &kept {
                        let v = self.ld2(from);
                        self.st_nil(from);
                        self.release_always(to);
                        self.st2v(to, v);
                    }
                    self.bail(e, pc);
                    self.b.switch_to_block(ok);
                    self.b.ins().store(self.fx, r, e.ctx, CTX_REDUCTIONS);
                } else {
                    self.can_call(e, pc, u64::from(callee.code.frame));
                }
                let skip: Vec<u32> = kept.iter().map(|&(from, _)| from).collect();
                self.move_args_down_except(*base, *n, &skip);
                if me {
                    self.b.ins().jump(e.blocks[0], &[]);
                } else {
                    let cid = self.ids[callee.jit.id.get() as usize];
                    let cref = self.module.declare_func_in_func(cid, self.b.func);
                    let zero = self.k(0);
                    let d = self.b.ins().iadd_imm_s(e.depth, 1);
                    let fp = self.fpv();
                    let inst = self.b.ins().call(cref, &[e.ctx, fp, zero, d]);
                    let r = self.b.inst_results(inst).to_vec();
                    // A hand-back passes straight up: this frame is gone (the callee's
                    // replaced it), so none is recorded for it.
                    self.b.ins().return_(&[r[0], r[1]]);
                }
            }
            Instr::Jump { to } => {
                self.b.ins().jump(e.blocks[*to as usize], &[]);
            }
            Instr::IsInt { a, k, fail } => {
                let t = self.tag(*a);
                self.expect_tag(t, self.l.int, e.blocks[*fail as usize], &[]);
                let v = self.w1(*a);
                let ne = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, *k);
                self.branch(e, ne, *fail, next!());
            }
            Instr::IsAtom { a, atom, fail } => {
                let w = self.ld(*a, 0);
                // The tag byte and the index; the bytes between are padding.
                let w = self.b.ins().band_imm_s(w, 0xffff_ffff_0000_00ff_u64 as i64);
                let want = i64::from(self.l.atom) | (i64::from(atom.0) << 32);
                let ne = self.b.ins().icmp_imm_s(IntCC::NotEqual, w, want);
                self.branch(e, ne, *fail, next!());
            }
            Instr::IsNil { a, fail } => {
                let t = self.tag(*a);
                let ne = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::NotEqual, t, i64::from(self.l.nil));
                self.branch(e, ne, *fail, next!());
            }
            Instr::IsLit { a, val, fail }
                if matches!(val, Term::Int(_) | Term::Nil | Term::Atom(_)) =>
            {
                // An integer, atom or `[]` literal: compared inline (tag byte and payload).
                let (want_tag, want) = self.l.words(val)?;
                match val {
                    Term::Atom(_) => {
                        let w = self.ld(*a, 0);
                        let w = self.b.ins().band_imm_s(w, 0xffff_ffff_0000_00ff_u64 as i64);
                        let ne = self.b.ins().icmp_imm_s(IntCC::NotEqual, w, want_tag);
                        self.branch(e, ne, *fail, next!());
                    }
                    Term::Nil => {
                        let t = self.tag(*a);
                        let ne = self.b.ins().icmp_imm_s(IntCC::NotEqual, t, want_tag);
                        self.branch(e, ne, *fail, next!());
                    }
                    _ => {
                        let t = self.tag(*a);
                        let tag_ok = self.b.ins().icmp_imm_s(IntCC::Equal, t, want_tag);
                        let chk = self.b.create_block();
                        self.b
                            .ins()
                            .brif(tag_ok, chk, &[], e.blocks[*fail as usize], &[]);
                        self.b.switch_to_block(chk);
                        let w = self.w1(*a);
                        let ne = self.b.ins().icmp_imm_s(IntCC::NotEqual, w, want);
                        self.branch(e, ne, *fail, next!());
                    }
                }
            }
            Instr::IsLit { a, val, fail } => {
                let x = self.addr(*a);
                let v = self.k(val as *const Term as i64);
                let r = self.call("jit_exact_eq", &[x, v], 1);
                let ne = self.b.ins().icmp_imm_s(IntCC::Equal, r[0], 0);
                self.branch(e, ne, *fail, next!());
            }
            Instr::IsEq { a, b, fail } => {
                // Two small integers compared inline; anything else by `exact_eq`.
                let both = self.both_int(*a, Some(*b));
                let ints = self.b.create_block();
                let other = self.b.create_block();
                self.b.set_cold_block(other);
                self.b.ins().brif(both, ints, &[], other, &[]);
                self.b.switch_to_block(ints);
                let x = self.w1(*a);
                let y = self.w1(*b);
                let ne = self.b.ins().icmp(IntCC::NotEqual, x, y);
                self.branch(e, ne, *fail, next!());
                self.b.switch_to_block(other);
                let x = self.addr(*a);
                let y = self.addr(*b);
                let r = self.call("jit_exact_eq", &[x, y], 1);
                let ne = self.b.ins().icmp_imm_s(IntCC::Equal, r[0], 0);
                self.branch(e, ne, *fail, next!());
            }
            Instr::GetList {
                a,
                head,
                tail,
                fail,
            } => {
                let c = self.cell_of(e, *a, *fail);
                let h = self.b.ins().iadd_imm_s(c, i64::from(self.l.cons_head));
                let t = self.b.ins().iadd_imm_s(c, i64::from(self.l.cons_head) + 16);
                // Both are read before either is written: one may be the list's register.
                let plan = self.plans.get(pc).copied().unwrap_or([Dest::Write; 2]);
                let hw = (plan[0] == Dest::Write).then(|| self.clone_at(h, self.fc));
                let tw = (plan[1] == Dest::Write).then(|| self.clone_at(t, self.fc));
                match hw {
                    Some((h0, h1)) => self.put(*head, h0, h1),
                    None => self.get_at(0, *head, h),
                }
                match tw {
                    Some((t0, t1)) => self.put(*tail, t0, t1),
                    None => self.get_at(1, *tail, t),
                }
                self.b.ins().jump(next!(), &[]);
            }
            Instr::GetHd { a, dst, fail } | Instr::GetTl { a, dst, fail } => {
                let off = if matches!(ins, Instr::GetHd { .. }) {
                    0
                } else {
                    16
                };
                let c = self.cell_of(e, *a, *fail);
                let x = self
                    .b
                    .ins()
                    .iadd_imm_s(c, i64::from(self.l.cons_head) + off);
                self.get_at(0, *dst, x);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::GetTlN { a, n, dst, fail } => {
                // The `n`th tail: each step's term must be a cons.
                let (mut at, mut f) = self.addr_fl(*a);
                for _ in 0..*n {
                    let t = self.tag_at(at, f);
                    self.expect_tag(t, self.l.cons, e.blocks[*fail as usize], &[]);
                    let c = self.b.ins().load(I64, f, at, 8);
                    f = self.fc;
                    at = self.b.ins().iadd_imm_s(c, i64::from(self.l.cons_head) + 16);
                }
                self.get_at(0, *dst, at);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::HdIsInt { a, k, fail } => self.hd_is(e, *a, 0, *k, *fail, next!()),
            Instr::HdIsAtom { a, atom, fail } => {
                self.hd_is(e, *a, 1, i64::from(atom.0), *fail, next!())
            }
            Instr::IsTuple { a, n, fail } => {
                let x = self.addr(*a);
                let n = self.k(i64::from(*n));
                let r = self.call("jit_is_tuple", &[x, n], 1);
                let no = self.b.ins().icmp_imm_s(IntCC::Equal, r[0], 0);
                self.branch(e, no, *fail, next!());
            }
            Instr::IsType { a, ty, fail } if self.tags_of(*ty).is_some() => {
                let (tags, ask) = self.tags_of(*ty)?;
                let t = self.tag(*a);
                let mut yes = self.b.ins().iconst(types::I8, 0);
                for tg in tags {
                    let is = self.b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(tg));
                    yes = self.b.ins().bor(yes, is);
                }
                let no = e.blocks[*fail as usize];
                match ask {
                    None => {
                        self.b.ins().brif(yes, next!(), &[], no, &[]);
                    }
                    Some(tg) => {
                        // Only terms with tag `tg` need the full test.
                        let maybe = self.b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(tg));
                        let slow = self.b.create_block();
                        self.b.ins().brif(maybe, slow, &[], no, &[]);
                        self.b.switch_to_block(slow);
                        self.is_type_call(e, ty, *a, *fail, next!());
                    }
                }
            }
            Instr::IsType { a, ty, fail } => self.is_type_call(e, ty, *a, *fail, next!()),
            Instr::GetElem { a, i, dst } => {
                let x = self.addr(*a);
                let i = self.k(i64::from(*i));
                let d = self.addr(*dst);
                let r = self.call("jit_get_elem", &[x, i, d], 1);
                self.bail_unless(e, r[0], pc);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Cmp { op, a, b, fail } => {
                let k = match self.operand(*a, *b) {
                    Operand::Int(k) => Some(k),
                    Operand::Reg(_) => None,
                };
                let both = self.both_int(*a, if k.is_some() { None } else { Some(*b) });
                self.bail_unless(e, both, pc);
                let x = self.w1(*a);
                let cc = Self::int_cc(*op)?;
                let holds = match k {
                    Some(k) => self.b.ins().icmp_imm_s(cc, x, k),
                    None => {
                        let y = self.w1(*b);
                        self.b.ins().icmp(cc, x, y)
                    }
                };
                let t = e.blocks[*fail as usize];
                self.b.ins().brif(holds, next!(), &[], t, &[]);
            }
            Instr::CmpInt { op, a, k, fail } => {
                let is = self.both_int(*a, None);
                self.bail_unless(e, is, pc);
                let x = self.w1(*a);
                let cc = Self::int_cc(*op)?;
                let holds = self.b.ins().icmp_imm_s(cc, x, *k);
                let t = e.blocks[*fail as usize];
                self.b.ins().brif(holds, next!(), &[], t, &[]);
            }
            Instr::Switch { a, table } => {
                let t = self.k(&**table as *const SwitchTable as i64);
                let x = self.addr(*a);
                let r = self.call("jit_switch", &[t, x], 1);
                self.jump_to_label(e, r[0]);
            }
            Instr::Select { table }
                if self.select_inline(table).is_some() && table.leaf.len() <= 64 =>
            {
                // A small table: a decision tree, probe by probe, that stops probing as soon
                // as the label is decided (an `I == 0` first column skips the list walk).
                let probes = self.select_inline(table)?;
                let counts: Vec<usize> = table.probes.iter().map(|p| p.names.len() + 1).collect();
                let strides: Vec<usize> = probes.iter().map(|(_, s, _)| *s as usize).collect();
                let reach = |level: usize, offset: usize| -> Vec<u32> {
                    // The labels the probes from `level` on can still pick.
                    let mut at = vec![offset];
                    for j in level..counts.len() {
                        let s = strides[j];
                        at = at
                            .iter()
                            .flat_map(|&o| (0..counts[j]).map(move |v| o + v * s))
                            .collect();
                    }
                    at.iter()
                        .filter_map(|&i| table.leaf.get(i).copied())
                        .collect()
                };
                // Nodes still to generate: (block, level, offset).
                let mut todo = vec![(None, 0usize, 0usize)];
                while let Some((block, level, offset)) = todo.pop() {
                    if let Some(b) = block {
                        self.b.switch_to_block(b);
                    }
                    let labels = reach(level, offset);
                    let first = *labels.first()?;
                    if labels.iter().all(|l| *l == first) || level == probes.len() {
                        self.b.ins().jump(e.blocks[first as usize], &[]);
                        continue;
                    }
                    let (reg, _, p) = &probes[level];
                    let idx = self.probe_index(*reg, p);
                    let kids: Vec<Block> =
                        (0..counts[level]).map(|_| self.b.create_block()).collect();
                    if kids.len() <= 4 {
                        // A few values: compares (an indirect jump costs more).
                        for v in (2..kids.len()).rev() {
                            let is = self.b.ins().icmp_imm_s(IntCC::Equal, idx, v as i64);
                            let other = self.b.create_block();
                            self.b.ins().brif(is, kids[v], &[], other, &[]);
                            self.b.switch_to_block(other);
                        }
                        self.b.ins().brif(idx, kids[1], &[], kids[0], &[]);
                    } else {
                        self.br_table(idx, &kids);
                    }
                    for (v, k) in kids.into_iter().enumerate() {
                        todo.push((Some(k), level + 1, offset + v * strides[level]));
                    }
                }
            }
            Instr::Select { table } if self.select_inline(table).is_some() => {
                let probes = self.select_inline(table)?;
                let mut total = self.k(0);
                for (reg, stride, p) in probes {
                    let i = self.probe_index(reg, &p);
                    let i = if stride == 1 {
                        i
                    } else {
                        self.b.ins().imul_imm_s(i, i64::from(stride))
                    };
                    total = self.b.ins().iadd(total, i);
                }
                let leaf = self.k(table.leaf.as_ptr() as i64);
                let off = self.b.ins().ishl_imm_s(total, 2);
                let at = self.b.ins().iadd(leaf, off);
                let l = self.b.ins().load(types::I32, flags(), at, 0);
                let l = self.b.ins().uextend(I64, l);
                self.jump_to_label(e, l);
            }
            Instr::Select { table } => {
                let t = self.k(&**table as *const SelectTable as i64);
                let n = self.k(i64::from(self.f.code.frame));
                let fp = self.fpv();
                let r = self.call("jit_select", &[t, fp, n], 1);
                self.jump_to_label(e, r[0]);
            }
            Instr::CallExt {
                base,
                n,
                tail,
                dst,
                bif: None,
                ..
            } => {
                if *tail {
                    self.check_depth(e, pc);
                }
                let r = self.call_checks(e, pc);
                let i = self.k(ins as *const Instr as i64);
                let fptr = self.k(self.f as *const FunDef as i64);
                let bp = self.bp_now(e);
                let off = if *tail { 0 } else { i64::from(*base) };
                let top = self.b.ins().iadd_imm_s(bp, off);
                // The site's own cache first (`SiteCache`): same module table and runtime as
                // when it was filled, and room for the callee's frame.
                let cache = Box::new(SiteCache {
                    epoch: u64::MAX,
                    rt: 0,
                    entry: 0,
                    frame: 0,
                });
                let cache_at = self.k(&*cache as *const SiteCache as i64);
                self.sites.push(cache);
                let ep = self.b.ins().load(I64, self.fx, self.pool, POOL_EPOCH);
                let ep = self.b.ins().load(I64, self.fx, ep, 0);
                let c_ep = self.b.ins().load(I64, self.fx, cache_at, SITE_EPOCH);
                let rt = self.b.ins().load(I64, self.fx, e.ctx, CTX_RT);
                let c_rt = self.b.ins().load(I64, self.fx, cache_at, SITE_RT);
                let same_ep = self.b.ins().icmp(IntCC::Equal, ep, c_ep);
                let same_rt = self.b.ins().icmp(IntCC::Equal, rt, c_rt);
                let hit = self.b.ins().band(same_ep, same_rt);
                let fast = self.b.create_block();
                let slow = self.b.create_block();
                let join = self.b.create_block();
                self.b.append_block_param(join, I64);
                self.b.set_cold_block(slow);
                self.b.ins().brif(hit, fast, &[], slow, &[]);
                self.b.switch_to_block(fast);
                let frame = self.b.ins().load(I64, self.fx, cache_at, SITE_FRAME);
                let len = self.b.ins().load(I64, self.fx, e.ctx, CTX_REGS_LEN);
                let end = self.b.ins().iadd(top, frame);
                let fits = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, end, len);
                let cached = self.b.ins().load(I64, self.fx, cache_at, SITE_ENTRY);
                let fast_ok = self.b.create_block();
                self.b.ins().brif(fits, fast_ok, &[], slow, &[]);
                self.b.switch_to_block(fast_ok);
                self.b.ins().jump(join, &[BlockArg::Value(cached)]);
                self.b.switch_to_block(slow);
                let entry = self.call("jit_site", &[e.ctx, i, fptr, top, cache_at], 1)[0];
                self.b.ins().jump(join, &[BlockArg::Value(entry)]);
                self.b.switch_to_block(join);
                let entry = self.b.block_params(join)[0];
                self.bail_unless(e, entry, pc);
                self.b.ins().store(self.fx, r, e.ctx, CTX_REDUCTIONS);
                if *tail {
                    self.move_args_down(*base, *n);
                }
                if *tail && *n as usize == self.f.arity {
                    // `?MODULE:f(...)` from `f` itself (a server loop): a jump, as a local
                    // self tail call is.
                    let own_id = self.ids[self.f.jit.id.get() as usize];
                    let own = self.module.declare_func_in_func(own_id, self.b.func);
                    let own = self.b.ins().func_addr(I64, own);
                    let me = self.b.ins().icmp(IntCC::Equal, entry, own);
                    let other = self.b.create_block();
                    self.b.ins().brif(me, e.blocks[0], &[], other, &[]);
                    self.b.switch_to_block(other);
                }
                let sig = self.jit_sig();
                let zero = self.k(0);
                let d = self.b.ins().iadd_imm_s(e.depth, 1);
                let fp = self.fpv();
                let nfp = self.b.ins().iadd_imm_s(fp, off * 16);
                let inst = self
                    .b
                    .ins()
                    .call_indirect(sig, entry, &[e.ctx, nfp, zero, d]);
                let res = self.b.inst_results(inst).to_vec();
                if *tail {
                    // As for a tail call of another local function: the value, or a hand-back,
                    // passes straight up.
                    self.b.ins().return_(&[res[0], res[1]]);
                } else {
                    self.refresh_fp(e, self.moves.then_some(bp));
                    self.after_call(e, pc, *dst, &res);
                    self.b.ins().jump(next!(), &[]);
                }
            }
            Instr::Bif {
                fast: FastBif::SelfPid,
                dst,
                ..
            } => {
                let pid = self.b.ins().load(I64, self.fx, e.ctx, CTX_PID);
                let tag = self.k(i64::from(self.l.pid));
                self.put(*dst, tag, pid);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Bif {
                fast: FastBif::Element | FastBif::TupleSize,
                dst,
                args,
                ..
            } => {
                // A tuple's element or size read inline; anything else (a bad argument: the
                // BIF raises) through `jit_bif`.
                let slow = self.b.create_block();
                self.b.set_cold_block(slow);
                let done = self.b.create_block();
                let t = *args.last()?;
                let tt = self.tag(t);
                self.expect_tag(tt, self.l.tuple, slow, &[]);
                let p = self.w1(t);
                let len = self.b.ins().load(I64, self.ft, p, self.l.tuple_len);
                if args.len() == 1 {
                    self.put_int(*dst, len);
                } else {
                    let it = self.tag(args[0]);
                    self.expect_tag(it, self.l.int, slow, &[]);
                    let i = self.w1(args[0]);
                    let i0 = self.b.ins().iadd_imm_s(i, -1);
                    let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, i0, len);
                    self.bail_to(inside, slow);
                    let off = self.b.ins().ishl_imm_s(i0, 4);
                    let base = self.b.ins().iadd(p, off);
                    let at = self.b.ins().iadd_imm_s(base, i64::from(self.l.tuple_elems));
                    let (w0, w1) = self.clone_at(at, self.ft);
                    self.put(*dst, w0, w1);
                }
                self.b.ins().jump(done, &[]);
                self.b.switch_to_block(slow);
                let r = self.bif_call(e, ins);
                self.bail_unless(e, r, pc + 1);
                self.b.ins().jump(done, &[]);
                self.b.switch_to_block(done);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::Bif { .. } => {
                let r = self.bif_call(e, ins);
                // Raised: the interpreter raises it, past this instruction.
                self.bail_unless(e, r, pc + 1);
                self.b.ins().jump(next!(), &[]);
            }
            Instr::GuardBif { fail, .. } | Instr::BifTest { fail, .. } => {
                let r = self.bif_call(e, ins);
                let no = self.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
                self.branch(e, no, *fail, next!());
            }
            // The instructions that raise, and anything else: the interpreter runs them.
            _ => self.bail(e, pc),
        }
        Some(())
    }

    /// A `select`'s probes as native code computes them (register, stride, shape), if all
    /// are of the inline shapes (short key lists: a compare each).
    fn select_inline<'t>(
        &self,
        table: &'t SelectTable,
    ) -> Option<Vec<(u32, u32, InlineProbe<'t>)>> {
        table
            .probes
            .iter()
            .map(|p| {
                let i = p.inline()?;
                let short = match &i.keys {
                    InlineKeys::Ints(keys) => keys.len() <= 16,
                    InlineKeys::Atoms(keys) => keys.len() <= 16,
                    InlineKeys::Mixed { names, .. } => names.len() <= 16,
                    _ => true,
                } && i.path.len() <= 8;
                short.then_some((p.reg, p.stride, i))
            })
            .collect()
    }

    /// Calls the BIF instruction `ins` (`jit_bif`) and re-derives the frame pointer after it
    /// (a BIF may move the register file); its result: 1 done, 0 raised or failed.
    fn bif_call(&mut self, e: &Env, ins: &Instr) -> Value {
        let i = self.k(ins as *const Instr as i64);
        let bp = self.bp_now(e);
        let r = self.call("jit_bif", &[e.ctx, i, bp], 1);
        self.refresh_fp(e, Some(bp));
        r[0]
    }

    /// Type test `ty` of register `a` in Rust (`jit_is_type`): on to `next`, or to `fail`.
    fn is_type_call(&mut self, e: &Env, ty: &TypeTest, a: u32, fail: u32, next: Block) {
        let t = self.k(ty as *const TypeTest as i64);
        let x = self.addr(a);
        let r = self.call("jit_is_type", &[t, x], 1);
        let no = self.b.ins().icmp_imm_s(IntCC::Equal, r[0], 0);
        self.branch(e, no, fail, next);
    }

    /// The tags that pass type test `ty`, and the one tag (if any) for which the term must be
    /// looked at; `None` when the test is made in Rust.
    fn tags_of(&self, ty: TypeTest) -> Option<(Vec<u8>, Option<u8>)> {
        let l = &self.l;
        if let TypeTest::Binary = ty {
            return Some((Vec::new(), Some(l.bin)));
        }
        Some((
            match ty {
                TypeTest::Integer => vec![l.int, l.big],
                TypeTest::Float => vec![l.float],
                TypeTest::Number => vec![l.int, l.big, l.float],
                TypeTest::Atom => vec![l.atom],
                TypeTest::Tuple => vec![l.tuple],
                TypeTest::List => vec![l.cons, l.nil],
                TypeTest::Pid => vec![l.pid],
                TypeTest::Reference => vec![l.refr],
                TypeTest::Bitstring => vec![l.bin],
                _ => return None,
            },
            None,
        ))
    }

    /// The tag of the term at `addr`.
    fn tag_at(&mut self, addr: Value, f: MemFlagsData) -> Value {
        let t = self.b.ins().load(types::I8, f, addr, 0);
        self.b.ins().uextend(I64, t)
    }

    /// Goes on in a new block when tag `t` is `want`, else to `other` with `args`.
    fn expect_tag(&mut self, t: Value, want: u8, other: Block, args: &[BlockArg]) {
        let is = self.b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(want));
        let ok = self.b.create_block();
        self.b.ins().brif(is, ok, &[], other, args);
        self.b.switch_to_block(ok);
    }

    /// A probe's key index (0: none of its keys) for register `reg`.
    fn probe_index(&mut self, reg: u32, p: &InlineProbe) -> Value {
        let done = self.b.create_block();
        self.b.append_block_param(done, I64);
        let zero = self.k(0);
        let (mut at, mut f) = self.addr_fl(reg);
        let none = [BlockArg::Value(zero)];
        for &hd in &p.path {
            let t = self.tag_at(at, f);
            self.expect_tag(t, self.l.cons, done, &none);
            let c = self.b.ins().load(I64, f, at, 8);
            f = self.fc;
            let off = i64::from(self.l.cons_head) + if hd { 0 } else { 16 };
            at = self.b.ins().iadd_imm_s(c, off);
        }
        let t = self.tag_at(at, f);
        let v = match &p.keys {
            InlineKeys::Dense { lo, table } => {
                self.expect_tag(t, self.l.int, done, &none);
                let k = self.b.ins().load(I64, f, at, 8);
                let i = self.b.ins().iadd_imm_s(k, lo.wrapping_neg());
                let inr = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::UnsignedLessThan, i, table.len() as i64);
                self.bail_to_with(inr, done, &none);
                let base = self.k(table.as_ptr() as i64);
                let off = self.b.ins().ishl_imm_s(i, 2);
                let a = self.b.ins().iadd(base, off);
                let v = self.b.ins().load(types::I32, flags(), a, 0);
                self.b.ins().uextend(I64, v)
            }
            InlineKeys::Ints(keys) => {
                self.expect_tag(t, self.l.int, done, &none);
                let k = self.b.ins().load(I64, f, at, 8);
                let mut idx = zero;
                for (j, key) in keys.iter().enumerate().rev() {
                    let eq = self.b.ins().icmp_imm_s(IntCC::Equal, k, *key);
                    let n = self.k(j as i64 + 1);
                    idx = self.b.ins().select(eq, n, idx);
                }
                idx
            }
            InlineKeys::Atoms(keys) => {
                let w = self.b.ins().load(I64, f, at, 0);
                let w = self.b.ins().band_imm_s(w, 0xffff_ffff_0000_00ff_u64 as i64);
                let mut idx = zero;
                for (j, a) in keys.iter().enumerate().rev() {
                    let want = i64::from(self.l.atom) | (i64::from(a.0) << 32);
                    let eq = self.b.ins().icmp_imm_s(IntCC::Equal, w, want);
                    let n = self.k(j as i64 + 1);
                    idx = self.b.ins().select(eq, n, idx);
                }
                idx
            }
            InlineKeys::List { nil, cons } => {
                let is_nil = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, t, i64::from(self.l.nil));
                let is_cons = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, t, i64::from(self.l.cons));
                let n = self.k(i64::from(*nil));
                let c = self.k(i64::from(*cons));
                let v = self.b.ins().select(is_cons, c, zero);
                self.b.ins().select(is_nil, n, v)
            }
            InlineKeys::Mixed { names, probe } => {
                let w0 = self.b.ins().load(I64, f, at, 0);
                let w1 = self.b.ins().load(I64, f, at, 8);
                let is_int = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, t, i64::from(self.l.int));
                let atom_w = self
                    .b
                    .ins()
                    .band_imm_s(w0, 0xffff_ffff_0000_00ff_u64 as i64);
                let mut idx = zero;
                let mut others = false;
                for (j, key) in names.iter().enumerate().rev() {
                    let eq = match key {
                        Key::Int(i) => {
                            let v = self.b.ins().icmp_imm_s(IntCC::Equal, w1, *i);
                            self.b.ins().band(is_int, v)
                        }
                        Key::Atom(a) => {
                            let want = i64::from(self.l.atom) | (i64::from(a.0) << 32);
                            self.b.ins().icmp_imm_s(IntCC::Equal, atom_w, want)
                        }
                        Key::Nil => self
                            .b
                            .ins()
                            .icmp_imm_s(IntCC::Equal, t, i64::from(self.l.nil)),
                        Key::Cons => {
                            self.b
                                .ins()
                                .icmp_imm_s(IntCC::Equal, t, i64::from(self.l.cons))
                        }
                        Key::Tuple(..) | Key::Bin | Key::Map => {
                            others = true;
                            continue;
                        }
                    };
                    let n = self.k(j as i64 + 1);
                    idx = self.b.ins().select(eq, n, idx);
                }
                if others {
                    // A tuple, binary or map (boxed, neither a bignum nor a cons): looked
                    // up by the probe itself.
                    let boxed = self.b.ins().icmp_imm_s(
                        IntCC::UnsignedGreaterThanOrEqual,
                        t,
                        i64::from(self.l.imm_below),
                    );
                    let not_cons =
                        self.b
                            .ins()
                            .icmp_imm_s(IntCC::NotEqual, t, i64::from(self.l.cons));
                    let not_big =
                        self.b
                            .ins()
                            .icmp_imm_s(IntCC::NotEqual, t, i64::from(self.l.big));
                    let a = self.b.ins().band(boxed, not_cons);
                    let other = self.b.ins().band(a, not_big);
                    let slow = self.b.create_block();
                    self.b
                        .ins()
                        .brif(other, slow, &[], done, &[BlockArg::Value(idx)]);
                    self.b.switch_to_block(slow);
                    let pr = self.k(*probe as *const crate::dispatch::Probe as i64);
                    let r = self.call("jit_lookup", &[pr, at], 1);
                    r[0]
                } else {
                    idx
                }
            }
        };
        self.b.ins().jump(done, &[BlockArg::Value(v)]);
        self.b.switch_to_block(done);
        self.b.block_params(done)[0]
    }

    /// Jumps to the instruction label `l` names: one of the running instruction's own
    /// targets (`successors`), so no other block gains an edge from here.
    fn jump_to_label(&mut self, e: &Env, l: Value) {
        let mut out = Vec::new();
        successors(&self.f.code, self.pc, &mut out);
        let first = out.first().copied().unwrap_or(0);
        let last = out.iter().copied().max().unwrap_or(0);
        let targets: Vec<Block> = (0..=last)
            .map(|q| e.blocks[if out.contains(&q) { q } else { first }])
            .collect();
        self.br_table(l, &targets);
    }

    /// Jumps to `targets[i]` (the first when out of range). Each table entry is a block of
    /// its own that jumps on, so every edge is distinct: the frontend passes the frame
    /// pointer variable along each (it cannot on an edge a table lists twice).
    fn br_table(&mut self, i: Value, targets: &[Block]) {
        let mut pads = Vec::with_capacity(targets.len() + 1);
        for t in std::iter::once(&targets[0]).chain(targets) {
            pads.push((self.b.create_block(), *t));
        }
        let calls: Vec<_> = pads
            .iter()
            .map(|(p, _)| self.b.func.dfg.block_call(*p, &[]))
            .collect();
        let jt = self
            .b
            .create_jump_table(JumpTableData::new(calls[0], &calls[1..]));
        let i32v = self.b.ins().ireduce(types::I32, i);
        self.b.ins().br_table(i32v, jt);
        for (p, t) in pads {
            self.b.switch_to_block(p);
            self.b.ins().jump(t, &[]);
        }
    }

    /// Whether register `a` holds a cons whose head is the integer `k` (`atom` 0) or the
    /// atom with index `k` (1).
    fn hd_is(&mut self, e: &Env, a: u32, atom: i64, k: i64, fail: u32, next: Block) {
        let c = self.cell_of(e, a, fail);
        let h = self.l.cons_head;
        let w = self.b.ins().load(I64, self.fc, c, h);
        if atom == 0 {
            let t = self.b.ins().band_imm_s(w, 0xff);
            self.expect_tag(t, self.l.int, e.blocks[fail as usize], &[]);
            let v = self.b.ins().load(I64, self.fc, c, h + 8);
            let ne = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, k);
            self.branch(e, ne, fail, next);
        } else {
            let w = self.b.ins().band_imm_s(w, 0xffff_ffff_0000_00ff_u64 as i64);
            let want = i64::from(self.l.atom) | (k << 32);
            let ne = self.b.ins().icmp_imm_s(IntCC::NotEqual, w, want);
            self.branch(e, ne, fail, next);
        }
    }

    /// The checks before a call whose frame ends `need` registers above `bp`, as
    /// `run_fast`'s `can_call!` makes them (bailing at `pc` changes nothing), and the
    /// native depth bound; then counts the reduction.
    fn can_call(&mut self, e: &Env, pc: usize, need: u64) {
        let r = self.call_checks(e, pc);
        if self.moves {
            // (Otherwise checked once on entry.)
            let end = self.b.ins().load(I64, self.fx, e.ctx, CTX_REGS_END);
            let fp = self.fpv();
            let want = self.b.ins().iadd_imm_s(fp, need as i64 * 16);
            let fits = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, want, end);
            self.bail_unless(e, fits, pc);
        }
        self.b.ins().store(self.fx, r, e.ctx, CTX_REDUCTIONS);
    }

    /// The reduction boundary and the native depth bound (bailing at `pc`); gives the
    /// reduction count the call makes, for the caller to store once nothing can bail.
    fn call_checks(&mut self, e: &Env, pc: usize) -> Value {
        let red = self.b.ins().load(I64, self.fx, e.ctx, CTX_REDUCTIONS);
        let r = self.b.ins().iadd_imm_s(red, 1);
        let low = self.b.ins().band_imm_s(r, 2047);
        self.bail_unless(e, low, pc);
        let shallow = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThan, e.depth, MAX_DEPTH as i64);
        self.bail_unless(e, shallow, pc);
        r
    }

    /// A native call's value `r` to register `dst`; when the callee handed back, records
    /// this frame (resuming after the call at `pc`) and hands back too.
    fn after_call(&mut self, e: &Env, pc: usize, dst: u32, r: &[Value]) {
        let t = self.b.ins().band_imm_s(r[0], 0xff);
        let bailed = self.b.ins().icmp_imm_s(IntCC::Equal, t, BAIL as i64);
        let out = self.b.create_block();
        let ok = self.b.create_block();
        self.b.set_cold_block(out);
        self.b.ins().brif(bailed, out, &[], ok, &[]);
        self.b.switch_to_block(out);
        let fptr = self.k(self.f as *const FunDef as i64);
        let rpc = self.k(pc as i64 + 1);
        let d = self.k(i64::from(dst));
        let bp = self.bp_now(e);
        self.call("jit_push_frame", &[e.ctx, fptr, rpc, d, bp], 0);
        self.b.ins().return_(&[r[0], r[1]]);
        self.b.switch_to_block(ok);
        self.put(dst, r[0], r[1]);
    }

    /// A tail call's arguments, registers `base..base + n`, moved down to `r0..` (swapped:
    /// the old values end above), then the rest of the old frame released.
    fn move_args_down(&mut self, base: u32, n: u32) {
        self.move_args_down_except(base, n, &[]);
    }

    /// `move_args_down`, except for the arguments in `skip`, already in place (their window
    /// registers keep older values, released here).
    fn move_args_down_except(&mut self, base: u32, n: u32, skip: &[u32]) {
        for i in 0..n {
            if skip.contains(&i) {
                continue;
            }
            let j = base + i;
            let a = self.ld2(i);
            let b = self.ld2(j);
            self.st2v(i, b);
            self.st2v(j, a);
        }
        for r in n..self.f.code.frame {
            if r >= base && r < base + n && skip.contains(&(r - base)) {
                self.release_always(r);
                continue;
            }
            // After the swap, `base + i` holds what `r{i}` held.
            let was = if r >= base && r < base + n {
                r - base
            } else {
                r
            };
            if self.known_imm(was) {
                self.check_known(r);
            } else {
                self.release_always(r);
            }
        }
    }

    /// Registers from `bp` that every local call of this function needs (`base` plus the
    /// callee's frame), and the frame itself.
    fn max_need(&self) -> u64 {
        let mut need = u64::from(self.f.code.frame);
        for i in &self.f.code.instrs {
            match i {
                Instr::Call { fun, base, .. } => {
                    let c = &self.m.funs[*fun as usize];
                    need = need.max(u64::from(*base) + u64::from(c.code.frame));
                }
                Instr::TailCall { fun, .. } => {
                    need = need.max(u64::from(self.m.funs[*fun as usize].code.frame));
                }
                _ => {}
            }
        }
        need
    }

    /// The signature every native function has (`JitFn`), for indirect calls.
    fn jit_sig(&mut self) -> cranelift_codegen::ir::SigRef {
        let mut sig = self.module.make_signature();
        for _ in 0..4 {
            sig.params.push(AbiParam::new(I64));
        }
        sig.returns.push(AbiParam::new(I64));
        sig.returns.push(AbiParam::new(I64));
        self.b.import_signature(sig)
    }

    /// The operators computed inline on two small integers, as `int_op` computes them: the
    /// result in a new block, or a jump to `slow` when an operand is not a small integer,
    /// `+ - *` overflow, or a shift would overflow or has a negative count. `None` (nothing
    /// emitted) for the other operators.
    fn int_inline(&mut self, op: Op2, a: u32, b: Operand, slow: Block) -> Option<Value> {
        if !matches!(
            op,
            Op2::Add | Op2::Sub | Op2::Mul | Op2::Band | Op2::Bor | Op2::Bxor | Op2::Bsl | Op2::Bsr
        ) {
            return None;
        }
        let both = match b {
            Operand::Reg(r) => self.both_int(a, Some(r)),
            Operand::Int(_) => self.both_int(a, None),
        };
        self.bail_to(both, slow);
        let x = self.w1(a);
        let y = match b {
            Operand::Reg(r) => self.w1(r),
            Operand::Int(k) => self.k(k),
        };
        Some(match op {
            Op2::Band => self.b.ins().band(x, y),
            Op2::Bor => self.b.ins().bor(x, y),
            Op2::Bxor => self.b.ins().bxor(x, y),
            Op2::Bsr => {
                // Every bit shifted out leaves the sign: a count of 64 or more is 63.
                let nonneg = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, y, 0);
                self.bail_to(nonneg, slow);
                let c63 = self.k(63);
                let n = self.b.ins().umin(y, c63);
                self.b.ins().sshr(x, n)
            }
            Op2::Bsl => {
                // `x bsl y` stays small when `y < 63` and `|x| >> (62 - y)` is 0.
                let small = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, y, 63);
                self.bail_to(small, slow);
                let ax = self.b.ins().iabs(x);
                let c62 = self.k(62);
                let sh = self.b.ins().isub(c62, y);
                let hi = self.b.ins().ushr(ax, sh);
                let fits = self.b.ins().icmp_imm_s(IntCC::Equal, hi, 0);
                self.bail_to(fits, slow);
                self.b.ins().ishl(x, y)
            }
            _ => {
                let (v, of) = self.arith(op, x, y).expect("+ - *");
                let ok = self.b.ins().icmp_imm_s(IntCC::Equal, of, 0);
                self.bail_to(ok, slow);
                v
            }
        })
    }

    /// `op`, `op_int` and `guard_op`: small integers inline (`int_inline`), floats inline for
    /// `op` (`float_arith`), the rest through `jit_op`/`jit_guard_op`; an overflow or
    /// anything `run_fast` hands back bails.
    #[allow(clippy::too_many_arguments)]
    fn op(&mut self, e: &Env, pc: usize, op: Op2, dst: u32, a: u32, b: Operand, guard: bool) {
        let slow = self.b.create_block();
        let done = self.b.create_block();
        self.b.set_cold_block(slow);
        match self.int_inline(op, a, b, slow) {
            Some(v) => {
                self.put_int(dst, v);
                self.b.ins().jump(done, &[]);
            }
            None => {
                self.b.ins().jump(slow, &[]);
            }
        }
        self.b.switch_to_block(slow);
        if !guard {
            self.on_float(op, a, b, |g, t, bits| {
                g.put(dst, t, bits);
                g.b.ins().jump(done, &[]);
            });
        }
        let opv = self.k(i64::from(op_index(op)));
        let x = self.addr(a);
        let d = self.addr(dst);
        let r = match (b, guard) {
            (Operand::Reg(r), false) => {
                let y = self.addr(r);
                self.call("jit_op", &[opv, x, y, d], 1)
            }
            (Operand::Reg(r), true) => {
                let y = self.addr(r);
                self.call("jit_guard_op", &[opv, x, y, d], 1)
            }
            (Operand::Int(k), _) => {
                let y = self.k(k);
                self.call("jit_op_int", &[opv, x, y, d], 1)
            }
        };
        self.bail_unless(e, r[0], pc);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }

    /// `a op b` for `+ - * /` with a float involved (or `/` of two integers), as
    /// `float_op` computes it: a flag (the operands are numbers of those kinds and the result
    /// is finite) and the result's bits. `None` for other operators.
    fn float_arith(&mut self, op: Op2, a: u32, b: Operand) -> Option<(Value, Value)> {
        if !matches!(op, Op2::Add | Op2::Sub | Op2::Mul | Op2::FDiv) {
            return None;
        }
        let (fl, int) = (i64::from(self.l.float), i64::from(self.l.int));
        let ta = self.tag(a);
        let wa = self.w1(a);
        let (tb, wb) = match b {
            Operand::Reg(r) => (self.tag(r), self.w1(r)),
            Operand::Int(k) => (self.k(int), self.k(k)),
        };
        let num = |g: &mut Self, t: Value, w: Value| {
            let is_f = g.b.ins().icmp_imm_s(IntCC::Equal, t, fl);
            let is_i = g.b.ins().icmp_imm_s(IntCC::Equal, t, int);
            let f = g.b.ins().bitcast(types::F64, MemFlagsData::new(), w);
            let i = g.b.ins().fcvt_from_sint(types::F64, w);
            let x = g.b.ins().select(is_f, f, i);
            let ok = g.b.ins().bor(is_f, is_i);
            (x, ok, is_f)
        };
        let (x, oka, fa) = num(self, ta, wa);
        let (y, okb, fb) = num(self, tb, wb);
        let r = match op {
            Op2::Add => self.b.ins().fadd(x, y),
            Op2::Sub => self.b.ins().fsub(x, y),
            Op2::Mul => self.b.ins().fmul(x, y),
            _ => self.b.ins().fdiv(x, y),
        };
        // Finite: r - r is 0 (it is NaN for an infinity or NaN).
        let d = self.b.ins().fsub(r, r);
        let zero = self.b.ins().f64const(0.0);
        let fin = self
            .b
            .ins()
            .fcmp(cranelift_codegen::ir::condcodes::FloatCC::Equal, d, zero);
        let mut ok = self.b.ins().band(oka, okb);
        ok = self.b.ins().band(ok, fin);
        if op != Op2::FDiv {
            let any_f = self.b.ins().bor(fa, fb);
            ok = self.b.ins().band(ok, any_f);
        }
        let bits = self.b.ins().bitcast(I64, MemFlagsData::new(), r);
        Some((ok, bits))
    }

    /// Where `float_arith` computes `a op b`: `then` with the float tag and the result's bits
    /// when it succeeds (it must end its block), going on in a new block otherwise.
    fn on_float(
        &mut self,
        op: Op2,
        a: u32,
        b: Operand,
        then: impl FnOnce(&mut Self, Value, Value),
    ) {
        if let Some((ok, bits)) = self.float_arith(op, a, b) {
            let fl = self.b.create_block();
            let other = self.b.create_block();
            self.b.ins().brif(ok, fl, &[], other, &[]);
            self.b.switch_to_block(fl);
            let t = self.k(i64::from(self.l.float));
            then(self, t, bits);
            self.b.switch_to_block(other);
        }
    }

    fn ret_op(&mut self, e: &Env, pc: usize, op: Op2, a: u32, b: Operand) {
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        match self.int_inline(op, a, b, slow) {
            Some(v) => {
                let t = self.k(i64::from(self.l.int));
                self.ret(t, v);
            }
            None => {
                self.b.ins().jump(slow, &[]);
            }
        }
        self.b.switch_to_block(slow);
        self.on_float(op, a, b, |g, t, bits| g.ret(t, bits));
        let opv = self.k(i64::from(op_index(op)));
        let x = self.addr(a);
        let r = match b {
            Operand::Reg(r) => {
                let y = self.addr(r);
                self.call("jit_op_words", &[opv, x, y], 2)
            }
            Operand::Int(k) => {
                let y = self.k(k);
                self.call("jit_op_int_words", &[opv, x, y], 2)
            }
        };
        let t = self.b.ins().band_imm_s(r[0], 0xff);
        let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, t, BAIL as i64);
        self.bail_unless(e, ok, pc);
        self.ret(r[0], r[1]);
    }
}

#[derive(Clone, Copy)]
enum Operand {
    Reg(u32),
    Int(i64),
}

#[cfg(test)]
mod tests {
    use super::{dest_plan, predecessors, Dest};
    use crate::bytecode::Instr;

    /// The plans of function `name`'s list accesses, in code order: `(pc, plan)`.
    fn plans(src: &str, name: &str) -> Vec<(usize, [Dest; 2])> {
        let m = crate::compile_source(std::path::Path::new("t.erl"), src).expect("compiles");
        let f = m
            .funs
            .iter()
            .find(|f| f.name.name() == name)
            .expect("function");
        let preds = predecessors(&f.code);
        f.code
            .instrs
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                matches!(
                    i,
                    Instr::GetHd { .. }
                        | Instr::GetTl { .. }
                        | Instr::GetTlN { .. }
                        | Instr::GetList { .. }
                )
            })
            .map(|(pc, _)| (pc, dest_plan(&f.code, f.arity as u32, &preds, pc)))
            .collect()
    }

    #[test]
    fn a_tail_only_tested_is_an_alias_and_an_unused_element_is_not_written() {
        // Estone's pat2: each clause's `get_tl` feeds one `get_hd`, read nowhere else.
        let src = "-module(t).\n-export([f/2]).\n\
                   f(0, _) -> ok;\n\
                   f(_, [_, Y | _]) when Y bsl 1 == 0 -> ok;\n\
                   f(I, [X, Y | T]) when Y bsl 2 == 4 -> f(I - 1, [X, Y | T]).\n";
        let p = plans(src, "f");
        assert!(
            p.iter().any(|(_, d)| d[0] == Dest::Alias),
            "no alias in {p:?}"
        );
        // pat3's `[X, _ | _]`: the second element is matched but never read.
        let src = "-module(t).\n-export([g/2]).\n\
                   g(0, _) -> ok;\n\
                   g(_, [X, _ | _]) when is_binary(X) -> ok;\n\
                   g(I, [0, 1 | T]) -> g(I - 1, [0, 1 | T]).\n";
        let p = plans(src, "g");
        assert!(
            p.iter().any(|(_, d)| d.contains(&Dest::Dead)),
            "nothing dead in {p:?}"
        );
    }

    #[test]
    fn a_value_read_later_is_written() {
        // `H` is read after the call: it must be counted and kept.
        let src = "-module(t).\n-export([h/1]).\n\
                   h([H | T]) -> N = length(T), {H, N};\n\
                   h([]) -> none.\n";
        let p = plans(src, "h");
        assert!(!p.is_empty());
        assert!(
            p.iter().all(|(_, d)| d[0] == Dest::Write),
            "head not written in {p:?}"
        );
    }

    #[test]
    fn a_function_with_a_handler_writes_everything() {
        let src = "-module(t).\n-export([k/1]).\n\
                   k(L) -> try [A | _] = L, A + 1 catch _:_ -> L end.\n";
        let p = plans(src, "k");
        assert!(!p.is_empty());
        assert!(p.iter().all(|(_, d)| *d == [Dest::Write; 2]), "{p:?}");
    }
}
