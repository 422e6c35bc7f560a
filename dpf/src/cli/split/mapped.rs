//! The split of a mapped pcap file.
//!
//! A pcap record in the input is, byte for byte, the record `tcpdump -w` writes for it
//! (little-endian, unmodified, within the snap length: nearly every capture), so an output is
//! its global header followed by records copied from the input unchanged. The reader
//! demultiplexes a window of the mapping at a time and notes, per output, which byte ranges go
//! there (no copy, no per-output buffer); writer threads gather each output's ranges straight
//! from the mapping into one small buffer that stays in cache and write it with one call. A
//! record that must be re-encoded (big-endian, Kuznetzov, beyond the snap length) gets a new
//! 16-byte header from a side buffer and its data still from the mapping.
//!
//! Why this shape: the kernel's creation of a thousand files and its copy of the outputs into
//! the page cache are most of a split's cost (docs/bench-cli.md); the old per-output buffers
//! added a copy of every byte into a thousand cold buffers (and their page faults) on the
//! reading thread. The writers create their files first, while the rules compile and the
//! reader demultiplexes, and split the outputs between them, so a second core shares the
//! kernel's work. Once every writer is done with a window, its pages leave the resident set: a
//! file of any size splits in bounded memory.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::files::FilePool;
use crate::capture::{Mapping, Record};

/// Input bytes demultiplexed per batch. Bigger windows mean fewer and larger writes per
/// output (the kernel's cost is per write and per page cache folio: 32 MiB windows took 4-8%
/// less CPU than 16 MiB ones on the benchmark trace); each window in flight stays resident
/// until written, at most about three of them, so a file over [`BIG`] gets smaller windows.
const WINDOW: usize = 32 << 20;
const BIG_WINDOW: usize = 16 << 20;
const BIG: usize = 256 << 20;
/// The first window: the writers have nothing to do until the reader hands one over, so it is
/// small, and each later one twice the one before (up to the window size). With 32 MiB from
/// the start the writers idled through the first third of a 77 MB split.
const FIRST_WINDOW: usize = 4 << 20;
/// Batches queued per writer before the reader waits (bounds the resident windows).
const QUEUE: usize = 1;
/// A window is also handed over once it holds this many writes (with `--all-matches` and
/// rules that overlap, one packet may go to every output: memory follows matches, not bytes).
const MAX_PENDING: usize = 1 << 20;
/// A writer writes an output's gathered bytes once they reach this much (bounds its buffer
/// when one output takes most of a window).
const STAGE_MAX: usize = 1 << 20;
/// How many segments ahead of the one being gathered a writer prefetches.
const GATHER_AHEAD: usize = 6;
/// Marks a segment that lies in the batch's side buffer, not in the mapping.
const SIDE: u64 = 1 << 63;

/// A byte range to write: in the mapping, or (flagged [`SIDE`]) in the batch's side buffer.
#[derive(Clone, Copy, Debug)]
struct Seg {
    off: u64,
    len: u32,
}

/// One window's writes, grouped by output.
struct Batch {
    map: Arc<Mapping>,
    bufs: Bufs,
    /// The input bytes this batch covers, dropped from the resident set once written.
    covers: (usize, usize),
    /// Where the buffers go back to once the batch is written (see [`Bufs`]).
    recycle: mpsc::Sender<Bufs>,
}

/// A batch's buffers, a few MiB per window. The reader builds them and the last writer done
/// with the batch drops it; the buffers then go back to the reader, which fills them again
/// for a later window. Freed on the writer's thread instead, every window's buffers would
/// be a cross-thread free of memory the reader allocated afresh: allocators keep such
/// memory around longer (mimalloc's resident set grew with the input's size), and glibc
/// maps and unmaps each one, a page fault per page on every window.
#[derive(Default)]
struct Bufs {
    /// Output `i`'s segments are `segs[starts[i]..starts[i + 1]]`, in file order.
    segs: Vec<Seg>,
    starts: Vec<u32>,
    /// Re-encoded record headers.
    side: Vec<u8>,
}

impl Drop for Batch {
    fn drop(&mut self) {
        // The last writer is done with this window (and, writers going in order, with every
        // earlier one).
        self.map.release(self.covers.0, self.covers.1);
        // The reader may be gone (an error ended the pass): then the buffers are freed here.
        let _ = self.recycle.send(std::mem::take(&mut self.bufs));
    }
}

