//! The demultiplexer interface: given a packet, which rules match.
//!
//! Every backend (the linear reference, the merged graph's interpreter, the JIT) implements
//! [`Demux`], so one test corpus runs on all of them.

use crate::ir::{Packet, Pred};

/// Answers "which of my rules accept this packet?". Rules are numbered from 0 in priority order
/// (file order: the first listed wins).
pub trait Demux {
    /// The first (highest-priority) matching rule.
    fn first_match(&self, p: &Packet) -> Option<usize>;
    /// Every matching rule, in priority order, appended to `out` (which is cleared first).
    fn all_matches(&self, p: &Packet, out: &mut Vec<usize>);
}

/// The reference demux: every rule's predicate tried in order, as N libpcap programs would be.
#[derive(Clone, Debug, Default)]
pub struct Linear {
    pub rules: Vec<Pred>,
}

impl Linear {
    pub fn new(rules: Vec<Pred>) -> Self {
        Linear { rules }
    }
}

impl Demux for Linear {
    fn first_match(&self, p: &Packet) -> Option<usize> {
        self.rules.iter().position(|r| r.matches(p))
    }
    fn all_matches(&self, p: &Packet, out: &mut Vec<usize>) {
        out.clear();
        out.extend(
            self.rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.matches(p))
                .map(|(i, _)| i),
        );
    }
}
