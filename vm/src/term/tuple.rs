//! Tuples in one allocation behind a thin pointer.
//!
//! `Rc<Vec<Term>>` cost two allocations and two dependent loads per tuple (the `Rc` box
//! holding the vector's header, then the elements), and `Rc<[Term]>` is a fat pointer that
//! would grow `Term` from 16 to 24 bytes. A `Tuple` is one pointer to a block holding the
//! reference count, the length and the elements inline: building `{a, b}` is one `malloc`,
//! reading `element(2, T)` one load from the pointer. Counts are non-atomic for the same
//! reason `Rc` is used elsewhere: a VM and its terms live on one OS thread. No crate offers
//! exactly this (`triomphe::ThinArc` counts atomically; `thin-dst` is unmaintained), so the
//! unsafe code is kept here, small, and tested in `vm/tests/tuple_repr.rs`.

use super::Term;
use std::alloc::{self, Layout};
use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// The block's header; the elements follow it (at `elems_offset()`), `len` of them.
#[repr(C)]
struct Header {
    rc: Cell<usize>,
    len: usize,
}

/// An immutable, reference-counted tuple of terms. Derefs to `[Term]`.
pub struct Tuple {
    ptr: NonNull<Header>,
    // Owns `Term`s (for drop check) and is neither `Send` nor `Sync` (the count is a `Cell`).
    _own: PhantomData<(Header, Term)>,
}

/// Layout of a block of `n` elements, and the offset of the first element: the header,
/// then the elements, all 8-aligned (checked below), so no padding anywhere.
#[inline(always)]
fn layout(n: usize) -> (Layout, usize) {
    let size = n
        .checked_mul(std::mem::size_of::<Term>())
        .and_then(|b| b.checked_add(ELEMS_OFFSET));
    match size.map(|s| Layout::from_size_align(s, std::mem::align_of::<Header>())) {
        Some(Ok(l)) => (l, ELEMS_OFFSET),
        // Only reachable with more elements than the address space holds; the caller's
        // vector of that many terms could not have existed.
        _ => capacity_overflow(),
    }
}

const _: () = assert!(
    std::mem::align_of::<Term>() == std::mem::align_of::<Header>()
        && ELEMS_OFFSET.is_multiple_of(std::mem::align_of::<Term>())
);

#[cold]
fn capacity_overflow() -> ! {
    panic!("tuple size overflows the address space")
}

#[cold]
fn short_iterator(n: usize, got: usize) -> ! {
    panic!("tuple of {n} elements built from {got} items")
}

/// A block being filled: owns the `written` first elements.
struct Builder {
    ptr: NonNull<Header>,
    cap: usize,
    written: usize,
}

impl Builder {
    fn elems(&self) -> *mut Term {
        // SAFETY: in bounds of the block (see `Tuple::elems_ptr`).
        unsafe { (self.ptr.as_ptr() as *mut u8).add(ELEMS_OFFSET) as *mut Term }
    }
}

impl Drop for Builder {
    fn drop(&mut self) {
        // SAFETY: only the first `written` slots were initialised; the block was allocated
        // with `layout(cap)`.
        unsafe {
            std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(
                self.elems(),
                self.written,
            ));
            alloc::dealloc(self.ptr.as_ptr() as *mut u8, layout(self.cap).0);
        }
    }
}

/// The elements start right after the header: both are 8-aligned and the header is 16
/// bytes, so the offset is the header's size for every length.
const ELEMS_OFFSET: usize = std::mem::size_of::<Header>();

impl Tuple {
    #[inline(always)]
    fn header(&self) -> &Header {
        // SAFETY: `ptr` points to a live block while any `Tuple` for it exists (the count
        // is at least one); after construction the header changes only through its `Cell`.
        unsafe { self.ptr.as_ref() }
    }

    #[inline(always)]
    fn elems_ptr(&self) -> *mut Term {
        // SAFETY: the elements start `ELEMS_OFFSET` bytes into the block (`layout`), which
        // stays inside the allocation even for length 0 (one past the header).
        unsafe { (self.ptr.as_ptr() as *mut u8).add(ELEMS_OFFSET) as *mut Term }
    }

