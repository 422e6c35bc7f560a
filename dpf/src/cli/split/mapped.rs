//! The split of a mapped pcap file.
//!
//! A pcap record in the input is, byte for byte, the record `tcpdump -w` writes for it
//! (little-endian, unmodified, within the snap length: nearly every capture), so an output is
//! its global header followed by records copied from the input unchanged. The reader
//! demultiplexes a window of the mapping at a time and notes, per output, which byte ranges go
//! there (no copy, no per-output buffer). Writer threads hold each output's ranges until they
//! make a whole chunk (64 KiB), then gather them straight from the mapping into one small
//! buffer that stays in cache and write it with one call, so that every write but an output's
//! last is whole chunks at chunk-aligned offsets: the page cache then takes them in large
//! folios, and the kernel's cost of writing fell by half. A window stays mapped while records
//! are held in it, within a budget; past it, the outputs holding records in the oldest window
//! write them. A record that must be re-encoded (big-endian, Kuznetzov, beyond the snap
//! length) gets a new 16-byte header from a side buffer and its data still from the mapping.
//!
//! Why this shape: the kernel's creation of a thousand files and its copy of the outputs into
//! the page cache are most of a split's cost (docs/bench-cli.md); the old per-output buffers
//! added a copy of every byte into a thousand cold buffers (and their page faults) on the
//! reading thread. The writers create their files first, while the rules compile and the
//! reader demultiplexes, and split the outputs between them, so a second core shares the
//! kernel's work. Once every writer is done with a window (its records written), its pages
//! leave the resident set: a file of any size splits in bounded memory.

use std::collections::VecDeque;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::files::FilePool;
use crate::capture::{Mapping, Record};

/// Input bytes demultiplexed per batch. A window stays resident while it is queued for the
/// writers and while records they hold lie in it, so a file over [`BIG`] gets smaller
/// windows, fewer of them queued and fewer kept.
const WINDOW: usize = 32 << 20;
const BIG_WINDOW: usize = 8 << 20;
const BIG: usize = 256 << 20;
/// The first window: the writers have nothing to do until the reader hands one over, so it is
/// small, and each later one twice the one before (up to the window size). With 32 MiB from
/// the start the writers idled through the first third of a 77 MB split.
const FIRST_WINDOW: usize = 4 << 20;
/// Batches queued per writer before the reader waits (bounds the resident windows). A writer
/// making its files while the other makes theirs (one at a time, see [`writer_thread`]) takes
/// no batch for a while: with one batch queued the reader waited for it (a split took 53-57
/// ms with 8, 62-66 ms with 1).
const QUEUE: usize = 8;
const BIG_QUEUE: usize = 1;
/// A window is also handed over once it holds this many writes (with `--all-matches` and
/// rules that overlap, one packet may go to every output: memory follows matches, not bytes).
/// A batch's writes take 16 bytes each, and up to [`QUEUE`] batches wait per writer.
const MAX_PENDING: usize = 1 << 18;
/// Writes of the batches a writer keeps (see [`Share::retain`]): past this many, the oldest
/// batch goes too, whatever its window's size.
const RETAIN_WRITES: usize = 1 << 20;
/// A writer writes an output's gathered bytes once they reach this much (bounds its buffer
/// when one output takes most of a window).
const STAGE_MAX: usize = 1 << 20;
/// How many segments ahead of the one being gathered a writer prefetches.
const GATHER_AHEAD: usize = 6;
/// Outputs are written in chunks of this many bytes at chunk-aligned offsets (a power of
/// two, at most [`STAGE_MAX`]); see [`Share::flush`].
const CHUNK: usize = 64 << 10;
/// Window bytes a writer keeps for the records its outputs hold (see [`Share::retain`]); for
/// a file over [`BIG`], less.
const RETAIN: usize = 64 << 20;
const BIG_RETAIN: usize = 24 << 20;

/// How a writer works: descriptors it may hold, its chunk, the window bytes it may keep.
#[derive(Clone, Copy)]
struct Config {
    fds: usize,
    chunk: usize,
    retain: usize,
}

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
        // The last writer is done with this window (and, writers keeping and dropping their
        // batches in order, with every earlier one).
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
    /// Per output: its header has been written.
    started: Vec<bool>,
    /// Per output: the records not written yet, and where its file ends.
    held: Vec<Held>,
    /// Batches whose windows held records may still lie in, oldest first, and their bytes.
    retained: VecDeque<Arc<Batch>>,
    retained_bytes: usize,
    retained_writes: usize,
    /// How many window bytes the share may keep for held records.
    retain_max: usize,
    /// Outputs are written `chunk` bytes at a time, at offsets that are multiples of `chunk`
    /// (0: each batch's records at once).
    chunk: usize,
    /// One write's bytes, gathered.
    stage: Vec<u8>,
}

