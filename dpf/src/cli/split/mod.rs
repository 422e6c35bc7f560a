//! `dpf split`: one pass over a capture, each rule's packets to its own file.
//!
//! Two paths, same outputs. A regular pcap file is mapped and its records written straight
//! from the mapping ([`mapped`]); anything else (a pipe, pcapng, `--pcapng` output) streams
//! through per-output buffers ([`stream`]). Either way writer threads own the files, create
//! them all as the pass starts, and write in large aligned pieces (a record may span two
//! writes); the pass ends by writing everything held, after an input error too, so every
//! output is then a valid capture of the packets before it.

mod files;
mod mapped;
mod stream;

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::progress::Progress;
use super::ruleset::RuleSet;
use super::scan::scan;
use super::summary::Tally;
use super::{capture_error, CliError, Outcome};
use crate::capture::{
    CaptureReader, Format, Interface, Mapping, OutputFormat, PacketWriter, PcapSlice,
};
use crate::ir;
use files::{raise_fd_limit, reserve_fds};
use mapped::MappedOutputs;
use stream::Outputs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Capture to read (pcap or pcapng); `-` reads standard input.
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

pub fn run(a: Args) -> Outcome {
    let rules = RuleSet::load(&a.rules)?;
    // A regular file is mapped (under a read lease, so that nobody can shorten it under the
    // mapping: see `Mapping`), unless pcapng output asks for re-encoding anyway; if it cannot
    // be opened, leased or mapped, the streaming reader reports why (or reads it).
    let map = match a.pcapng || super::is_stdin(&a.read) {
        false => File::open(&a.read)
            .ok()
            .and_then(|f| Mapping::of(f).ok().flatten()),
        true => None,
    };
    if let Some(map) = map {
        let map = Arc::new(map);
        let slice = PcapSlice::new(map.bytes()).map_err(|e| capture_error(&a.read, &e))?;
        if let Some(slice) = slice {
            return run_mapped(&a, rules, &map, slice);
        }
    }
    let reader = super::open_capture(&a.read)?;
    run_stream(&a, rules, reader)
}

/// Checks every rule for the input's link type, then makes the output directory and names
/// the outputs: one per rule, then the unmatched one. A typo in a rule should not leave a
/// half-made DIR, so nothing is created before the rules compile.
fn prepare(
    a: &Args,
    rules: &mut RuleSet,
    ifaces: &[Interface],
    ext: &str,
) -> Result<Vec<PathBuf>, CliError> {
    rules.precheck(ifaces)?;
    let paths = output_paths(a, rules, ext);
    refuse_input_as_output(&a.read, &paths)?;
    make_dirs(&a.out_dir)?;
    Ok(paths)
}

/// An output that is the input file itself would truncate what is being read: an error
/// naming it, before anything is created. (A mapped input would also wait on its own read
/// lease for 45 s first.) Also used by `dpf filter -w`.
pub(crate) fn refuse_input_as_output(input: &Path, outputs: &[PathBuf]) -> Result<(), CliError> {
    use std::os::unix::fs::MetadataExt;
    // Standard input may be a file too (`-r - < FILE`).
    let at = if super::is_stdin(input) {
        Path::new("/dev/stdin")
    } else {
        input
    };
    let Ok(inp) = std::fs::metadata(at) else {
        return Ok(());
    };
    if !inp.is_file() {
        return Ok(());
    }
    for p in outputs {
        if let Ok(m) = std::fs::metadata(p) {
            if m.dev() == inp.dev() && m.ino() == inp.ino() {
                return Err(CliError(format!(
                    "{}: this output is the input file {}; choose another output directory",
                    p.display(),
                    input.display()
                )));
            }
        }
    }
    Ok(())
}

/// One output per rule, named after it, then the unmatched one.
fn output_paths(a: &Args, rules: &RuleSet, ext: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = rules
        .names()
        .map(|n| a.out_dir.join(format!("{n}.{ext}")))
        .collect();
    paths.extend(a.unmatched.clone());
    paths
}

/// Creates `dir` and its missing parents; returns the directories it made, outermost first.
fn make_dirs(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError(format!("{}: cannot create: {e}", dir.display())))?;
    Ok(missing.into_iter().rev().collect())
}

/// Descriptors the writers may hold: the limit, raised to its maximum, less room for
/// stdin/out/err, the input and whatever the runtime holds.
fn fd_cap(outputs: usize) -> usize {
    let cap = raise_fd_limit().saturating_sub(32).clamp(1, 4096);
    reserve_fds(outputs.min(cap) + 16);
    cap
}

fn write_err(e: io::Error) -> CliError {
    CliError(format!("writing the outputs: {e}"))
}