    /// A tuple of exactly `n` elements taken from `it`, which must yield at least `n`
    /// (callers pass vectors, slices and register windows of known length); extra items are
    /// not taken.
    pub fn from_iter_exact(n: usize, it: impl IntoIterator<Item = Term>) -> Tuple {
        debug_assert_eq!(layout(n).1, ELEMS_OFFSET);
        let ptr = alloc_block(n);
        // Until every slot is written the block belongs to this guard, which on unwinding
        // (a panicking iterator) drops the written elements and frees the block.
        let mut b = Builder {
            ptr,
            cap: n,
            written: 0,
        };
        let base = b.elems();
        for x in it.into_iter().take(n) {
            // SAFETY: `written < n`: the slot is inside the block and not yet written.
            unsafe { base.add(b.written).write(x) };
            b.written += 1;
        }
        if b.written != n {
            short_iterator(n, b.written);
        }
        std::mem::forget(b);
        // SAFETY: the block is fully written; its header is written once, here.
        unsafe { owned(ptr, n) }
    }

    /// Allocates an unwritten block of `n` elements (count 1): the caller must write all
    /// `n` before anything can observe or drop the `Tuple`.
    #[inline]
    unsafe fn alloc_unwritten(n: usize) -> Tuple {
        // SAFETY: a fresh block of `n` elements; the caller writes them (see above).
        unsafe { owned(alloc_block(n), n) }
    }

    /// A new block for `n` elements with its header written (count 1, length `n`), as the
    /// address a `Term::Tuple` holds, for native code to fill and own (`jit.rs`).
    ///
    /// # Safety
    /// The caller writes all `n` elements before anything reads or drops the tuple, and then
    /// owns one reference to it.
    pub(crate) unsafe fn raw_unwritten(n: usize) -> *mut u8 {
        // SAFETY: as the caller promises; the `Tuple` is forgotten, its reference passing to
        // the caller.
        let t = std::mem::ManuallyDrop::new(unsafe { Tuple::alloc_unwritten(n) });
        t.ptr.as_ptr() as *mut u8
    }

    /// A tuple of the vector's elements, moved (one copy of their bytes, no count touched).
    pub fn from_vec(mut v: Vec<Term>) -> Tuple {
        let n = v.len();
        // SAFETY: the block has room for `n` elements; they are moved bitwise out of the
        // vector, whose length is then set to 0 so it frees its buffer without dropping them.
        // Nothing between the allocation and the copy can panic (allocation failure aborts).
        unsafe {
            let t = Tuple::alloc_unwritten(n);
            std::ptr::copy_nonoverlapping(v.as_ptr(), t.elems_ptr(), n);
            v.set_len(0);
            t
        }
    }

    /// A tuple of the terms in `regs`, taken: each slot is left holding `[]`.
    #[inline]
    pub fn take_from(regs: &mut [Term]) -> Tuple {
        let n = regs.len();
        // SAFETY: as in `from_vec`: the terms are moved bitwise into the new block, then
        // each source slot is overwritten with an immediate without dropping what it held
        // (now owned by the tuple). No step can panic in between.
        unsafe {
            let t = Tuple::alloc_unwritten(n);
            std::ptr::copy_nonoverlapping(regs.as_ptr(), t.elems_ptr(), n);
            for r in regs.iter_mut() {
                std::ptr::write(r, Term::Nil);
            }
            t
        }
    }

    /// A tuple holding clones of `s`'s elements.
    pub fn from_slice(s: &[Term]) -> Tuple {
        let n = s.len();
        // SAFETY: every slot `0..n` is written once before the tuple is returned; cloning a
        // term cannot panic (a count overflow aborts), so no half-written block can be seen.
        unsafe {
            let t = Tuple::alloc_unwritten(n);
            let base = t.elems_ptr();
            for (i, x) in s.iter().enumerate() {
                base.add(i).write(x.clone());
            }
            t
        }
    }