/// An output's records not written yet: byte ranges of the mapping, in file order.
#[derive(Default)]
struct Held {
    segs: Vec<Seg>,
    /// Their bytes.
    len: usize,
    /// The output file's size so far.
    written: u64,
}

impl Share {
    fn new(paths: &[PathBuf], first: usize, step: usize, header: Arc<[u8]>, cfg: Config) -> Self {
        let mine: Vec<PathBuf> = paths.iter().skip(first).step_by(step).cloned().collect();
        let n = mine.len();
        Share {
            pool: FilePool::new(mine, cfg.fds),
            first,
            step,
            header,
            started: vec![false; n],
            held: (0..n).map(|_| Held::default()).collect(),
            retained: VecDeque::new(),
            retained_bytes: 0,
            retained_writes: 0,
            retain_max: cfg.retain,
            chunk: cfg.chunk,
            stage: Vec::new(),
        }
    }

    /// Takes a batch's records: each output's are held until they fill a chunk (written then)
    /// or their window must go (see [`Share::retain`]).
    fn write(&mut self, b: &Arc<Batch>) -> io::Result<()> {
        let (segs_all, starts, side) = (&b.bufs.segs, &b.bufs.starts, &b.bufs.side);
        for j in 0..self.started.len() {
            let i = self.first + j * self.step;
            let segs = &segs_all[starts[i] as usize..starts[i + 1] as usize];
            if segs.is_empty() {
                continue;
            }
            let h = &mut self.held[j];
            let mut in_side = false;
            for s in segs {
                in_side |= s.off & SIDE != 0;
                h.len += s.len as usize;
            }
            h.segs.extend_from_slice(segs);
            // A re-encoded header lies in this batch's side buffer: written now, with
            // everything before it (rare: inputs whose records are not copied verbatim).
            let full = self.chunk == 0 || in_side;
            if full
                || self.pending_end(j) / self.chunk as u64
                    > self.held[j].written / self.chunk as u64
            {
                self.flush(j, b.map.bytes(), side, full)?;
            }
        }
        self.retain(b.clone())
    }

    /// Where output `j`'s file will end once everything it holds is written.
    fn pending_end(&self, j: usize) -> u64 {
        let header = if self.started[j] {
            0
        } else {
            self.header.len()
        };
        self.held[j].written + (header + self.held[j].len) as u64
    }

    /// Keeps `b` while records may lie in its window; once the windows kept exceed the
    /// budget (in bytes, or in writes: see [`RETAIN_WRITES`]), the oldest goes, and every
    /// output holding records in it writes them first.
    fn retain(&mut self, b: Arc<Batch>) -> io::Result<()> {
        self.retained_bytes += b.covers.1 - b.covers.0;
        self.retained_writes += b.bufs.segs.len();
        self.retained.push_back(b);
        while self.retained_bytes > self.retain_max || self.retained_writes > RETAIN_WRITES {
            let Some(old) = self.retained.pop_front() else {
                break;
            };
            self.retained_bytes -= old.covers.1 - old.covers.0;
            self.retained_writes -= old.bufs.segs.len();
            let end = old.covers.1 as u64;
            for j in 0..self.held.len() {
                if self.held[j].segs.first().is_some_and(|s| s.off < end) {
                    self.flush(j, old.map.bytes(), &[], true)?;
                }
            }
        }
        Ok(())
    }

