//! Stacks for green threads: each Erlang process runs as a coroutine on its own stack,
//! reserved large (so a million non-tail frames fit, as OTP allows) but committed lazily by
//! the kernel as recursion touches pages (`MAP_NORESERVE`), with a guard page below it so a
//! runaway native recursion faults instead of corrupting memory. The interpreter checks its
//! depth against `usable()` and raises `system_limit` long before the guard page.

use corosensei::stack::{Stack, StackPointer};

/// Address space reserved per process stack.
pub const PROC_STACK: usize = 4 << 30;

pub struct ProcStack {
    base: usize,
    len: usize,
}

impl ProcStack {
    pub fn new(size: usize) -> std::io::Result<ProcStack> {
        let page = 4096usize;
        let len = size.div_ceil(page) * page + page;
        // SAFETY: an anonymous private mapping owned by this value and unmapped on drop.
        unsafe {
            let p = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK,
                -1,
                0,
            );
            if p == libc::MAP_FAILED {
                return Err(std::io::Error::last_os_error());
            }
            // The lowest page is the guard: a fault there is a clean SIGSEGV, not corruption.
            if libc::mprotect(p, page, libc::PROT_NONE) != 0 {
                let e = std::io::Error::last_os_error();
                libc::munmap(p, len);
                return Err(e);
            }
            Ok(ProcStack {
                base: p as usize + len,
                len,
            })
        }
    }

    /// Prepares a finished process's stack for reuse: pages below the top `keep` bytes go back
    /// to the kernel, so a pooled stack that once held a deep recursion holds no memory.
    pub fn recycle(&mut self, keep: usize) {
        let low = self.base - self.len + 4096;
        let high = self.base.saturating_sub(keep);
        if high > low {
            // SAFETY: a range inside this stack's own mapping, whose contents are dead.
            unsafe {
                libc::madvise(low as *mut libc::c_void, high - low, libc::MADV_DONTNEED);
            }
        }
    }

    /// Bytes the interpreter may use before it must raise `system_limit`.
    pub fn usable(&self) -> usize {
        self.len - (64 << 20)
    }
}

impl Drop for ProcStack {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, no longer in use (the coroutine has finished or
        // been unwound before its stack is dropped).
        unsafe {
            libc::munmap((self.base - self.len) as *mut libc::c_void, self.len);
        }
    }
}

// SAFETY: base and limit describe a mapping this value owns; both are page aligned (and so
// aligned to STACK_ALIGNMENT), and the limit includes the guard page.
unsafe impl Stack for ProcStack {
    fn base(&self) -> StackPointer {
        StackPointer::new(self.base).expect("non-null mapping")
    }
    fn limit(&self) -> StackPointer {
        StackPointer::new(self.base - self.len).expect("non-null mapping")
    }
}
