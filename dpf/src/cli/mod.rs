//! The `dpf` command's subcommands, one file each; `main.rs` only parses arguments and
//! dispatches. Every subcommand's `run` returns an [`Outcome`]: `Ok(exit code)`, or a
//! [`CliError`] that `main` prints as `dpf: error: ...` and turns into exit status 1.

pub mod bench;
pub mod check;
pub mod compile;
pub mod filter;
pub mod gen;
pub mod progress;
pub mod replay;
pub mod ruleset;
pub mod scan;
pub mod split;
pub mod summary;

use std::fmt;
use std::path::Path;
use std::process::ExitCode;

use crate::capture::{CaptureError, CaptureReader};

/// A command that failed: the message to print (possibly several lines).
#[derive(Debug)]
pub struct CliError(pub String);

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

impl From<String> for CliError {
    fn from(s: String) -> Self {
        CliError(s)
    }
}

pub type Outcome = Result<ExitCode, CliError>;

/// Opens a capture for reading, naming the file in any error. `-` is standard input, as
/// for `tcpdump -r -`.
pub fn open_capture(path: &Path) -> Result<CaptureReader<std::fs::File>, CliError> {
    let at = if is_stdin(path) {
        Path::new("/dev/stdin")
    } else {
        path
    };
    CaptureReader::open(at).map_err(|e| capture_error(path, &e))
}

/// Does `-r PATH` mean standard input?
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// `FILE: message (at byte offset N, packet M)`.
pub fn capture_error(path: &Path, e: &CaptureError) -> CliError {
    CliError(format!("{}: {e}", path.display()))
}

/// Joins trailing expression words the way tcpdump does.
pub fn join_expr(words: &[String]) -> String {
    words.join(" ")
}

/// A link type given on the command line: a `LINKTYPE_` number or a familiar name.
pub fn parse_link(s: &str) -> Result<crate::LinkType, String> {
    use crate::LinkType as L;
    if let Ok(n) = s.parse::<u32>() {
        return Ok(L(n));
    }
    Ok(match s.to_ascii_lowercase().as_str() {
        "ethernet" | "en10mb" | "ether" => L::ETHERNET,
        "sll" | "linux_sll" => L::LINUX_SLL,
        "sll2" | "linux_sll2" => L::LINUX_SLL2,
        "raw" => L::RAW,
        "ipv4" => L::IPV4,
        "ipv6" => L::IPV6,
        "null" => L::NULL,
        "loop" => L::LOOP,
        _ => {
            return Err(format!(
                "unknown link type {s:?} (a number, or ethernet, sll, sll2, raw, ipv4, ipv6, null, loop)"
            ))
        }
    })
}
