//! Zeroed `u64` storage for the flat tables; large ones on 2 MiB transparent huge pages.
//!
//! Why: the generated code probes one random bucket per packet. A 10,000-key flow table is
//! 512 KiB, i.e. 128 pages of 4 KiB, twice what the first-level data TLB holds (64 entries
//! here), so about every other probe also paid a TLB refill on top of the cache miss. Mapped
//! 2 MiB-aligned and advised `MADV_HUGEPAGE` before any page is touched, the whole table sits
//! behind one TLB entry. Tables below [`HUGE_MIN_BYTES`] stay on the heap (they fit the TLB
//! anyway, and a huge page would multiply their memory). If the mapping or the advice fails,
//! or the kernel has no huge page to give, the memory is ordinary pages: only slower.

use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// The huge page size on x86-64 and aarch64 (4 KiB base pages).
const HUGE: usize = 2 << 20;

/// Tables of at least this many bytes are mapped on huge pages.
pub const HUGE_MIN_BYTES: usize = 256 << 10;

enum Store {
    Heap(Box<[u64]>),
    /// An anonymous mapping of `bytes` (a multiple of [`HUGE`], aligned to it), of which the
    /// first `len` words are in use.
    Mapped {
        ptr: NonNull<u64>,
        len: usize,
        bytes: usize,
    },
}

/// A fixed-length, zero-initialised array of `u64`, freed (unmapped) on drop.
pub struct Words(Store);

// SAFETY: `Words` owns its memory exclusively, like a `Box<[u64]>`.
unsafe impl Send for Words {}
unsafe impl Sync for Words {}

impl Words {
    /// `len` zeroed words.
    pub fn zeroed(len: usize) -> Words {
        if len.saturating_mul(8) >= HUGE_MIN_BYTES {
            if let Some(w) = Words::map(len) {
                return w;
            }
        }
        Words(Store::Heap(vec![0; len].into_boxed_slice()))
    }

    /// Maps `len` words 2 MiB-aligned and asks for huge pages; `None` if the mapping fails.
    fn map(len: usize) -> Option<Words> {
        let bytes = len.checked_mul(8)?.checked_next_multiple_of(HUGE)?;
        let span = bytes.checked_add(HUGE)?;
        // SAFETY: a fresh private anonymous mapping; no existing memory is affected.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                span,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return None;
        }
        // Keep the 2 MiB-aligned middle, give back the ends: the kernel can then back every
        // 2 MiB of the table with one huge page.
        let a = p as usize;
        let start = a.next_multiple_of(HUGE);
        let (head, tail) = (start - a, a + span - (start + bytes));
        // SAFETY: both ranges lie inside the mapping just made and outside the kept part.
        unsafe {
            if head > 0 {
                libc::munmap(p, head);
            }
            if tail > 0 {
                libc::munmap((start + bytes) as *mut libc::c_void, tail);
            }
            // Before the first touch, so that the first fault already takes a huge page.
            // Failure (no THP in this kernel) leaves ordinary pages: nothing to undo.
            libc::madvise(start as *mut libc::c_void, bytes, libc::MADV_HUGEPAGE);
        }
        Some(Words(Store::Mapped {
            ptr: NonNull::new(start as *mut u64)?,
            len,
            bytes,
        }))
    }

    /// Whether this storage is a huge-page mapping (rather than heap memory).
    pub fn is_mapped(&self) -> bool {
        matches!(self.0, Store::Mapped { .. })
    }
}

impl Deref for Words {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        match &self.0 {
            Store::Heap(b) => b,
            // SAFETY: the mapping holds `len` initialised (zero-filled) words and lives as
            // long as `self`.
            Store::Mapped { ptr, len, .. } => unsafe {
                std::slice::from_raw_parts(ptr.as_ptr(), *len)
            },
        }
    }
}

impl DerefMut for Words {
    fn deref_mut(&mut self) -> &mut [u64] {
        match &mut self.0 {
            Store::Heap(b) => b,
            // SAFETY: as in `deref`, and `&mut self` makes the access exclusive.
            Store::Mapped { ptr, len, .. } => unsafe {
                std::slice::from_raw_parts_mut(ptr.as_ptr(), *len)
            },
        }
    }
}

impl Clone for Words {
    fn clone(&self) -> Words {
        let mut w = Words::zeroed(self.len());
        w.copy_from_slice(self);
        w
    }
}

impl Drop for Words {
    fn drop(&mut self) {
        if let Store::Mapped { ptr, bytes, .. } = self.0 {
            // SAFETY: exactly the range `map` kept; nothing refers to it once `self` is gone.
            unsafe {
                libc::munmap(ptr.as_ptr().cast(), bytes);
            }
        }
    }
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Words({} words{})",
            self.len(),
            if self.is_mapped() { ", mapped" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_tables_stay_on_the_heap_and_large_ones_are_mapped_aligned_and_zeroed() {
        let small = Words::zeroed(1000);
        assert!(!small.is_mapped());
        assert!(small.iter().all(|&w| w == 0));
        let n = HUGE_MIN_BYTES / 8 + 3;
        let mut big = Words::zeroed(n);
        assert!(big.is_mapped());
        assert_eq!(big.len(), n);
        assert_eq!(big.as_ptr() as usize % HUGE, 0);
        assert!(big.iter().all(|&w| w == 0));
        big[n - 1] = 7;
        let c = big.clone();
        assert_eq!(c[n - 1], 7);
        assert_eq!(c.len(), n);
    }

    /// Dropping a mapped table gives its range back to the kernel (`mincore` then reports
    /// it unmapped), so a graph's tables do not outlive it.
    #[test]
    fn dropped_tables_are_unmapped() {
        let w = Words::zeroed(HUGE_MIN_BYTES / 8 * 2);
        assert!(w.is_mapped());
        let (at, bytes) = (w.as_ptr() as usize, w.len() * 8);
        let mut v = vec![0u8; bytes.div_ceil(4096)];
        // SAFETY: mincore only reads the page tables of the given range.
        let mapped = unsafe { libc::mincore(at as *mut libc::c_void, bytes, v.as_mut_ptr()) };
        assert_eq!(mapped, 0, "the live table is mapped");
        drop(w);
        // SAFETY: as above; the range is no longer ours, which is what is being checked.
        let gone = unsafe { libc::mincore(at as *mut libc::c_void, bytes, v.as_mut_ptr()) };
        assert_eq!(gone, -1, "the dropped table is still mapped");
        assert_eq!(
            std::io::Error::last_os_error().raw_os_error(),
            Some(libc::ENOMEM)
        );
    }
}
