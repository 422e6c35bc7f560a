//! The one place the shim touches dpf's filter machinery: overlap and containment queries and
//! the demultiplexer backend (`table.rs`, updated in place). Swapping a backend changes this
//! folder only.
//!
//! `interval` is the shim's own conservative stand-in for `dpf::query`, written before dpf's
//! queries landed; it stays as a cross-check (a property test compares both against brute
//! force) and is not used on the install path.

#[cfg(test)]
mod interval;
mod table;

pub use table::DemuxTable;

use dpf::ir::Pred;

/// Can some packet be accepted by both filters? `true` when unsure (a refusal errs safe).
pub fn may_overlap(a: &Pred, b: &Pred) -> bool {
    dpf::query::may_overlap(a, b)
}

/// Is every packet `inner` accepts also accepted by `outer`? `false` when unsure.
pub fn contains(outer: &Pred, inner: &Pred) -> bool {
    dpf::query::contains(outer, inner)
}

/// Which demultiplexer the shim builds over its filters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// dpf's merged decision graph, compiled by Cranelift (falls back to the graph's
    /// interpreter if compilation fails).
    #[default]
    Jit,
    /// dpf's merged graph, interpreted.
    Graph,
    /// Every filter tried in order: the reference, as N separate BPF programs would be.
    Linear,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Jit => "dpf::JitGraph (merged graph, Cranelift)",
            Backend::Graph => "dpf::Graph (merged graph, interpreted)",
            Backend::Linear => "dpf::Linear (rules tried in order)",
        }
    }
}

/// A demultiplexer over `rules`, numbered in priority order (index 0 wins), built from scratch.
/// The shim itself keeps a [`DemuxTable`] updated in place; this stays for callers that want a
/// one-off demux of a backend.
pub fn demux(backend: Backend, rules: Vec<dpf::ir::Pred>) -> Box<dyn dpf::Demux> {
    match backend {
        Backend::Jit => match dpf::JitGraph::new(&rules) {
            Ok(j) => Box::new(j),
            Err(_) => Box::new(dpf::Graph::new(&rules)),
        },
        Backend::Graph => Box::new(dpf::Graph::new(&rules)),
        Backend::Linear => Box::new(dpf::Linear::new(rules)),
    }
}