/// A writer's share of the outputs: every output `i` with `i % step == first`.
struct Share {
    pool: FilePool,
    first: usize,
    step: usize,
    /// The global header, written before an output's first record (or alone at the end).
    header: Arc<[u8]>,
    started: Vec<bool>,
    /// One output's bytes of the current batch, gathered.
    stage: Vec<u8>,
}

impl Share {
    fn new(paths: &[PathBuf], first: usize, step: usize, header: Arc<[u8]>, fds: usize) -> Self {
        let mine: Vec<PathBuf> = paths.iter().skip(first).step_by(step).cloned().collect();
        let n = mine.len();
        Share {
            pool: FilePool::new(mine, fds),
            first,
            step,
            header,
            started: vec![false; n],
            stage: Vec::new(),
        }
    }

    fn write(&mut self, b: &Batch) -> io::Result<()> {
        let bytes = b.map.bytes();
        let (segs_all, starts, side) = (&b.bufs.segs, &b.bufs.starts, &b.bufs.side);
        for j in 0..self.started.len() {
            let i = self.first + j * self.step;
            let segs = &segs_all[starts[i] as usize..starts[i + 1] as usize];
            if segs.is_empty() {
                continue;
            }
            // Gathered into one small buffer that stays in cache, then one `write`: the
            // kernel copies a contiguous buffer much faster than a `writev` of one slice per
            // record (the split took ~20% less CPU than with `writev`, docs/bench-cli.md).
            self.stage.clear();
            if !self.started[j] {
                self.stage.extend_from_slice(&self.header);
            }
            for (k, s) in segs.iter().enumerate() {
                // The records of one output lie far apart in the window: ask for a later one's
                // bytes while this one is copied, or every copy waits on memory.
                if let Some(ahead) = segs.get(k + GATHER_AHEAD) {
                    prefetch_seg(bytes, side, ahead);
                }
                let len = s.len as usize;
                if s.off & SIDE != 0 {
                    let o = (s.off & !SIDE) as usize;
                    self.stage.extend_from_slice(&side[o..o + len]);
                } else {
                    let o = s.off as usize;
                    self.stage.extend_from_slice(&bytes[o..o + len]);
                }
                if self.stage.len() >= STAGE_MAX {
                    self.pool.write(j, &self.stage)?;
                    self.stage.clear();
                    self.started[j] = true;
                }
            }
            self.pool.write(j, &self.stage)?;
            self.started[j] = true;
        }
        Ok(())
    }

    /// A header for every output that got no record, so each is a valid (empty) capture.
    fn finish(&mut self) -> io::Result<()> {
        for j in 0..self.started.len() {
            if !self.started[j] {
                self.pool.write(j, &self.header)?;
                self.started[j] = true;
            }
        }
        Ok(())
    }
}

