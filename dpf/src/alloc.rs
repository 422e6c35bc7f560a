//! The allocator of the `dpf` and `exo` binaries: mimalloc, entered through its plain
//! `mi_malloc` whenever the request's alignment allows it. The library itself allocates with
//! whatever its user chose; only the binaries set `#[global_allocator]`.
//!
//! Why mimalloc: compiling rules allocates and frees a node per predicate (a 10,000-host rule
//! is ~200,000 of them) and glibc's `malloc`/`free`/`malloc_consolidate` were ~40% of the
//! compile profile; the VM allocates and frees a block for every cons cell, tuple and boxed
//! term (docs/bench-estone.md, docs/bench-dpf.md).
//!
//! Why not `mimalloc::MiMalloc`: it sends every request through `mi_malloc_aligned`, whose
//! fast path runs ~15 instructions more than `mi_malloc`'s. Every mimalloc block is aligned to
//! at least a machine word, so requests aligned to a word or less (all of the VM's terms, all
//! of the rule compiler's nodes) take the plain entry points, and only over-aligned ones the
//! aligned entry points.

use libmimalloc_sys as mi;
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

/// mimalloc's guaranteed alignment for every block it returns (`MI_INTPTR_SIZE`).
const WORD: usize = std::mem::size_of::<usize>();

/// mimalloc with the plain entry points for word-aligned requests.
pub struct MiAlloc;

// SAFETY: every method forwards to mimalloc, which implements the `GlobalAlloc` contract:
// blocks from `mi_malloc`/`mi_zalloc`/`mi_realloc` are aligned to at least `WORD` (checked
// before taking them), the aligned variants honour any power-of-two alignment, `mi_free`
// accepts a block from any of them, and `mi_realloc*` keep the old contents up to the smaller
// size. Null is returned on exhaustion, as the contract allows.
unsafe impl GlobalAlloc for MiAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_malloc(layout.size()) as *mut u8
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_zalloc(layout.size()) as *mut u8
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr as *mut c_void);
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
        } else {
            mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
        }
    }
}

/// `mi_option_arena_eager_commit` in mimalloc v2's `mi_option_e` (include/mimalloc.h).
const ARENA_EAGER_COMMIT: mi::mi_option_t = 4;
/// `mi_option_purge_delay` (milliseconds before freed memory goes back to the OS; -1: never).
const PURGE_DELAY: mi::mi_option_t = 15;

/// Settings for a process whose resident memory must stay bounded (`dpf split` of a
/// multi-gigabyte trace: issue 4 bounds it at 100 MB).
///
/// mimalloc commits its 1 GiB arena eagerly by default, and transparent huge pages then back
/// it in 2 MiB steps, so memory it has purged can stay resident: a 4 GB split peaked at
/// 84 MB with the default and 68 MB with lazy commit (glibc: 66 MB; docs/bench-cli.md).
/// The arena is reserved at the process's first allocation, before `main` (Rust's runtime
/// allocates), so a binary calls this from a load-time constructor (`dpf`'s main.rs);
/// called later it changes only arenas reserved later.
pub fn bounded_resident_set() {
    // SAFETY: mimalloc's options are plain integers in a static table, read when memory is
    // next reserved; setting one is allowed at any time, before mimalloc's own set-up too.
    unsafe { mi::mi_option_set(ARENA_EAGER_COMMIT, 0) };
}

/// While the returned guard lives, memory freed in this process stays with mimalloc instead
/// of going back to the OS after `purge_delay`. `dpf bench` times each compile as the best of
/// several rounds on a heap already grown to that size (a long-running demultiplexer
/// recompiles in a warm heap): purging between rounds would time the kernel's page faults
/// of re-growing it instead, for the biggest size only. The setting is restored on drop, so
/// the resident-memory figures measured after it see mimalloc as it normally runs.
pub fn keep_freed_memory() -> KeepFreed {
    // SAFETY: reading and setting a mimalloc option is allowed at any time.
    let before = unsafe { mi::mi_option_get(PURGE_DELAY) };
    unsafe { mi::mi_option_set(PURGE_DELAY, -1) };
    KeepFreed { before }
}

/// Restores mimalloc's purge delay (see [`keep_freed_memory`]).
pub struct KeepFreed {
    before: std::ffi::c_long,
}

impl Drop for KeepFreed {
    fn drop(&mut self) {
        // SAFETY: as in `keep_freed_memory`.
        unsafe { mi::mi_option_set(PURGE_DELAY, self.before) };
    }
}

/// mimalloc's purge delay now (for tests: the option indices above are mimalloc v2's).
pub fn purge_delay() -> std::ffi::c_long {
    // SAFETY: reading an option is always allowed.
    unsafe { mi::mi_option_get(PURGE_DELAY) }
}

/// Whether mimalloc commits arenas eagerly now (for tests).
pub fn arena_eager_commit() -> std::ffi::c_long {
    // SAFETY: reading an option is always allowed.
    unsafe { mi::mi_option_get(ARENA_EAGER_COMMIT) }
}
