//! A regular file mapped read-only into memory, so a pass over it reads the page cache in
//! place: no `read` copy, and records can be written out (`writev`) straight from it.
//!
//! Only regular, non-empty files are mapped; pipes, terminals and devices stream instead.
//! Pages a pass has finished with can be dropped from the process ([`Mapping::release`]), so a
//! file of any size is read with a bounded resident set. As with every mapping of a file (and
//! as in ripgrep), another process truncating the file during the pass would fault the reader.
//!
//! Why not the `memmap2` crate: it is not among this crate's dependencies (and its manifest is
//! not this module's to change); the two calls needed here are small enough to own.

use std::fs::File;
use std::io;
use std::os::unix::io::AsRawFd;

/// A read-only private mapping of a whole file.
pub struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is read-only and owned; sharing reads across threads is sound.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

fn page_size() -> usize {
    // SAFETY: sysconf reads a constant.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}

impl Mapping {
    /// Maps `file` if it is a regular, non-empty file; `Ok(None)` for anything else (which the
    /// caller reads as a stream).
    pub fn of(file: &File) -> io::Result<Option<Mapping>> {
        let meta = file.metadata()?;
        if !meta.is_file() || meta.len() == 0 || meta.len() > isize::MAX as u64 {
            return Ok(None);
        }
        let len = meta.len() as usize;
        // SAFETY: a fresh read-only private mapping of an open file; checked for failure.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // The pass reads front to back: ask for aggressive read-ahead. Advice only.
        // SAFETY: advice on our own mapping.
        unsafe { libc::madvise(ptr, len, libc::MADV_SEQUENTIAL) };
        Ok(Some(Mapping { ptr, len }))
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
    }

    /// Drops the whole pages inside `start..end` from the process's resident set. The bytes
    /// stay readable (they fault in again from the page cache), so this is about memory only.
    pub fn release(&self, start: usize, end: usize) {
        let page = page_size();
        let from = start.div_ceil(page) * page;
        let to = (end.min(self.len) / page) * page;
        if from < to {
            // SAFETY: a page-aligned range inside our own read-only file mapping; dropping
            // its pages only makes later reads fault them in again.
            unsafe {
                libc::madvise(
                    (self.ptr as *mut u8).add(from) as *mut libc::c_void,
                    to - from,
                    libc::MADV_DONTNEED,
                )
            };
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly what `of` mapped; no borrow of `bytes` outlives `self`.
        unsafe { libc::munmap(self.ptr, self.len) };
    }
}