/// Asks for the cache lines of segment `s` (a hint: no effect on what is read).
#[inline]
fn prefetch_seg(bytes: &[u8], side: &[u8], s: &Seg) {
    #[cfg(target_arch = "x86_64")]
    {
        let (buf, off) = if s.off & SIDE != 0 {
            (side, (s.off & !SIDE) as usize)
        } else {
            (bytes, s.off as usize)
        };
        let end = (off + s.len as usize).min(buf.len());
        let mut at = off & !63;
        while at < end {
            // SAFETY: a prefetch is a hint; `at` is inside `buf`.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch::<_MM_HINT_T0>(buf.as_ptr().add(at) as *const i8);
            }
            at += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (bytes, side, s);
}

fn writer_thread(
    mut share: Share,
    batches: Receiver<Arc<Batch>>,
    cancelled: Arc<AtomicBool>,
) -> io::Result<()> {
    // The rules may still be compiling: only new files are made now. A file that cannot be
    // made here is opened again when first written, which reports the error if the pass runs.
    let _ = share.pool.create_fresh();
    for b in batches {
        share.write(&b)?;
    }
    if cancelled.load(Ordering::Acquire) {
        share.pool.remove_fresh();
        return Ok(());
    }
    share.finish()
}

/// A writer thread: where its batches go, and its outcome.
type WriterThread = (SyncSender<Arc<Batch>>, JoinHandle<io::Result<()>>);

enum Writers {
    Threads(Vec<WriterThread>),
    /// No thread could be started: the reader writes each batch itself.
    Inline(Share),
}

/// The outputs of a mapped split: the reader [`add`](MappedOutputs::add)s records, batches go
/// to the writers a window at a time.
pub struct MappedOutputs {
    map: Arc<Mapping>,
    n_out: usize,
    nanos: bool,
    /// The current window's writes in packet order: (output, segment).
    pending: Vec<(u32, Seg)>,
    side: Vec<u8>,
    /// Buffers of written batches, to fill again (see [`Bufs`]).
    spare_tx: mpsc::Sender<Bufs>,
    spare_rx: Receiver<Bufs>,
    /// The last record given a re-encoded header: (its offset, the header's side offset).
    last_side: Option<(u64, u64)>,
    /// Where the current window's records begin.
    start: usize,
    /// The current window's size: small at first, so the writers start while the reader is
    /// still at the start of the input, then doubling up to `max_window`.
    window: usize,
    max_window: usize,
    writers: Writers,
    /// Set by [`MappedOutputs::cancel`] before the writers are told to stop.
    cancelled: Arc<AtomicBool>,
}

impl MappedOutputs {
    /// `paths`: one per output; `header`: the global header every output starts with;
    /// `nanos`: the input's (and outputs') timestamp unit; `start`: offset of the first record.
    pub fn new(
        map: Arc<Mapping>,
        paths: Vec<PathBuf>,
        header: Vec<u8>,
        nanos: bool,
        fd_cap: usize,
        start: usize,
    ) -> Self {
        let n_out = paths.len();
        let header: Arc<[u8]> = header.into();
        // Two writers: on two cores the creating and filling of files is most of the work,
        // and a second writer takes it over once the reader is done (see docs/bench-cli.md).
        let n_writers = tunable("DPF_SPLIT_WRITERS", 1, 64)
            .unwrap_or(2)
            .min(n_out.max(1));
        let fds = (fd_cap / n_writers).max(1);
        let cancelled = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for k in 0..n_writers {
            let share = Share::new(&paths, k, n_writers, header.clone(), fds);
            let (tx, rx) = mpsc::sync_channel(QUEUE);
            let stop = cancelled.clone();
            match std::thread::Builder::new()
                .name(format!("dpf-split-writer-{k}"))
                .spawn(move || writer_thread(share, rx, stop))
            {
                Ok(t) => threads.push((tx, t)),
                Err(_) => break,
            }
        }
        let writers = if threads.len() == n_writers {
            Writers::Threads(threads)
        } else {
            // Threads that did start see their channel close and remove what they made:
            // wait for them so no two writers share a file.
            cancelled.store(true, Ordering::Release);
            for (tx, t) in threads {
                drop(tx);
                let _ = t.join();
            }
            cancelled.store(false, Ordering::Release);
            Writers::Inline(Share::new(&paths, 0, 1, header, fd_cap))
        };
        let default = if map.bytes().len() > BIG {
            BIG_WINDOW
        } else {
            WINDOW
        };
        let max_window = tunable("DPF_SPLIT_WINDOW_MB", 1, 1 << 12).map_or(default, |mb| mb << 20);
        let window = tunable("DPF_SPLIT_FIRST_MB", 1, 1 << 12)
            .map_or(FIRST_WINDOW, |mb| mb << 20)
            .min(max_window);
        let (spare_tx, spare_rx) = mpsc::channel();
        MappedOutputs {
            map,
            n_out,
            nanos,
            pending: Vec::new(),
            side: Vec::new(),
            spare_tx,
            spare_rx,
            last_side: None,
            start,
            window,
            max_window,
            writers,
            cancelled,
        }
    }

    /// The pass will not run (the rules did not compile): stops the writers and removes the
    /// files they made; files that existed before are left untouched.
    pub fn cancel(&mut self) {
        self.cancelled.store(true, Ordering::Release);
        let _ = self.join();
    }

    /// Queues record `rec` for output `out`.
    #[inline]
    pub fn add(&mut self, out: usize, rec: &Record) {
        let base = self.map.bytes().as_ptr() as usize;
        let out = out as u32;
        if rec.verbatim {
            let seg = Seg {
                off: rec.offset,
                len: rec.raw.len() as u32,
            };
            self.pending.push((out, seg));
            return;
        }
        let p = &rec.packet;
        let side = match self.last_side {
            Some((at, side)) if at == rec.offset => side,
            _ => {
                // The record header a pcap writer of the input's unit writes for this packet.
                let side = self.side.len() as u64;
                let frac = if self.nanos {
                    p.ts.nsec
                } else {
                    p.ts.nsec / 1000
                };
                for v in [
                    p.ts.sec as u32,
                    frac as u32,
                    p.data.len() as u32,
                    p.orig_len,
                ] {
                    self.side.extend_from_slice(&v.to_le_bytes());
                }
                self.last_side = Some((rec.offset, side));
                side
            }
        };
        self.pending.push((
            out,
            Seg {
                off: side | SIDE,
                len: 16,
            },
        ));
        let data = Seg {
            off: (p.data.as_ptr() as usize - base) as u64,
            len: p.data.len() as u32,
        };
        self.pending.push((out, data));
    }

    /// Hands the window to the writers once it holds a window's worth of bytes; `offset` is where the
    /// next record starts.
    #[inline]
    pub fn maybe_flush(&mut self, offset: u64) -> io::Result<()> {
        if offset as usize - self.start >= self.window || self.pending.len() >= MAX_PENDING {
            self.flush(offset as usize)?;
        }
        Ok(())
    }

    fn flush(&mut self, end: usize) -> io::Result<()> {
        // The buffers of a batch already written, if one came back; new ones otherwise.
        let mut bufs = self.spare_rx.try_recv().unwrap_or_default();
        // Group by output, keeping file order within each (a counting sort).
        let starts = &mut bufs.starts;
        starts.clear();
        starts.resize(self.n_out + 1, 0);
        for &(o, _) in &self.pending {
            starts[o as usize + 1] += 1;
        }
        for i in 0..self.n_out {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let segs = &mut bufs.segs;
        segs.clear();
        segs.resize(self.pending.len(), Seg { off: 0, len: 0 });
        for &(o, s) in &self.pending {
            segs[fill[o as usize] as usize] = s;
            fill[o as usize] += 1;
        }
        self.pending.clear();
        self.last_side = None;
        // The side buffer filled during this window goes with the batch; the next window
        // fills the spare one.
        bufs.side.clear();
        std::mem::swap(&mut bufs.side, &mut self.side);
        let batch = Arc::new(Batch {
            map: self.map.clone(),
            bufs,
            covers: (self.start, end),
            recycle: self.spare_tx.clone(),
        });
        self.start = end;
        self.window = (self.window * 2).min(self.max_window);
        match &mut self.writers {
            Writers::Inline(share) => share.write(&batch),
            Writers::Threads(ts) => {
                for (tx, _) in ts.iter() {
                    if tx.send(batch.clone()).is_err() {
                        // A writer stopped: its error says why.
                        return Err(self.join().err().unwrap_or_else(|| {
                            io::Error::other("an output writer stopped without an error")
                        }));
                    }
                }
                Ok(())
            }
        }
    }

    fn join(&mut self) -> io::Result<()> {
        let mut first_err = Ok(());
        if let Writers::Threads(ts) = &mut self.writers {
            for (tx, t) in ts.drain(..) {
                drop(tx);
                let r = t
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("an output writer panicked")));
                if first_err.is_ok() {
                    first_err = r;
                }
            }
        }
        first_err
    }

    /// Writes what is queued (records up to `end`), a header to every output that got no
    /// record, and waits for the writers.
    pub fn finish(&mut self, end: u64) -> io::Result<()> {
        self.flush(end as usize)?;
        match &mut self.writers {
            Writers::Inline(share) => share.finish(),
            Writers::Threads(_) => self.join(),
        }
    }
}

/// A knob for measuring (`DPF_SPLIT_WRITERS`, `DPF_SPLIT_WINDOW_MB`, `DPF_SPLIT_FIRST_MB`), if
/// set and in range.
fn tunable(var: &str, lo: usize, hi: usize) -> Option<usize> {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| (lo..=hi).contains(n))
}
