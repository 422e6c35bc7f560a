//! `dpf split`: one pass over a capture, each rule's packets to its own file.
//!
//! Output goes through one buffer per rule. A full buffer is handed to a writer thread, which
//! owns the files: it creates every output as soon as the pass starts and then writes buffers
//! as they come, so the kernel's work (creating a thousand files, copying tens of megabytes into
//! the page cache, most of a split's cost) runs on another core while this one reads and
//! demultiplexes. The files it keeps open are bounded by the process's descriptor limit
//! (raised to its hard maximum first); buffers return to the reader for reuse, so memory stays
//! bounded. Files are written whole records at a time, so after an input error every output,
//! flushed, is a valid capture of the packets before it.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;
use std::time::Instant;

use super::ruleset::RuleSet;
use super::scan::scan;
use super::summary::Tally;
use super::{CliError, Outcome};
use crate::capture::{Format, Interface, OutputFormat, Packet, PacketWriter};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Capture to read (pcap or pcapng).
    #[arg(short = 'r', value_name = "IN")]
    pub read: PathBuf,
    /// Rule file: `name: expression` per line; earlier rules win.
    #[arg(long, value_name = "RULES")]
    pub rules: PathBuf,
    /// Directory for the outputs, one `NAME.pcap` (or `.pcapng`) per rule; created if missing.
    #[arg(short = 'o', value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Write a packet to every rule it matches, not only to the first.
    #[arg(long)]
    pub all_matches: bool,
    /// Also write the packets no rule matched, to FILE.
    #[arg(long, value_name = "FILE")]
    pub unmatched: Option<PathBuf>,
    /// Write pcapng (needed when the input mixes link types).
    #[arg(long)]
    pub pcapng: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Stop after COUNT packets.
    #[arg(short = 'c', value_name = "COUNT")]
    pub count: Option<u64>,
}

/// Total buffer memory for all outputs; each gets a share within [`MIN_BUF`, `MAX_BUF`].
const BUF_BUDGET: usize = 32 << 20;
const MIN_BUF: usize = 16 << 10;
const MAX_BUF: usize = 1 << 20;
/// Full buffers queued for the writer thread before the reader waits for it.
const QUEUE: usize = 64;

/// Files, opened on demand and closed again when too many are open.
struct FilePool {
    paths: Vec<PathBuf>,
    files: Vec<Option<File>>,
    created: Vec<bool>,
    open: usize,
    cap: usize,
    /// Clock hand for choosing which file to close.
    hand: usize,
}

impl FilePool {
    fn new(paths: Vec<PathBuf>, cap: usize) -> Self {
        let n = paths.len();
        FilePool {
            paths,
            files: (0..n).map(|_| None).collect(),
            created: vec![false; n],
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
            File::create(&self.paths[i])
        }
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.paths[i].display())))?;
        self.created[i] = true;
        self.files[i] = Some(f);
        self.open += 1;
        Ok(())
    }

    /// Creates the outputs that fit in the descriptor budget, in order.
    fn create_all(&mut self) -> io::Result<()> {
        for i in 0..self.paths.len().min(self.cap) {
            if !self.created[i] {
                self.open(i)?;
            }
        }
        Ok(())
    }

    fn write(&mut self, i: usize, bytes: &[u8]) -> io::Result<()> {
        if self.files[i].is_none() {
            self.open(i)?;
        }
        match &mut self.files[i] {
            Some(f) => f.write_all(bytes),
            None => Ok(()),
        }
    }
}

/// The writer thread: create the files, then write each buffer it is sent and hand the buffer
/// back (empty) for reuse.
fn write_files(
    mut pool: FilePool,
    full: Receiver<(usize, Vec<u8>)>,
    spare: Sender<Vec<u8>>,
) -> io::Result<()> {
    pool.create_all()?;
    for (i, mut buf) in full {
        pool.write(i, &buf)?;
        buf.clear();
        // The reader may be gone already (it stops sending before it stops receiving).
        let _ = spare.send(buf);
    }
    pool.files.iter_mut().flatten().try_for_each(|f| f.flush())
}

/// One output per rule (plus the unmatched one), each a packet writer over its own buffer;
/// full buffers go to the writer thread.
struct Outputs {
    writers: Vec<PacketWriter<Vec<u8>>>,
    buf_cap: usize,
    full: Option<SyncSender<(usize, Vec<u8>)>>,
    spare: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<io::Result<()>>>,
    /// The files, when no writer thread could be started: buffers are then written here.
    direct: Option<FilePool>,
}

impl Outputs {
    fn new(paths: Vec<PathBuf>, format: OutputFormat, buf_cap: usize, fd_cap: usize) -> Self {
        let n = paths.len();
        let (full_tx, full_rx) = mpsc::sync_channel(QUEUE);
        let (spare_tx, spare_rx) = mpsc::channel();
        let paths2 = paths.clone();
        let thread = std::thread::Builder::new()
            .name("dpf-split-writer".into())
            .spawn(move || write_files(FilePool::new(paths2, fd_cap), full_rx, spare_tx));
        // Without a thread (none could be started), the reader writes the files itself.
        let (full, thread, direct) = match thread {
            Ok(t) => (Some(full_tx), Some(t), None),
            Err(_) => (None, None, Some(FilePool::new(paths, fd_cap))),
        };
        Outputs {
            writers: (0..n)
                .map(|_| PacketWriter::new(Vec::new(), format))
                .collect(),
            buf_cap,
            full,
            spare: spare_rx,
            thread,
            direct,
        }
    }

