//! The output files of a split: created (truncated) once, kept open while the descriptor
//! budget allows, and reopened for appending after the pool had to close them (a rule file
//! may name more outputs than the process may hold open).
//!
//! Creating a thousand files is a large part of a split's cost, so the writers begin while
//! the rules still compile: they create only files that do not exist yet ("fresh" ones), and
//! remove exactly those again if the rules turn out not to compile. A file that exists is
//! truncated only once the rules compiled, as `tcpdump -w` leaves it alone after a bad filter.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

pub struct FilePool {
    paths: Vec<PathBuf>,
    files: Vec<Option<File>>,
    created: Vec<bool>,
    /// Made by [`FilePool::create_fresh`]: did not exist before this run.
    fresh: Vec<bool>,
    open: usize,
    cap: usize,
    /// Clock hand for choosing which file to close.
    hand: usize,
}

impl FilePool {
    pub fn new(paths: Vec<PathBuf>, cap: usize) -> Self {
        let n = paths.len();
        FilePool {
            paths,
            files: (0..n).map(|_| None).collect(),
            created: vec![false; n],
            fresh: vec![false; n],
            open: 0,
            cap: cap.max(1),
            hand: 0,
        }
    }

    /// Opens output `i`: created (truncated) the first time, appended to after the pool
    /// closed it.
    fn open(&mut self, i: usize) -> io::Result<()> {
        while self.open >= self.cap {
            self.hand = (self.hand + 1) % self.files.len();
            if self.hand != i && self.files[self.hand].take().is_some() {
                self.open -= 1;
            }
        }
        let f = if self.created[i] {
            OpenOptions::new().append(true).open(&self.paths[i])
        } else {
            create_or_replace(&self.paths[i])
        }
        .map_err(|e| self.error(i, e))?;
        self.created[i] = true;
        self.files[i] = Some(f);
        self.open += 1;
        Ok(())
    }

    fn error(&self, i: usize, e: io::Error) -> io::Error {
        io::Error::new(e.kind(), format!("{}: {e}", self.paths[i].display()))
    }

    /// Creates the outputs that fit in the descriptor budget, in order, so that the kernel's
    /// cost of making them is paid before (and beside) the writing.
    pub fn create_all(&mut self) -> io::Result<()> {
        for i in 0..self.paths.len().min(self.cap) {
            if !self.created[i] {
                self.open(i)?;
            }
        }
        Ok(())
    }

    /// Creates the outputs that fit in the descriptor budget and do not exist yet, before it
    /// is known whether the pass will run: an existing file is left as it is (and truncated
    /// when first written). Stops at the first error; the pass reports it if it runs.
    pub fn create_fresh(&mut self) -> io::Result<()> {
        for i in 0..self.paths.len().min(self.cap) {
            if self.created[i] {
                continue;
            }
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&self.paths[i])
            {
                Ok(f) => {
                    self.created[i] = true;
                    self.fresh[i] = true;
                    self.files[i] = Some(f);
                    self.open += 1;
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(self.error(i, e)),
            }
        }
        Ok(())
    }

    /// The pass will not run: closes every output and removes those this run created.
    pub fn remove_fresh(&mut self) {
        for i in 0..self.paths.len() {
            self.files[i] = None;
            if self.fresh[i] {
                let _ = std::fs::remove_file(&self.paths[i]);
            }
        }
        self.open = 0;
    }

    fn file(&mut self, i: usize) -> io::Result<&mut File> {
        if self.files[i].is_none() {
            self.open(i)?;
        }
        Ok(self.files[i].as_mut().expect("opened just now"))
    }

    pub fn write(&mut self, i: usize, bytes: &[u8]) -> io::Result<()> {
        let r = self.file(i)?.write_all(bytes);
        r.map_err(|e| self.error(i, e))
    }
}

/// Creates `path` empty, as `File::create` does, except that a regular file holding data (not
/// a link, not hard-linked elsewhere) is replaced by a new file with its permissions rather
/// than truncated in place. On ext4 (`auto_da_alloc`, the default) closing a file that was
/// truncated from a non-zero size waits until its new data has blocks on disk, so re-running a
/// split into the directory of an earlier one took 2.5x as long as into a fresh directory
/// (196 ms against 77 ms for 1,000 outputs). Everything else (a new name, an empty file, a
/// symbolic link, a device, a file with other names, or a file in a directory where this
/// process may not remove it) is opened and truncated as before.
fn create_or_replace(path: &std::path::Path) -> io::Result<File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let old = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() && m.len() > 0 && m.nlink() == 1 => m,
        _ => return File::create(path),
    };
    if std::fs::remove_file(path).is_err() {
        return File::create(path);
    }
    let mode = old.permissions().mode() & 0o7777;
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    // The mode given at creation passes through the umask; the old file's is restored whole.
    f.set_permissions(std::fs::Permissions::from_mode(mode))?;
    Ok(f)
}

/// Grows the process's descriptor table to hold `n` more descriptors, while the process is
/// still single-threaded. Keeping a thousand outputs open otherwise grows the table by
/// doubling from the writer threads, and in a multi-threaded process every growth waits for an
/// RCU grace period (`expand_fdtable`): measured, creating 1,000 files took 30-53 ms that way
/// against ~9 ms.
pub fn reserve_fds(n: usize) {
    let Ok(n) = libc::c_int::try_from(n) else {
        return;
    };
    // SAFETY: F_DUPFD takes the lowest free descriptor at or above `n` (never one in use),
    // which grows the table to cover it; the duplicate is closed at once.
    unsafe {
        let fd = libc::fcntl(2, libc::F_DUPFD_CLOEXEC, n);
        if fd >= 0 {
            libc::close(fd);
        }
    }
}

/// Raises the soft descriptor limit to the hard one; returns the limit now in force.
pub fn raise_fd_limit() -> usize {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut r = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return 256;
        }
        if r.rlim_cur < r.rlim_max {
            let want = libc::rlimit {
                rlim_cur: r.rlim_max,
                rlim_max: r.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                r.rlim_cur = r.rlim_max;
            }
        }
        r.rlim_cur.min(1 << 20) as usize
    }
}
