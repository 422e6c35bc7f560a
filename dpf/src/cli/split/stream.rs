//! The split of a capture read as a stream (a pipe, pcapng, pcapng output): packets are
//! encoded into one buffer per output; a full buffer goes to one of two writer threads, which
//! own the files: each creates its outputs as soon as the pass starts and then writes buffers
//! as they come, so the kernel's work runs beside the reading and demultiplexing. Buffers return to
//! the reader for reuse, so memory stays bounded whatever the input's size. Every write but an
//! output's last is exactly one buffer's size (a power of two) at an offset that is a multiple
//! of it, so the page cache takes it in large folios (see `mapped`); the record that crosses
//! the boundary is continued in the next buffer. The pass ends by writing every buffer, after
//! an input error too, so every output is then a valid capture of the packets before it.

use std::io;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::files::FilePool;
use crate::capture::{Interface, OutputFormat, Packet, PacketWriter};

/// Total buffer memory for all outputs; each gets a share within [`MIN_BUF`, `MAX_BUF`],
/// rounded down to a power of two.
const BUF_BUDGET: usize = 32 << 20;
const MIN_BUF: usize = 16 << 10;
const MAX_BUF: usize = 1 << 20;
/// Full buffers queued per writer thread before the reader waits for it.
const QUEUE: usize = 64;
/// Writer threads: on two cores the kernel's creating and filling of the files is most of
/// the work, and a second writer shares it once the reader is done (as on the mapped path).
const WRITERS: usize = 2;

/// A writer thread: create its files (one writer at a time: see `mapped`), then write each
/// buffer it is sent and hand the buffer back (empty) for reuse.
fn write_files(
    mut pool: FilePool,
    full: Receiver<(usize, Vec<u8>)>,
    spare: Sender<Vec<u8>>,
    creating: Arc<Mutex<()>>,
) -> io::Result<()> {
    {
        let _one = creating.lock().unwrap_or_else(|e| e.into_inner());
        pool.create_all()?;
    }
    for (i, mut buf) in full {
        pool.write(i, &buf)?;
        buf.clear();
        // The reader may be gone already (it stops sending before it stops receiving).
        let _ = spare.send(buf);
    }
    Ok(())
}

/// A writer thread: where its full buffers go (with their file numbers), and its outcome.
type WriterThread = (SyncSender<(usize, Vec<u8>)>, JoinHandle<io::Result<()>>);

/// One output per rule (plus the unmatched one), each a packet writer over its own buffer;
/// full buffers go to the writer thread that owns the output (output `i` to writer
/// `i % writers`, as its file number `i / writers`).
pub struct Outputs {
    writers: Vec<PacketWriter<Vec<u8>>>,
    buf_cap: usize,
    threads: Vec<WriterThread>,
    spare: Receiver<Vec<u8>>,
    /// The files, when no writer thread could be started: buffers are then written here.
    direct: Option<FilePool>,
}

impl Outputs {
    pub fn new(paths: Vec<PathBuf>, format: OutputFormat, fd_cap: usize) -> Self {
        let n = paths.len();
        let share = (BUF_BUDGET / n.max(1)).clamp(MIN_BUF, MAX_BUF);
        let buf_cap = 1 << (usize::BITS - 1 - share.leading_zeros());
        let (spare_tx, spare_rx) = mpsc::channel();
        let n_writers = WRITERS.min(n.max(1));
        let creating = Arc::new(Mutex::new(()));
        let mut threads = Vec::new();
        for k in 0..n_writers {
            let mine: Vec<PathBuf> = paths.iter().skip(k).step_by(n_writers).cloned().collect();
            let (full_tx, full_rx) = mpsc::sync_channel(QUEUE);
            let (spare, creating) = (spare_tx.clone(), creating.clone());
            let pool = FilePool::new(mine, (fd_cap / n_writers).max(1));
            match std::thread::Builder::new()
                .name(format!("dpf-split-writer-{k}"))
                .spawn(move || write_files(pool, full_rx, spare, creating))
            {
                Ok(t) => threads.push((full_tx, t)),
                Err(_) => break,
            }
        }
        // Without every thread (one could not be started), the reader writes the files
        // itself, once the threads that did start are done making theirs.
        let direct = if threads.len() == n_writers {
            None
        } else {
            for (tx, t) in threads.drain(..) {
                drop(tx);
                let _ = t.join();
            }
            Some(FilePool::new(paths, fd_cap))
        };
        Outputs {
            writers: (0..n)
                .map(|_| PacketWriter::new(Vec::new(), format))
                .collect(),
            buf_cap,
            threads,
            spare: spare_rx,
            direct,
        }
    }

    pub fn write(&mut self, i: usize, p: &Packet, ifaces: &[Interface]) -> io::Result<()> {
        self.writers[i].write(p, ifaces)?;
        // A record longer than a buffer leaves more than a buffer behind.
        while self.writers[i].get_mut().len() >= self.buf_cap {
            self.drain(i, false)?;
        }
        Ok(())
    }

    /// Sends output `i`'s buffer to the writer thread, taking a spare one in its place: its
    /// first `buf_cap` bytes if it holds more (the rest moves to the new buffer), or all of
    /// it when the pass ends (`last`).
    fn drain(&mut self, i: usize, last: bool) -> io::Result<()> {
        let cut = if last { usize::MAX } else { self.buf_cap };
        if let Some(pool) = &mut self.direct {
            let buf = self.writers[i].get_mut();
            let n = buf.len().min(cut);
            let r = pool.write(i, &buf[..n]);
            buf.drain(..n);
            return r;
        }
        let mut fresh = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(self.buf_cap));
        let held = self.writers[i].get_mut();
        if held.len() > cut {
            fresh.extend_from_slice(&held[cut..]);
            held.truncate(cut);
        }
        let buf = std::mem::replace(held, fresh);
        let w = self.threads.len();
        let sent = self
            .threads
            .get(i % w.max(1))
            .map(|(tx, _)| tx.send((i / w, buf)));
        match sent {
            Some(Ok(())) => Ok(()),
            // A writer thread stopped: its error says why.
            _ => Err(self
                .join()
                .err()
                .unwrap_or_else(|| io::Error::other("an output writer stopped without an error"))),
        }
    }

    /// Stops the writer threads once they have written what they were sent; the first error.
    fn join(&mut self) -> io::Result<()> {
        let mut first = Ok(());
        for (tx, t) in self.threads.drain(..) {
            drop(tx);
            let r = t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("an output writer panicked")));
            if first.is_ok() {
                first = r;
            }
        }
        first
    }

    /// Headers for outputs that got no packet, every buffer out to its file, and the writer
    /// thread's outcome.
    pub fn finish(&mut self, ifaces: &[Interface]) -> io::Result<()> {
        for i in 0..self.writers.len() {
            self.writers[i].finish(ifaces)?;
            // Every output has bytes by now (at least its header), so every file is made.
            if !self.writers[i].get_mut().is_empty() {
                self.drain(i, true)?;
            }
        }
        self.join()
    }
}