    /// A copy of `self` with element `i` (0-based) replaced by `v`; `None` when out of range.
    pub fn with_elem(&self, i: usize, v: Term) -> Option<Tuple> {
        let n = self.len();
        if i >= n {
            return None;
        }
        // SAFETY: as in `from_slice`; slot `i` gets `v`, every other slot a clone.
        unsafe {
            let t = Tuple::alloc_unwritten(n);
            let base = t.elems_ptr();
            for (k, x) in self.iter().enumerate() {
                if k != i {
                    base.add(k).write(x.clone());
                }
            }
            base.add(i).write(v);
            Some(t)
        }
    }

    #[inline]
    pub fn ptr_eq(a: &Tuple, b: &Tuple) -> bool {
        a.ptr == b.ptr
    }

    /// How many `Tuple`s share this block (for tests and copy-on-write decisions).
    pub fn strong_count(t: &Tuple) -> usize {
        t.header().rc.get()
    }
}

impl std::ops::Deref for Tuple {
    type Target = [Term];
    #[inline(always)]
    fn deref(&self) -> &[Term] {
        // SAFETY: a `Tuple` exists only for a fully written block of `len` elements, which
        // are never moved out while the block lives.
        unsafe { std::slice::from_raw_parts(self.elems_ptr(), self.header().len) }
    }
}

impl Clone for Tuple {
    #[inline(always)]
    fn clone(&self) -> Tuple {
        let h = self.header();
        // A leaked clone (`mem::forget`) costs no memory, so the count could wrap; abort
        // then, as `Rc` does, rather than free a block still in use.
        let n = h.rc.get().wrapping_add(1);
        if n == 0 {
            std::process::abort();
        }
        h.rc.set(n);
        Tuple {
            ptr: self.ptr,
            _own: PhantomData,
        }
    }
}

impl Drop for Tuple {
    #[inline]
    fn drop(&mut self) {
        let h = self.header();
        let n = h.rc.get() - 1;
        h.rc.set(n);
        if n == 0 {
            self.drop_slow();
        }
    }
}

impl Tuple {
    #[inline(never)]
    fn drop_slow(&mut self) {
        let len = self.header().len;
        let base = self.elems_ptr();
        for i in 0..len {
            // SAFETY: the count reached zero, so this is the last handle: each of the `len`
            // elements is dropped exactly once. Immediates (most elements of a record) own
            // nothing, so the out-of-line drop glue is skipped for them.
            unsafe {
                let e = base.add(i);
                if !(*e).is_immediate() {
                    std::ptr::drop_in_place(e);
                }
            }
        }
        // SAFETY: the block was allocated with `layout(len)` (a finished block's length is
        // its capacity), which succeeded then and so is computed the same way now.
        unsafe { alloc::dealloc(self.ptr.as_ptr() as *mut u8, layout(len).0) };
    }
}

impl std::fmt::Debug for Tuple {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A fresh, unwritten block for `n` elements (header included); aborts as `alloc` does when
/// memory is exhausted.
fn alloc_block(n: usize) -> NonNull<Header> {
    let (l, _) = layout(n);
    // SAFETY: `l` has a non-zero size (the header alone is 16 bytes).
    let raw = unsafe { alloc::alloc(l) } as *mut Header;
    match NonNull::new(raw) {
        Some(p) => p,
        None => alloc::handle_alloc_error(l),
    }
}

/// Writes the header (count 1, length `n`) of a block from [`alloc_block`] and owns it.
///
/// # Safety
/// `ptr` is a block of `n` elements from [`alloc_block`] whose header is not yet written;
/// its elements are written before the `Tuple` can be read or dropped.
unsafe fn owned(ptr: NonNull<Header>, n: usize) -> Tuple {
    // SAFETY: the block is large and aligned enough for the header (the caller's contract).
    unsafe {
        ptr.as_ptr().write(Header {
            rc: Cell::new(1),
            len: n,
        })
    };
    Tuple {
        ptr,
        _own: PhantomData,
    }
}
