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
    /// Read the filter expression from FILE, as tcpdump's `-F` (`#` starts a comment that
    /// runs to the end of its line); an expression also given as arguments is ignored.
    #[arg(short = 'F', value_name = "FILE")]
    pub filter_file: Option<PathBuf>,
    /// The filter expression (words joined with spaces); none means every packet.
    #[arg(value_name = "EXPR", allow_hyphen_values = true)]
    pub expr: Vec<String>,
}

/// Where the expression came from: its text, and the file it was read from (`-F`).
struct Source {
    expr: String,
    file: Option<(PathBuf, String)>,
}

impl Source {
    fn new(a: &Args) -> Result<Self, CliError> {
        let Some(path) = &a.filter_file else {
            return Ok(Source {
                expr: join_expr(&a.expr),
                file: None,
            });
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError(format!("{}: cannot read the filter: {e}", path.display())))?;
        if !a.expr.is_empty() {
            eprintln!(
                "dpf: warning: -F {} given: ignoring the expression on the command line",
                path.display()
            );
        }
        Ok(Source {
            expr: strip_comments(&text),
            file: Some((path.clone(), text)),
        })
    }

    /// An error in the expression, shown where it is: in the command line's expression, or
    /// as `FILE:LINE:` with that line of the file.
    fn error(&self, e: &crate::lang::FilterError, link: Option<LinkType>) -> CliError {
        let at = link.map_or(String::new(), |l| {
            format!(" (link type {}, {})", l.0, l.name())
        });
        let Some((path, text)) = &self.file else {
            let mut m = e.render(&self.expr);
            m.insert_str(m.find('\n').unwrap_or(m.len()), &at);
            return CliError(m.trim_start_matches("error: ").to_string());
        };
        // Comments were blanked byte for byte, so offsets in the expression are offsets in
        // the file.
        // An error at the end of the expression is shown after its last word, not on the
        // blank or comment lines that may follow it.
        let start = e.span.start.min(self.expr.trim_end().len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[line_start..line_end];
        let no = text[..line_start].matches('\n').count() + 1;
        let local = crate::lang::FilterError {
            msg: e.msg.clone(),
            span: start - line_start..e.span.end.clamp(start, line_end) - line_start,
        };
        let mut m = local.render(line);
        m.insert_str(m.find('\n').unwrap_or(m.len()), &at);
        let m = m.trim_start_matches("error: ");
        CliError(format!("{}:{no}: {m}", path.display()))
    }
}

/// The expression in a filter file: every `#` comment blanked to the end of its line, as
/// tcpdump reads `-F` files. Byte offsets are kept (each blanked byte becomes a space).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_comment = false;
    for c in text.chars() {
        match c {
            '\n' => {
                in_comment = false;
                out.push('\n');
            }
            '#' => {
                in_comment = true;
                out.push(' ');
            }
            c if in_comment => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
            c => out.push(c),
        }
    }
    out
}

pub fn run(a: Args) -> Outcome {
    let src = Source::new(&a)?;
    let expr = &src.expr;
    let for_link = |link: LinkType| -> Result<Box<dyn Demux>, CliError> {
        let pred = if expr.trim().is_empty() {
            Pred::True
        } else {
            compile(expr, link).map_err(|e| src.error(&e, Some(link)))?
        };
        Ok(build_demux(vec![pred]))
    };
    let mut reader = open_capture(&a.read)?;
    // Errors in the expression come before the output file is created.
    let mut demuxes: Vec<(LinkType, Box<dyn Demux>)> = Vec::new();
    match reader.interfaces().first() {
        Some(i) => demuxes.push((i.link, for_link(i.link)?)),
        None if !expr.trim().is_empty() => {
            crate::lang::parse(expr).map_err(|e| src.error(&e, None))?;
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
