//! `dpf filter`: `tcpdump -r IN -w OUT EXPR`, with our filters.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::ruleset::build_demux;
use super::{capture_error, join_expr, open_capture, CliError, Outcome};
use crate::capture::{Interface, OutputFormat, PacketWriter};
use crate::ir::{self, Pred};
use crate::{compile, Demux, LinkType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Precision {
    Micro,
    Nano,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Capture to read (pcap or pcapng); `-` reads standard input.
    #[arg(short = 'r', value_name = "IN")]
    pub read: PathBuf,
    /// Where to write the matching packets (pcap); `-` for standard output.
    #[arg(short = 'w', value_name = "OUT")]
    pub write: PathBuf,
    /// Stop after writing COUNT packets.
    #[arg(short = 'c', value_name = "COUNT")]
    pub count: Option<u64>,
    /// Timestamp precision of the output, as tcpdump's option (micro unless asked).
    #[arg(long = "time-stamp-precision", value_enum, default_value_t = Precision::Micro)]
    pub precision: Precision,
    /// Write pcapng instead of pcap.
    #[arg(long)]
    pub pcapng: bool,
    /// The filter expression (words joined with spaces); none means every packet.
    #[arg(value_name = "EXPR", allow_hyphen_values = true)]
    pub expr: Vec<String>,
}

pub fn run(a: Args) -> Outcome {
    let expr = join_expr(&a.expr);
    let for_link = |link: LinkType| -> Result<Box<dyn Demux>, CliError> {
        let pred = if expr.trim().is_empty() {
            Pred::True
        } else {
            compile(&expr, link).map_err(|e| {
                let mut m = e.render(&expr);
                m.insert_str(
                    m.find('\n').unwrap_or(m.len()),
                    &format!(" (link type {}, {})", link.0, link.name()),
                );
                CliError(m.trim_start_matches("error: ").to_string())
            })?
        };
        Ok(build_demux(vec![pred]))
    };
    let mut reader = open_capture(&a.read)?;
    // Errors in the expression come before the output file is created.
    let mut demuxes: Vec<(LinkType, Box<dyn Demux>)> = Vec::new();
    match reader.interfaces().first() {
        Some(i) => demuxes.push((i.link, for_link(i.link)?)),
        None if !expr.trim().is_empty() => {
            crate::lang::parse(&expr)
                .map_err(|e| CliError(e.render(&expr).trim_start_matches("error: ").to_string()))?;
        }
        None => {}
    }
    let sink: Box<dyn Write> = if a.write.as_os_str() == "-" {
        Box::new(io::stdout().lock())
    } else {
        super::split::refuse_input_as_output(&a.read, std::slice::from_ref(&a.write))?;
        Box::new(
            File::create(&a.write)
                .map_err(|e| CliError(format!("{}: cannot create: {e}", a.write.display())))?,
        )
    };
    let format = if a.pcapng {
        OutputFormat::PcapNg
    } else {
        OutputFormat::Pcap {
            nanos: a.precision == Precision::Nano,
        }
    };
    let mut w = PacketWriter::new(BufWriter::with_capacity(1 << 18, sink), format);
    let werr = |e: io::Error| CliError(format!("{}: {e}", a.write.display()));
    let mut ifaces: Vec<Interface> = reader.interfaces().to_vec();
    let mut written = 0u64;
    let result = loop {
        if a.count.is_some_and(|c| written >= c) {
            break Ok(());
        }
        let (p, now) = match reader.next_with_interfaces() {
            Ok(Some(x)) => x,
            Ok(None) => break Ok(()),
            Err(e) => break Err(capture_error(&a.read, &e)),
        };
        if now.len() != ifaces.len() {
            ifaces = now.to_vec();
        }
        let i = match demuxes.iter().position(|d| d.0 == p.link) {
            Some(i) => i,
            None => match for_link(p.link) {
                Ok(d) => {
                    demuxes.push((p.link, d));
                    demuxes.len() - 1
                }
                Err(e) => break Err(e),
            },
        };
        if demuxes[i]
            .1
            .first_match(&ir::Packet::new(p.data, p.orig_len))
            .is_some()
        {
            if let Err(e) = w.write(&p, now) {
                break Err(werr(e));
            }
            written += 1;
        }
    };
    // Whatever happened to the input, what was written is completed into a valid capture.
    w.finish(&ifaces).map_err(werr)?;
    w.get_mut().flush().map_err(werr)?;
    result.map(|()| ExitCode::SUCCESS)
}