    /// Writes what output `j` holds: all of it, or (`all` false) up to the last chunk
    /// boundary it reaches. Whole chunks at chunk-aligned offsets let the page cache take
    /// the data in large folios: 1,000 files of 64,000 bytes took the kernel 18 ms in one
    /// write each and 43 ms in 20,000-byte writes (docs/bench-cli.md).
    fn flush(&mut self, j: usize, bytes: &[u8], side: &[u8], all: bool) -> io::Result<()> {
        let end = self.pending_end(j);
        let written = self.held[j].written;
        let to = if all {
            end
        } else {
            end / self.chunk as u64 * self.chunk as u64
        };
        if to <= written {
            return Ok(());
        }
        let mut left = (to - written) as usize;
        let mut k = 0;
        while left > 0 {
            let piece = left.min(STAGE_MAX);
            self.stage.clear();
            if !self.started[j] {
                self.stage.extend_from_slice(&self.header);
                self.started[j] = true;
            }
            let h = &mut self.held[j];
            while self.stage.len() < piece {
                // The records of one output lie far apart: ask for a later one's bytes while
                // this one is copied, or every copy waits on memory.
                if let Some(ahead) = h.segs.get(k + GATHER_AHEAD) {
                    prefetch_seg(bytes, side, ahead);
                }
                let s = h.segs[k];
                let data = seg_bytes(bytes, side, &s);
                let take = data.len().min(piece - self.stage.len());
                self.stage.extend_from_slice(&data[..take]);
                if take < data.len() {
                    // The rest of this record stays held.
                    h.segs[k] = Seg {
                        off: s.off + take as u64,
                        len: s.len - take as u32,
                    };
                } else {
                    k += 1;
                }
            }
            self.pool.write(j, &self.stage)?;
            left -= self.stage.len();
            h.written += self.stage.len() as u64;
        }
        let h = &mut self.held[j];
        h.segs.drain(..k);
        h.len = (end - h.written) as usize;
        Ok(())
    }

    /// Writes what every output still holds, and a header for every output that got no
    /// record, so each is a valid (empty) capture.
    fn finish(&mut self) -> io::Result<()> {
        // Held records lie in the mapping every batch shares (none are held without a batch).
        let map = self.retained.back().map(|b| b.map.clone());
        for j in 0..self.started.len() {
            if !self.started[j] && self.held[j].len == 0 {
                self.pool.write(j, &self.header)?;
                self.started[j] = true;
            } else if let Some(map) = &map {
                self.flush(j, map.bytes(), &[], true)?;
            }
        }
        self.retained.clear();
        Ok(())
    }
}

/// Segment `s`'s bytes: in the mapping, or in the batch's side buffer.
#[inline]
fn seg_bytes<'a>(bytes: &'a [u8], side: &'a [u8], s: &Seg) -> &'a [u8] {
    let len = s.len as usize;
    if s.off & SIDE != 0 {
        let o = (s.off & !SIDE) as usize;
        &side[o..o + len]
    } else {
        let o = s.off as usize;
        &bytes[o..o + len]
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
    creating: Arc<Mutex<()>>,
) -> io::Result<()> {
    // The rules may still be compiling: only new files are made now. A file that cannot be
    // made here is opened again when first written, which reports the error if the pass runs.
    // One writer at a time: the kernel makes files in one directory one at a time anyway
    // (under the directory's lock), and a second writer waiting for that lock spins on a
    // core that the reader could use (`rwsem_spin_on_owner`, 8-30% of a split's CPU time in
    // profiles); waiting here, it sleeps.
    {
        let _one = creating.lock().unwrap_or_else(|e| e.into_inner());
        let _ = share.pool.create_fresh();
    }
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
    Inline(Box<Share>),
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
        let big = map.bytes().len() > BIG;
        // A chunk is a power of two no larger than a gathered write (0: no holding back).
        let chunk = tunable("DPF_SPLIT_CHUNK_KB", 0, STAGE_MAX >> 10).map_or(CHUNK, |kb| {
            if kb == 0 {
                0
            } else {
                1 << (usize::BITS - 1 - (kb << 10).leading_zeros())
            }
        });
        let retain = tunable("DPF_SPLIT_RETAIN_MB", 0, 1 << 12)
            .map_or(if big { BIG_RETAIN } else { RETAIN }, |mb| mb << 20);
        let queue =
            tunable("DPF_SPLIT_QUEUE", 0, 64).unwrap_or(if big { BIG_QUEUE } else { QUEUE });
        let cfg = Config {
            fds: (fd_cap / n_writers).max(1),
            chunk,
            retain,
        };
        let cancelled = Arc::new(AtomicBool::new(false));
        let creating = Arc::new(Mutex::new(()));
        let mut threads = Vec::new();
        for k in 0..n_writers {
            let share = Share::new(&paths, k, n_writers, header.clone(), cfg);
            let (tx, rx) = mpsc::sync_channel(queue);
            let stop = cancelled.clone();
            let creating = creating.clone();
            match std::thread::Builder::new()
                .name(format!("dpf-split-writer-{k}"))
                .spawn(move || writer_thread(share, rx, stop, creating))
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
            let cfg = Config { fds: fd_cap, ..cfg };
            Writers::Inline(Box::new(Share::new(&paths, 0, 1, header, cfg)))
        };
        let default = if big { BIG_WINDOW } else { WINDOW };
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
