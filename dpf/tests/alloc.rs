//! The binaries' allocator (`dpf::alloc::MiAlloc`): every block is aligned as its layout asks,
//! whichever entry point (plain or aligned) served it, and growing or shrinking a block keeps
//! its contents.

use dpf::alloc::MiAlloc;
use std::alloc::{GlobalAlloc, Layout};

const SIZES: [usize; 12] = [1, 3, 8, 15, 16, 24, 40, 48, 100, 1000, 70_000, 5_000_000];
const ALIGNS: [usize; 8] = [1, 2, 4, 8, 16, 64, 4096, 65536];

#[test]
fn blocks_are_aligned_and_realloc_keeps_their_bytes() {
    let a = MiAlloc;
    for &align in &ALIGNS {
        for &size in &SIZES {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: non-zero sizes, valid layouts; every block is freed with its layout.
            unsafe {
                // Shrink and grow, each from a fresh block filled with a pattern.
                for new in [size / 2 + 1, size * 3 + 5] {
                    let p = a.alloc(layout);
                    assert!(!p.is_null(), "alloc {size}/{align}");
                    assert_eq!(p as usize % align, 0, "alloc {size}/{align} at {p:p}");
                    for i in 0..size {
                        *p.add(i) = (i % 251) as u8;
                    }
                    let q = a.realloc(p, layout, new);
                    assert!(!q.is_null());
                    assert_eq!(q as usize % align, 0, "realloc {size}->{new}/{align}");
                    for i in 0..size.min(new) {
                        assert_eq!(*q.add(i), (i % 251) as u8, "byte {i} of {size}->{new}");
                    }
                    a.dealloc(q, Layout::from_size_align(new, align).unwrap());
                }
                let z = a.alloc_zeroed(layout);
                assert_eq!(z as usize % align, 0, "zalloc {size}/{align}");
                assert!(
                    (0..size).all(|i| *z.add(i) == 0),
                    "zalloc {size}/{align} not zero"
                );
                a.dealloc(z, layout);
            }
        }
    }
}

#[test]
fn growing_a_block_many_times_keeps_every_byte() {
    let a = MiAlloc;
    for &align in &[8usize, 16, 32] {
        let mut size = 1;
        let mut layout = Layout::from_size_align(size, align).unwrap();
        // SAFETY: the block is always reallocated from its current layout and freed last.
        unsafe {
            let mut p = a.alloc(layout);
            *p = 7;
            while size < 1 << 22 {
                let new = size * 2 + 1;
                p = a.realloc(p, layout, new);
                assert_eq!(p as usize % align, 0);
                assert_eq!(*p, 7);
                *p.add(new - 1) = 9;
                assert_eq!(*p.add(size - 1), if size == 1 { 7 } else { 9 });
                size = new;
                layout = Layout::from_size_align(size, align).unwrap();
            }
            a.dealloc(p, layout);
        }
    }
}

#[test]
fn keeping_freed_memory_is_undone_when_the_guard_goes() {
    // mimalloc's documented default purge delay is 10 ms: this also checks that the option
    // index `dpf::alloc` uses is the purge delay's.
    let before = dpf::alloc::purge_delay();
    assert_eq!(before, 10);
    {
        let _keep = dpf::alloc::keep_freed_memory();
        assert_eq!(dpf::alloc::purge_delay(), -1);
    }
    assert_eq!(dpf::alloc::purge_delay(), before);
}

#[test]
fn the_dpf_binary_commits_mimalloc_arenas_lazily() {
    // The test binary is not `dpf`: mimalloc's default here (2: eager where the OS
    // overcommits) shows the index is the arena option; `dpf` sets 0 before `main`
    // (e2e_split_memory.rs measures what that is for).
    assert_eq!(dpf::alloc::arena_eager_commit(), 2);
    dpf::alloc::bounded_resident_set();
    assert_eq!(dpf::alloc::arena_eager_commit(), 0);
}
