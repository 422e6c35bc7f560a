//! A regular file mapped read-only into memory, so a pass over it reads the page cache in
//! place: no `read` copy, and records can be written out (`writev`) straight from it.
//!
//! Only regular, non-empty files are mapped; pipes, terminals and devices stream instead.
//! Pages a pass has finished with can be dropped from the process ([`Mapping::release`]), so a
//! file of any size is read with a bounded resident set.
//!
//! Truncation: a program reading a mapped file is killed by `SIGBUS` when another process
//! shortens the file under it (ripgrep and `less` share the problem). So a file is mapped only
//! under a read *lease* (`F_SETLEASE`, `F_RDLCK`): while the mapping lives, the kernel makes
//! anyone who opens the file for writing or truncates it wait (up to
//! `/proc/sys/fs/lease-break-time`, 45 s by default) and tells us with `SIGIO`, which is
//! ignored here (its default action would end the process). The kernel grants no lease on a
//! file someone has open for writing (a capture tcpdump is still writing), nor to a process
//! that neither owns the file nor has `CAP_LEASE`, nor on file systems without leases; such a
//! file is not mapped, and the caller reads it as a stream, where a shortened file is just a
//! truncated capture.
//!
//! Why not the `memmap2` crate: it is not among this crate's dependencies (and its manifest is
//! not this module's to change); the two calls needed here are small enough to own.

use std::fs::File;
use std::io;
use std::os::unix::io::AsRawFd;

/// A read-only private mapping of a whole file, held under a read lease.
pub struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
    /// The file, whose open description carries the lease (also kept alive by the mapping
    /// itself; held here so that the lease's lifetime is plain to see).
    _file: File,
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

/// Takes a read lease on `file` (opened read-only), first making sure a lease break's
/// `SIGIO` cannot end the process. False when the kernel refuses (see the module docs).
fn take_read_lease(file: &File) -> bool {
    static IGNORE_SIGIO: std::sync::Once = std::sync::Once::new();
    IGNORE_SIGIO.call_once(|| {
        // Only a default disposition is replaced: a handler someone installed stays.
        // SAFETY: reading and setting a signal's disposition; SIG_IGN needs no handler code.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGIO, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_DFL
            {
                libc::signal(libc::SIGIO, libc::SIG_IGN);
            }
        }
    });
    // SAFETY: fcntl on a descriptor we own; F_SETLEASE takes an int argument.
    unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLEASE, libc::F_RDLCK) == 0 }
}

impl Mapping {
    /// Maps `file` (opened read-only) if it is a regular, non-empty file on which the kernel
    /// grants a read lease; `Ok(None)` for anything else (which the caller reads as a stream).
    pub fn of(file: File) -> io::Result<Option<Mapping>> {
        let meta = file.metadata()?;
        if !meta.is_file() || meta.len() == 0 || meta.len() > isize::MAX as u64 {
            return Ok(None);
        }
        if !take_read_lease(&file) {
            return Ok(None);
        }
        // The length again, now that nobody can shorten the file: it may have changed
        // between the first look and the lease.
        let meta = file.metadata()?;
        if meta.len() == 0 || meta.len() > isize::MAX as u64 {
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
        Ok(Some(Mapping {
            ptr,
            len,
            _file: file,
        }))
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
        // The lease goes with the file's last reference, which `_file` drops next.
    }
}
