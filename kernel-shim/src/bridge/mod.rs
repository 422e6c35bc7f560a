//! The one place the shim touches dpf's evolving parts: filter overlap and containment queries
//! and the demultiplexer backend. Switching to dpf's merged graph (`dpf::query`,
//! `dpf::jit::JitGraph`) when they land changes this file only.

mod interval;

use dpf::ir::Pred;
use dpf::Demux;

/// Can some packet be accepted by both filters? `true` when unsure (a refusal errs safe).
pub fn may_overlap(a: &Pred, b: &Pred) -> bool {
    interval::may_overlap(a, b)
}

/// Is every packet `inner` accepts also accepted by `outer`? `false` when unsure.
pub fn contains(outer: &Pred, inner: &Pred) -> bool {
    interval::contains(outer, inner)
}

/// A demultiplexer over `rules`, numbered in priority order (index 0 wins).
pub fn demux(rules: Vec<Pred>) -> Box<dyn Demux + Send> {
    Box::new(dpf::Linear::new(rules))
}

/// Which demux backend [`demux`] builds, for benchmark reports.
pub const DEMUX_BACKEND: &str = "dpf::Linear (rules tried in order)";
