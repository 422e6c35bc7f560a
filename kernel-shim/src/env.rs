//! Environments: the owners the shim multiplexes the NIC between (a VM instance, a Rust
//! consumer). Each has an id, grants, a bounded receive ring, counters, a window of exposed
//! words and at most one armed wake-up predicate.

use crate::caps::Grant;
use crate::frame::Frame;
use crate::wake::{Compiled, MAX_PARAMS};
use std::collections::VecDeque;
use std::fmt;

/// Names an environment. The slot is reused after an exit; the generation tells the old
/// holder's id from the new one, so a stale id is refused rather than reaching a stranger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnvId {
    pub(crate) slot: u32,
    pub(crate) gen: u32,
}

impl EnvId {
    /// The slot: stable while the environment lives, and its frame-quota account.
    pub fn slot(self) -> u32 {
        self.slot
    }
}

impl fmt::Display for EnvId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "env {}.{}", self.slot, self.gen)
    }
}

/// What happened to an environment's traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnvCounters {
    /// Frames pushed into its ring.
    pub received: u64,
    /// Frames it claimed but whose ring was full.
    pub dropped_ring_full: u64,
    /// Frames it claimed while holding its whole frame quota (it does not release frames).
    pub dropped_no_frame: u64,
    /// Filters and predicates refused.
    pub refused: u64,
    /// Times its wake-up predicate held and it was reported runnable.
    pub wakeups: u64,
    /// Frames it sent through [`crate::Shim::send_as`].
    pub sent: u64,
    /// Frames it tried to send whose source (address, port, protocol) its grants do not cover.
    pub send_refused: u64,
}

/// The predicate an environment waits on. It stays when the predicate fires (`Env::armed` is
/// cleared), so re-arming the same shape touches no reference count.
pub(crate) struct Wait {
    pub pred: Compiled,
    pub params: [u64; MAX_PARAMS],
}

/// An environment. `armed` sits beside `flagged` rather than inside the wait: every frame
/// queued or taken reads both.
pub(crate) struct Env {
    /// Frames with the filter that claimed each.
    pub ring: VecDeque<(crate::shim::FilterId, Frame)>,
    pub id: EnvId,
    pub ring_cap: u32,
    /// Its wait is armed (the predicate has not fired since `arm`).
    pub armed: bool,
    /// On the shim's list of environments whose predicate must be evaluated again.
    pub flagged: bool,
    pub counters: EnvCounters,
    pub wait: Option<Wait>,
    pub filters: usize,
    pub name: String,
    pub grants: Vec<Grant>,
    /// What its grants let it send.
    pub send_check: crate::caps::SendCheck,
}
