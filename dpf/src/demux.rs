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

/// Calls `f` on every packet in order, first asking the CPU to fetch the start of the packet
/// `ahead` places further on (0: no prefetching). A receive loop knows its next packets before
/// it needs them (a capture file's next records, a ring's next slots); touching them early
/// overlaps their cache misses with the demux of the current one.
#[inline]
pub fn for_each_prefetched<'a>(packets: &[&'a [u8]], ahead: usize, mut f: impl FnMut(&'a [u8])) {
    for (i, p) in packets.iter().enumerate() {
        if ahead > 0 {
            if let Some(next) = packets.get(i + ahead) {
                prefetch(next.as_ptr());
            }
        }
        f(p);
    }
}

/// A hint to bring the cache line at `p` into the cache; never faults, whatever `p` is.
#[inline(always)]
pub fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint: it does not fault or change memory, on any address.
    unsafe {
        core::arch::x86_64::_mm_prefetch(p.cast::<i8>(), core::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
