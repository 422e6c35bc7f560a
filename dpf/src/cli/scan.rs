//! The one pass over a capture that `replay` and `split` share: read a packet, ask the demux
//! which rules match, hand both to the command. No allocation per packet.

use std::path::Path;

use super::progress::Progress;
use super::ruleset::RuleSet;
use super::{capture_error, open_capture, CliError};
use crate::capture::{Interface, Packet};
use crate::ir;

/// Reads `path` to its end (or `count` packets), calling `each` with every packet, the
/// interfaces known so far and the matching rules (all of them, or at most the first). A
/// corrupt capture ends the pass with an error after every earlier packet was handed over.
pub fn scan(
    path: &Path,
    rules: &mut RuleSet,
    all_matches: bool,
    count: Option<u64>,
    mut each: impl FnMut(&Packet, &[Interface], &[usize]) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut reader = open_capture(path)?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut progress = Progress::new(size);
    let mut matches: Vec<usize> = Vec::with_capacity(rules.rules.len());
    let mut seen = 0u64;
    let result = loop {
        if count.is_some_and(|c| seen >= c) {
            break Ok(());
        }
        let (p, ifaces) = match reader.next_with_interfaces() {
            Ok(Some(x)) => x,
            Ok(None) => break Ok(()),
            Err(e) => break Err(capture_error(path, &e)),
        };
        let demux = match rules.demux_for(p.link) {
            Ok(d) => d,
            Err(e) => break Err(CliError(format!("{}: {e}", path.display()))),
        };
        let pk = ir::Packet::new(p.data, p.orig_len);
        if all_matches {
            demux.all_matches(&pk, &mut matches);
        } else {
            matches.clear();
            matches.extend(demux.first_match(&pk));
        }
        if let Err(e) = each(&p, ifaces, &matches) {
            break Err(e);
        }
        seen += 1;
        if seen & 4095 == 0 {
            progress.update(reader.offset(), seen);
        }
    };
    progress.finish();
    result
}