/// The summary (table or JSON), then the pass's outcome.
fn report(a: &Args, tally: &Tally, elapsed: Duration, result: Result<(), CliError>) -> Outcome {
    // Buffered: a thousand rules' table is a thousand lines, not a thousand `write`s.
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let io_err = |e: io::Error| CliError(format!("writing the summary: {e}"));
    if a.json {
        writeln!(out, "{}", tally.to_json(elapsed)).map_err(io_err)?;
    } else {
        tally.write_table(&mut out, elapsed).map_err(io_err)?;
    }
    out.flush().map_err(io_err)?;
    result.map(|()| ExitCode::SUCCESS)
}

fn run_mapped(a: &Args, mut rules: RuleSet, map: &Arc<Mapping>, mut slice: PcapSlice) -> Outcome {
    let ifaces = slice.interfaces().to_vec();
    // Outputs keep the input's timestamp unit; every one starts with the same header.
    let nanos = slice.nanos();
    let mut header = PacketWriter::new(Vec::new(), OutputFormat::Pcap { nanos });
    header.finish(&ifaces).map_err(write_err)?;
    // The writers start creating the outputs while the rules compile (both take several
    // milliseconds for a thousand rules, on different cores); if a rule does not compile,
    // what they made is removed again, so a typo still leaves no half-made DIR.
    let paths = output_paths(a, &rules, "pcap");
    refuse_input_as_output(&a.read, &paths)?;
    let made_dirs = make_dirs(&a.out_dir)?;
    let n_out = paths.len();
    let unmatched = a.unmatched.is_some().then_some(n_out - 1);
    let mut outs = MappedOutputs::new(
        map.clone(),
        paths,
        header.into_inner(),
        nanos,
        fd_cap(n_out),
        slice.offset() as usize,
    );
    if let Err(e) = rules.precheck(&ifaces) {
        outs.cancel();
        for d in made_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
        return Err(e);
    }
    let names: Vec<String> = rules.names().map(String::from).collect();
    let mut tally = Tally::new(names);
    let demux = rules
        .demux_for(ifaces[0].link)
        .map_err(|e| CliError(format!("{}: {e}", a.read.display())))?;
    let mut progress = Progress::new(map.bytes().len() as u64);
    let mut matches: Vec<usize> = Vec::with_capacity(n_out);
    let start = Instant::now();
    let result = loop {
        if a.count.is_some_and(|c| slice.packets() >= c) {
            break Ok(());
        }
        let rec = match slice.next_record() {
            Ok(Some(r)) => r,
            Ok(None) => break Ok(()),
            Err(e) => break Err(capture_error(&a.read, &e)),
        };
        let p = &rec.packet;
        let pk = ir::Packet::new(p.data, p.orig_len);
        if a.all_matches {
            demux.all_matches(&pk, &mut matches);
        } else {
            matches.clear();
            matches.extend(demux.first_match(&pk));
        }
        tally.add(&matches, p.orig_len);
        for &r in &matches {
            outs.add(r, &rec);
        }
        if let (true, Some(u)) = (matches.is_empty(), unmatched) {
            outs.add(u, &rec);
        }
        if let Err(e) = outs.maybe_flush(slice.offset()) {
            break Err(write_err(e));
        }
        if slice.packets() & 4095 == 0 {
            progress.update(slice.offset(), slice.packets());
        }
    };
    progress.finish();
    let elapsed = start.elapsed();
    outs.finish(slice.offset()).map_err(write_err)?;
    report(a, &tally, elapsed, result)
}

fn run_stream(a: &Args, mut rules: RuleSet, probe: CaptureReader<File>) -> Outcome {
    // Outputs keep the input's timestamp precision where pcap can carry it.
    let (format, ext) = match (a.pcapng, probe.format()) {
        (true, _) => (OutputFormat::PcapNg, "pcapng"),
        (false, Format::Pcap { nanos }) => (OutputFormat::Pcap { nanos }, "pcap"),
        (false, Format::PcapNg) => (OutputFormat::Pcap { nanos: false }, "pcap"),
    };
    let paths = prepare(a, &mut rules, probe.interfaces(), ext)?;
    let n_out = paths.len();
    let unmatched = a.unmatched.is_some().then_some(n_out - 1);
    let mut outs = Outputs::new(paths, format, fd_cap(n_out));
    let names: Vec<String> = rules.names().map(String::from).collect();
    let mut tally = Tally::new(names);
    let mut last_ifaces: Vec<Interface> = probe.interfaces().to_vec();
    let start = Instant::now();
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
            for &r in matches {
                outs.write(r, p, ifaces).map_err(write_err)?;
            }
            if let (true, Some(u)) = (matches.is_empty(), unmatched) {
                outs.write(u, p, ifaces).map_err(write_err)?;
            }
            Ok(())
        },
    );
    let elapsed = start.elapsed();
    outs.finish(&last_ifaces).map_err(write_err)?;
    report(a, &tally, elapsed, result)
}
