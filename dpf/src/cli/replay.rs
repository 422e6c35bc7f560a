//! `dpf replay`: which rules match each packet of a capture, per packet (JSON lines) or as a
//! summary (table or JSON), with the throughput.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::ValueEnum;

use super::ruleset::RuleSet;
use super::scan::scan;
use super::summary::Tally;
use super::{CliError, Outcome};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReplayFormat {
    /// A summary table: per rule packets, bytes and share; then packets/s.
    Text,
    /// One line per packet, in file order: {"packet":N,"rules":["name",...]}, N from 1.
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Capture to read (pcap or pcapng); `-` reads standard input.
    #[arg(short = 'r', value_name = "FILE")]
    pub read: PathBuf,
    /// Rule file: `name: expression` per line; earlier rules win.
    #[arg(long, value_name = "RULES")]
    pub rules: PathBuf,
    /// Report every matching rule, not only the first.
    #[arg(long)]
    pub all_matches: bool,
    #[arg(long, value_enum, default_value_t = ReplayFormat::Text)]
    pub format: ReplayFormat,
    /// Print the summary as JSON (after the packet lines with --format jsonl).
    #[arg(long)]
    pub json: bool,
    /// Stop after COUNT packets.
    #[arg(short = 'c', value_name = "COUNT")]
    pub count: Option<u64>,
}

pub fn run(a: Args) -> Outcome {
    let mut rules = RuleSet::load(&a.rules)?;
    let reader = super::open_capture(&a.read)?;
    rules.precheck(reader.interfaces())?;
    let names: Vec<String> = rules.names().map(String::from).collect();
    // Rule names are JSON strings once, not per packet.
    let quoted: Vec<String> = names
        .iter()
        .map(|n| serde_json::Value::from(n.as_str()).to_string())
        .collect();
    let mut tally = Tally::new(names);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let io_err = |e: io::Error| CliError(format!("writing the output: {e}"));
    let start = Instant::now();
    let mut n = 0u64;
    let result = scan(
        reader,
        &a.read,
        &mut rules,
        a.all_matches,
        a.count,
        |p, _, matches| {
            n += 1;
            tally.add(matches, p.orig_len);
            if a.format == ReplayFormat::Jsonl {
                write!(out, "{{\"packet\":{n},\"rules\":[").map_err(io_err)?;
                for (k, &r) in matches.iter().enumerate() {
                    if k > 0 {
                        out.write_all(b",").map_err(io_err)?;
                    }
                    out.write_all(quoted[r].as_bytes()).map_err(io_err)?;
                }
                out.write_all(b"]}\n").map_err(io_err)?;
            }
            Ok(())
        },
    );
    let elapsed = start.elapsed();
    // A capture that could not be read at all (or whose link type has no compiled rules)
    // gets its error alone; a capture that broke part-way also gets the summary so far.
    let partial = n > 0 || result.is_ok();
    if !partial {
    } else if a.json {
        let s = tally.to_json(elapsed);
        let s = if a.format == ReplayFormat::Jsonl {
            serde_json::json!({ "summary": s })
        } else {
            s
        };
        writeln!(out, "{s}").map_err(io_err)?;
    } else if a.format == ReplayFormat::Text {
        tally.write_table(&mut out, elapsed).map_err(io_err)?;
    }
    out.flush().map_err(io_err)?;
    result.map(|()| ExitCode::SUCCESS)
}
