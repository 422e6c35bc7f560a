//! The allocator `exo` runs the VM with: mimalloc, entered through its plain `mi_malloc`
//! whenever the request's alignment allows it.
//!
//! The VM allocates and frees a block for every cons cell, tuple and boxed term, so the
//! allocator's entry path is paid millions of times a second. `mimalloc::MiMalloc` sends every
//! request through `mi_malloc_aligned`, whose fast path runs ~15 instructions more than
//! `mi_malloc`'s (docs/bench-estone.md, "Thin tuples"). Every mimalloc block is aligned to at
//! least a machine word, so requests aligned to a word or less (all of the VM's terms) take the
//! plain entry points, and only over-aligned ones the aligned entry points.

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