    fn write(&mut self, i: usize, p: &Packet, ifaces: &[Interface]) -> io::Result<()> {
        self.writers[i].write(p, ifaces)?;
        if self.writers[i].get_mut().len() >= self.buf_cap {
            self.drain(i)?;
        }
        Ok(())
    }

    /// Sends output `i`'s buffer to the writer thread, taking a spare one in its place.
    fn drain(&mut self, i: usize) -> io::Result<()> {
        if let Some(pool) = &mut self.direct {
            let buf = self.writers[i].get_mut();
            let r = pool.write(i, buf);
            buf.clear();
            return r;
        }
        let fresh = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(self.buf_cap));
        let buf = std::mem::replace(self.writers[i].get_mut(), fresh);
        let sent = self.full.as_ref().map(|tx| tx.send((i, buf)));
        match sent {
            Some(Ok(())) => Ok(()),
            // The writer thread stopped: its error says why.
            _ => Err(self
                .join()
                .err()
                .unwrap_or_else(|| io::Error::other("the output writer stopped without an error"))),
        }
    }

    fn join(&mut self) -> io::Result<()> {
        self.full = None;
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the output writer panicked"))),
            None => Ok(()),
        }
    }

    /// Headers for outputs that got no packet, every buffer out to its file, and the writer
    /// thread's outcome.
    fn finish(&mut self, ifaces: &[Interface]) -> io::Result<()> {
        for i in 0..self.writers.len() {
            self.writers[i].finish(ifaces)?;
            // Every output has bytes by now (at least its header), so every file is made.
            if !self.writers[i].get_mut().is_empty() {
                self.drain(i)?;
            }
        }
        if let Some(pool) = &mut self.direct {
            return pool.files.iter_mut().flatten().try_for_each(|f| f.flush());
        }
        self.join()
    }
}

/// Raises the soft descriptor limit to the hard one; returns the limit now in force.
fn raise_fd_limit() -> usize {
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

pub fn run(a: Args) -> Outcome {
    let mut rules = RuleSet::load(&a.rules)?;
    let names: Vec<String> = rules.names().map(String::from).collect();
    // Check every rule before creating any file: a typo should not leave a half-made DIR.
    let probe = super::open_capture(&a.read)?;
    rules.precheck(probe.interfaces())?;
    std::fs::create_dir_all(&a.out_dir)
        .map_err(|e| CliError(format!("{}: cannot create: {e}", a.out_dir.display())))?;

    // Outputs keep the input's timestamp precision where pcap can carry it.
    let input_format = probe.format();
    let (format, ext) = match (a.pcapng, input_format) {
        (true, _) => (OutputFormat::PcapNg, "pcapng"),
        (false, Format::Pcap { nanos }) => (OutputFormat::Pcap { nanos }, "pcap"),
        (false, Format::PcapNg) => (OutputFormat::Pcap { nanos: false }, "pcap"),
    };
    let mut paths: Vec<PathBuf> = names
        .iter()
        .map(|n| a.out_dir.join(format!("{n}.{ext}")))
        .collect();
    let unmatched = a.unmatched.is_some();
    paths.extend(a.unmatched.clone());
    let n_out = paths.len();
    let buf_cap = (BUF_BUDGET / n_out.max(1)).clamp(MIN_BUF, MAX_BUF);
    // Leave room for stdin/out/err, the input and whatever the runtime holds.
    let fd_cap = raise_fd_limit().saturating_sub(32).clamp(1, 4096);
    let mut outs = Outputs::new(paths, format, buf_cap, fd_cap);

    let mut tally = Tally::new(names);
    let mut last_ifaces: Vec<Interface> = probe.interfaces().to_vec();
    let start = Instant::now();
    let unmatched_idx = n_out - 1;
    let result = scan(
        probe,
        &a.read,
        &mut rules,
        a.all_matches,
        a.count,
        |p, ifaces, matches| {
            tally.add(matches, p.orig_len);
            if last_ifaces.len() != ifaces.len() {
                last_ifaces = ifaces.to_vec();
            }
            let werr = |e: io::Error| CliError(format!("writing the outputs: {e}"));
            for &r in matches {
                outs.write(r, p, ifaces).map_err(werr)?;
            }
            if matches.is_empty() && unmatched {
                outs.write(unmatched_idx, p, ifaces).map_err(werr)?;
            }
            Ok(())
        },
    );
    let elapsed = start.elapsed();
    outs.finish(&last_ifaces)
        .map_err(|e| CliError(format!("writing the outputs: {e}")))?;
    let mut out = io::stdout().lock();
    let io_err = |e: io::Error| CliError(format!("writing the summary: {e}"));
    if a.json {
        writeln!(out, "{}", tally.to_json(elapsed)).map_err(io_err)?;
    } else {
        tally.write_table(&mut out, elapsed).map_err(io_err)?;
    }
    result.map(|()| ExitCode::SUCCESS)
}
