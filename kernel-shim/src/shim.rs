//! The shim itself: environments, filter ownership, delivery into rings, waiting.

use crate::bridge;
use crate::caps::{self, Grant};
use crate::env::{Env, EnvCounters, EnvId, Wait};
use crate::frame::{Frame, FramePool, PoolStats};
use crate::nic::{os_err, Nic};
use crate::wake::{self, Compiled, Ctx, WPred, WakeError, MAX_PARAMS};
use dpf::ir::{Pred, Val};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// Bounds on what one environment, and the shim, may hold.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_envs: usize,
    pub filters_per_env: usize,
    /// Largest filter accepted, in IR nodes.
    pub filter_nodes: usize,
    pub ring_capacity: usize,
    /// Frames one environment may hold at once (in its ring and outside it).
    pub frame_quota: u32,
    /// Exposed words per environment.
    pub window_words: u32,
    pub pool_frames: usize,
    pub frame_size: usize,
    /// Frames taken from one NIC per call.
    pub burst: usize,
    /// The demultiplexer built over the installed filters.
    pub demux: bridge::Backend,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_envs: 4096,
            filters_per_env: 256,
            filter_nodes: 512,
            ring_capacity: 256,
            frame_quota: 1024,
            window_words: 16,
            pool_frames: 16384,
            frame_size: 2048,
            burst: 64,
            demux: bridge::Backend::default(),
        }
    }
}

/// Names an installed filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FilterId(u64);

impl FilterId {
    /// The tag of frames posted directly rather than claimed by a filter.
    pub const NONE: FilterId = FilterId(u64::MAX);
}

/// Why the shim said no. Messages name the place: the environment, and for a conflict the
/// other owner and its rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    NoSuchEnv(EnvId),
    TooManyEnvs {
        limit: usize,
    },
    TooManyFilters {
        env: EnvId,
        limit: usize,
    },
    FilterTooLarge {
        nodes: usize,
        limit: usize,
    },
    /// A load that can never be inside a frame of this shim.
    LoadBeyondFrame {
        offset: u32,
        frame_size: usize,
    },
    OutsideCapabilities {
        env: EnvId,
        rule: String,
    },
    Overlaps {
        env: EnvId,
        rule: String,
        owner: EnvId,
        owner_name: String,
        owner_rule: String,
    },
    Predicate {
        env: EnvId,
        err: WakeError,
    },
    NoSuchFilter(FilterId),
    WordOutsideWindow {
        env: EnvId,
        word: u32,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoSuchEnv(e) => write!(f, "{e} does not exist (exited?)"),
            Refusal::TooManyEnvs { limit } => write!(f, "environment limit {limit} reached"),
            Refusal::TooManyFilters { env, limit } => {
                write!(f, "{env} already holds its limit of {limit} filters")
            }
            Refusal::FilterTooLarge { nodes, limit } => {
                write!(f, "filter has {nodes} nodes, limit {limit}")
            }
            Refusal::LoadBeyondFrame { offset, frame_size } => write!(
                f,
                "filter loads up to byte {offset}, beyond the largest frame ({frame_size} bytes)"
            ),
            Refusal::OutsideCapabilities { env, rule } => {
                write!(
                    f,
                    "{env}: rule {rule:?} claims traffic outside its capabilities"
                )
            }
            Refusal::Overlaps {
                env,
                rule,
                owner,
                owner_name,
                owner_rule,
            } => write!(
                f,
                "{env}: rule {rule:?} overlaps rule {owner_rule:?} of {owner} ({owner_name})"
            ),
            Refusal::Predicate { env, err } => write!(f, "{env}: wake-up predicate refused: {err}"),
            Refusal::NoSuchFilter(id) => write!(f, "filter {} is not installed", id.0),
            Refusal::WordOutsideWindow { env, word } => {
                write!(f, "{env}: word {word} is outside its window")
            }
        }
    }
}

impl std::error::Error for Refusal {}

/// What [`Shim::send_as`] did with a burst.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendOutcome {
    /// Frames the NIC took.
    pub sent: usize,
    /// Frames outside the sender's grants, not sent.
    pub refused: usize,
}

/// Whole-shim counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShimStats {
    pub delivered: u64,
    /// Frames no filter claimed.
    pub unclaimed: u64,
    pub pool: PoolStats,
    pub filters: usize,
    pub envs: usize,
    /// Wake-up predicates compiled (cache misses).
    pub predicates_compiled: u64,
    /// Native code generations of the demux (JIT backend): the first rule of every new shape.
    /// Installs of an existing shape do not add to it.
    pub demux_compiles: u64,
    /// Rules inserted into or removed from the demux (installs, removals, moves).
    pub demux_updates: u64,
    /// Rules moved to another number to make room for a higher-priority one.
    pub demux_moves: u64,
    /// Full rebuilds ([`Shim::rebuild_demux`]).
    pub demux_rebuilds: u64,
}

struct Filter {
    id: FilterId,
    owner: EnvId,
    name: String,
    pred: Pred,
    /// Equalities every packet this filter accepts satisfies (the atoms on its `and` spine):
    /// two filters pinning one field to different values cannot overlap, which settles most
    /// checks without the full query.
    pins: Vec<(dpf::ir::Load, u32, u32)>,
    /// How many of the owner's own filters contain this one: deeper (more specific) wins.
    depth: u32,
    /// Its rule number in the demux ([`UNPLACED`] while being moved).
    num: usize,
}

const UNPLACED: usize = usize::MAX;
/// A free demux number in `rule_owner`.
const HOLE: (u32, FilterId) = (u32::MAX, FilterId::NONE);

/// Predicates compiled per shape, bounded so a stream of distinct shapes cannot grow it.
const PRED_CACHE_MAX: usize = 1024;

/// A minimal exokernel in user space. Single-threaded: one run loop owns it.
pub struct Shim {
    pool: FramePool,
    limits: Limits,
    envs: Vec<Option<Env>>,
    gens: Vec<u32>,
    free_slots: Vec<u32>,
    /// Every environment's exposed words, `window_words` per slot.
    mem: Vec<u64>,
    filters: Vec<Filter>,
    next_filter: u64,
    /// Updated in place on every install and remove.
    demux: bridge::DemuxTable,
    backend: bridge::Backend,
    /// Demux rule number -> owning slot and filter ([`HOLE`] if free).
    rule_owner: Vec<(u32, FilterId)>,
    /// Free demux numbers below the end.
    free_nums: BTreeSet<usize>,
    /// Code generations of demuxes replaced by [`Shim::rebuild_demux`].
    compiles_before: u64,
    nics: Vec<Box<dyn Nic>>,
    epoll: OwnedFd,
    start: Instant,
    rx: Vec<Frame>,
    pred_cache: HashMap<(WPred, u32), Compiled>,
    /// Waiting environments whose window or wait changed since their last evaluation.
    to_check: Vec<u32>,
    /// Waiting environments whose predicate reads the clock (evaluated every time).
    timed: Vec<u32>,
    stats: ShimStats,
}

impl Shim {
    pub fn new(limits: Limits) -> io::Result<Shim> {
        // SAFETY: plain syscall; the result is checked and owned at once.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(os_err("epoll_create1"));
        }
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Shim {
            pool: FramePool::new(limits.pool_frames, limits.frame_size, limits.max_envs),
            envs: Vec::new(),
            gens: Vec::new(),
            free_slots: Vec::new(),
            mem: Vec::new(),
            filters: Vec::new(),
            next_filter: 0,
            demux: bridge::DemuxTable::new(limits.demux),
            backend: limits.demux,
            rule_owner: vec![],
            free_nums: BTreeSet::new(),
            compiles_before: 0,
            nics: Vec::new(),
            epoll,
            start: Instant::now(),
            rx: Vec::new(),
            pred_cache: HashMap::new(),
            to_check: Vec::new(),
            timed: Vec::new(),
            stats: ShimStats::default(),
            limits,
        })
    }

    pub fn pool(&self) -> &FramePool {
        &self.pool
    }
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Nanoseconds since the shim started: the clock deadlines and predicates use.
    pub fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    // ---- environments -------------------------------------------------------------------

    pub fn create_env(&mut self, name: &str, grants: Vec<Grant>) -> Result<EnvId, Refusal> {
        let slot = match self.free_slots.pop() {
            Some(s) => s,
            None if self.envs.len() < self.limits.max_envs => {
                self.envs.push(None);
                self.gens.push(0);
                self.mem
                    .extend(std::iter::repeat_n(0, self.limits.window_words as usize));
                (self.envs.len() - 1) as u32
            }
            None => {
                return Err(Refusal::TooManyEnvs {
                    limit: self.limits.max_envs,
                })
            }
        };
        let id = EnvId {
            slot,
            gen: self.gens[slot as usize],
        };
        let w = self.window_range(slot);
        self.mem[w.clone()].fill(0);
        self.mem[w.start + wake::word::DEADLINE as usize] = u64::MAX;
        self.pool.set_account_limit(slot, self.limits.frame_quota);
        self.envs[slot as usize] = Some(Env {
            id,
            name: name.to_string(),
            send_check: caps::SendCheck::new(&grants),
            grants,
            ring: VecDeque::with_capacity(self.limits.ring_capacity),
            ring_cap: self.limits.ring_capacity.min(u32::MAX as usize) as u32,
            counters: EnvCounters::default(),
            filters: 0,
            wait: None,
            armed: false,
            flagged: false,
        });
        self.stats.envs += 1;
        Ok(id)
    }

    /// The environment goes: its filters, its ring (frames others still hold stay valid), its
    /// wait. Its id is refused from now on.
    pub fn exit_env(&mut self, id: EnvId) -> Result<(), Refusal> {
        self.env(id)?;
        // Others' filters never overlap these, so nothing else moves.
        for i in 0..self.filters.len() {
            if self.filters[i].owner == id {
                self.unplace(i);
            }
        }
        self.filters.retain(|f| f.owner != id);
        self.envs[id.slot as usize] = None;
        self.gens[id.slot as usize] = self.gens[id.slot as usize].wrapping_add(1);
        self.free_slots.push(id.slot);
        self.stats.envs -= 1;
        Ok(())
    }

    fn window_range(&self, slot: u32) -> std::ops::Range<usize> {
        let n = self.limits.window_words as usize;
        slot as usize * n..(slot as usize + 1) * n
    }

    fn env(&self, id: EnvId) -> Result<&Env, Refusal> {
        match self.envs.get(id.slot as usize) {
            Some(Some(e)) if e.id == id => Ok(e),
            _ => Err(Refusal::NoSuchEnv(id)),
        }
    }

    fn env_mut(&mut self, id: EnvId) -> Result<&mut Env, Refusal> {
        match self.envs.get_mut(id.slot as usize) {
            Some(Some(e)) if e.id == id => Ok(e),
            _ => Err(Refusal::NoSuchEnv(id)),
        }
    }

    pub fn counters(&self, id: EnvId) -> Result<EnvCounters, Refusal> {
        Ok(self.env(id)?.counters)
    }

    pub fn env_name(&self, id: EnvId) -> Result<&str, Refusal> {
        Ok(&self.env(id)?.name)
    }

    /// The environment's exposed words.
    pub fn window(&self, id: EnvId) -> Result<&[u64], Refusal> {
        self.env(id)?;
        Ok(&self.mem[self.window_range(id.slot)])
    }

    /// Sets one of the environment's own words (a deadline, a word of its own protocol).
    pub fn write_word(&mut self, id: EnvId, word: u32, value: u64) -> Result<(), Refusal> {
        self.env(id)?;
        if word >= self.limits.window_words {
            return Err(Refusal::WordOutsideWindow { env: id, word });
        }
        let at = self.window_range(id.slot).start + word as usize;
        self.mem[at] = value;
        self.touch(id.slot);
        Ok(())
    }

    pub fn stats(&self) -> ShimStats {
        ShimStats {
            pool: self.pool.stats(),
            filters: self.filters.len(),
            demux_compiles: self.compiles_before + self.demux.compiles(),
            ..self.stats
        }
    }

    // ---- filters ------------------------------------------------------------------------

    /// Installs `pred` as `env`'s rule `name`, after checking size, capabilities and that no
    /// other owner's filter may accept the same packets. A rule nested in one of the caller's
    /// own rules wins over it for the packets they share.
    ///
    /// The demux is updated in place: the rule takes a free number in the range its priority
    /// allows (see [`Shim::place`]); a rule whose shape the demux already has costs a table
    /// update, not a recompilation.
    pub fn install(&mut self, env: EnvId, name: &str, pred: Pred) -> Result<FilterId, Refusal> {
        let r = self.check_install(env, name, &pred);
        if let Err(e) = r {
            if let Ok(e) = self.env_mut(env) {
                e.counters.refused += 1;
            }
            return Err(e);
        }
        let mut depth = 0;
        let mut deeper = Vec::new();
        let new_pins = pins(&pred);
        for (j, f) in self.filters.iter_mut().enumerate() {
            // Filters pinned apart share no packet, so neither contains the other (unless one
            // accepts nothing, whose rank cannot matter): skip the query, which dominates an
            // install among many connections of one owner.
            if f.owner != env || pinned_apart(&f.pins, &new_pins) {
                continue;
            }
            if bridge::contains(&f.pred, &pred) {
                depth += 1;
            } else if bridge::contains(&pred, &f.pred) {
                f.depth += 1;
                deeper.push(j);
            }
        }
        let id = FilterId(self.next_filter);
        self.next_filter += 1;
        self.filters.push(Filter {
            id,
            owner: env,
            name: name.to_string(),
            pins: new_pins,
            pred,
            depth,
            num: UNPLACED,
        });
        self.env_mut(env)?.filters += 1;
        let new = self.filters.len() - 1;
        deeper.push(new);
        self.reseat(&deeper);
        Ok(id)
    }

    fn check_install(&self, env: EnvId, name: &str, pred: &Pred) -> Result<(), Refusal> {
        let e = self.env(env)?;
        if e.filters >= self.limits.filters_per_env {
            return Err(Refusal::TooManyFilters {
                env,
                limit: self.limits.filters_per_env,
            });
        }
        let (nodes, max_off) = measure(pred);
        if nodes > self.limits.filter_nodes {
            return Err(Refusal::FilterTooLarge {
                nodes,
                limit: self.limits.filter_nodes,
            });
        }
        if max_off as usize > self.limits.frame_size {
            return Err(Refusal::LoadBeyondFrame {
                offset: max_off,
                frame_size: self.limits.frame_size,
            });
        }
        if !caps::within(&e.grants, pred) {
            return Err(Refusal::OutsideCapabilities {
                env,
                rule: name.to_string(),
            });
        }
        let mine = pins(pred);
        for f in self.filters.iter().filter(|f| f.owner != env) {
            if !pinned_apart(&mine, &f.pins) && bridge::may_overlap(&f.pred, pred) {
                let owner_name = self
                    .env(f.owner)
                    .map(|o| o.name.clone())
                    .unwrap_or_default();
                return Err(Refusal::Overlaps {
                    env,
                    rule: name.to_string(),
                    owner: f.owner,
                    owner_name,
                    owner_rule: f.name.clone(),
                });
            }
        }
        Ok(())
    }

    pub fn remove(&mut self, env: EnvId, id: FilterId) -> Result<(), Refusal> {
        self.env(env)?;
        let Some(i) = self
            .filter_index(id)
            .filter(|&i| self.filters[i].owner == env)
        else {
            return Err(Refusal::NoSuchFilter(id));
        };
        self.unplace(i);
        let gone = self.filters.remove(i);
        let mut shallower = Vec::new();
        for (j, f) in self.filters.iter_mut().enumerate() {
            if f.owner == env
                && f.depth > 0
                && !pinned_apart(&f.pins, &gone.pins)
                && bridge::contains(&gone.pred, &f.pred)
            {
                f.depth -= 1;
                shallower.push(j);
            }
        }
        self.env_mut(env)?.filters -= 1;
        self.reseat(&shallower);
        Ok(())
    }

    fn filter_index(&self, id: FilterId) -> Option<usize> {
        // Filters are pushed in id order and removed in place, so the vector stays sorted.
        self.filters.binary_search_by_key(&id, |f| f.id).ok()
    }

    /// Priority: a filter contained in more of its owner's filters (deeper) comes first (a
    /// connection inside its listener wins); ties go to the newest. Smaller wins.
    fn prio(f: &Filter) -> (std::cmp::Reverse<u32>, std::cmp::Reverse<FilterId>) {
        (std::cmp::Reverse(f.depth), std::cmp::Reverse(f.id))
    }

    /// Can two filters of one owner accept the same packet? Only then does their order in
    /// the demux matter (filters of different owners never overlap: `install` refuses it).
    fn related(a: &Filter, b: &Filter) -> bool {
        a.owner == b.owner
            && !pinned_apart(&a.pins, &b.pins)
            && bridge::may_overlap(&a.pred, &b.pred)
    }

    /// Re-places the filters whose depth changed (only those now out of order with a related
    /// filter) and places the unplaced ones among `idx`.
    ///
    /// Invariant: for every two related placed filters, the one with the smaller [`Shim::prio`]
    /// has the smaller demux number. Any packet's matching filters are pairwise related, so
    /// the demux's first match is the first in priority order: what a rebuilt demux answers.
    fn reseat(&mut self, idx: &[usize]) {
        let misplaced: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| {
                let f = &self.filters[i];
                f.num == UNPLACED
                    || self.filters.iter().any(|g| {
                        g.num != UNPLACED
                            && g.id != f.id
                            && (Self::prio(g) < Self::prio(f)) != (g.num < f.num)
                            && Self::related(f, g)
                    })
            })
            .collect();
        for &i in &misplaced {
            self.unplace(i);
        }
        for &i in &misplaced {
            if self.place(i).is_err() {
                self.rebuild_demux();
                return;
            }
        }
        debug_assert_eq!(self.rule_owner.len(), self.demux.slots());
    }

    /// Gives unplaced filter `i` a demux number above every related filter that precedes it
    /// and below every related filter that follows it: a free number in that range if there
    /// is one; otherwise the followers (and, transitively, what must follow them) move to the
    /// end, after `i`, keeping their order. Every step is a demux insert or remove.
    fn place(&mut self, i: usize) -> Result<(), String> {
        let f = &self.filters[i];
        let mut lo = 0;
        let mut hi = usize::MAX;
        let mut followers = Vec::new();
        for (j, g) in self.filters.iter().enumerate() {
            if j == i || g.num == UNPLACED || !Self::related(f, g) {
                continue;
            }
            if Self::prio(g) < Self::prio(f) {
                lo = lo.max(g.num + 1);
            } else {
                hi = hi.min(g.num);
                followers.push(j);
            }
        }
        let end = self.rule_owner.len();
        // Predecessors and followers need not be related to each other: lo > hi is possible.
        let free = if lo < hi {
            self.free_nums.range(lo..hi).next().copied()
        } else {
            None
        };
        if let Some(n) = free.or((lo <= end && end < hi).then_some(end)) {
            return self.put(i, n);
        }
        // Followers of followers are lower in priority than `i` too, so none of them is among
        // the filters `i` must follow: moving them all up keeps every pair in order.
        let mut moved = followers;
        let mut k = 0;
        while k < moved.len() {
            let s = &self.filters[moved[k]];
            for (j, g) in self.filters.iter().enumerate() {
                if j != i
                    && g.num != UNPLACED
                    && Self::prio(g) > Self::prio(s)
                    && !moved.contains(&j)
                    && Self::related(g, s)
                {
                    moved.push(j);
                }
            }
            k += 1;
        }
        moved.sort_by_key(|&j| self.filters[j].num);
        for &j in &moved {
            self.unplace(j);
        }
        self.put(i, self.rule_owner.len())?;
        for &j in &moved {
            self.put(j, self.rule_owner.len())?;
        }
        self.stats.demux_moves += moved.len() as u64;
        Ok(())
    }

    /// Inserts filter `i` into the demux at number `n` (free, or the end).
    fn put(&mut self, i: usize, n: usize) -> Result<(), String> {
        let f = &self.filters[i];
        self.demux.insert(n, f.pred.clone())?;
        let entry = (f.owner.slot, f.id);
        if n == self.rule_owner.len() {
            self.rule_owner.push(entry);
        } else {
            self.rule_owner[n] = entry;
            self.free_nums.remove(&n);
        }
        self.filters[i].num = n;
        self.stats.demux_updates += 1;
        Ok(())
    }

    /// Takes filter `i` out of the demux (its number becomes free).
    fn unplace(&mut self, i: usize) {
        let n = std::mem::replace(&mut self.filters[i].num, UNPLACED);
        if n == UNPLACED {
            return;
        }
        self.demux.remove(n);
        self.stats.demux_updates += 1;
        self.rule_owner[n] = HOLE;
        self.free_nums.insert(n);
        // The demux drops trailing free numbers; so do we.
        while self.rule_owner.last() == Some(&HOLE) {
            self.rule_owner.pop();
            self.free_nums.remove(&self.rule_owner.len());
        }
    }

    /// Builds the demux afresh with every filter in priority order at numbers 0.., as it was
    /// built before installs became incremental. `install`/`remove` fall back to it if an
    /// update fails; tests compare its verdicts with the incrementally updated demux's.
    pub fn rebuild_demux(&mut self) {
        let order = self.priority_order();
        self.compiles_before += self.demux.compiles();
        self.demux = bridge::DemuxTable::from_rules(
            self.backend,
            order
                .iter()
                .map(|&i| self.filters[i].pred.clone())
                .collect(),
        );
        self.rule_owner.clear();
        self.free_nums.clear();
        for (n, &i) in order.iter().enumerate() {
            self.filters[i].num = n;
            self.rule_owner
                .push((self.filters[i].owner.slot, self.filters[i].id));
        }
        self.stats.demux_rebuilds += 1;
    }

    /// Filter indices, highest priority first.
    fn priority_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.filters.len()).collect();
        order.sort_by_key(|&i| Self::prio(&self.filters[i]));
        order
    }

    /// Which environment's filter claims this frame, if any.
    #[inline]
    pub fn classify(&mut self, frame: &Frame) -> Option<(EnvId, FilterId)> {
        let rule = self.demux.first_match(&frame.packet())?;
        let (slot, filter) = self.rule_owner[rule];
        self.envs[slot as usize].as_ref().map(|e| (e.id, filter))
    }

    /// What the first filter in priority order accepting the frame is, by evaluating each
    /// filter on its own (dpf's reference semantics): the answer any demux must give.
    pub fn classify_reference(&self, frame: &Frame) -> Option<(EnvId, FilterId)> {
        let p = frame.packet();
        let i = self
            .priority_order()
            .into_iter()
            .find(|&i| self.filters[i].pred.matches(&p))?;
        let f = &self.filters[i];
        Some((f.owner, f.id))
    }

    // ---- delivery -----------------------------------------------------------------------

    /// Demultiplexes one frame into its owner's ring. Returns the owner when it was queued.
    #[inline]
    pub fn deliver(&mut self, frame: Frame) -> Option<EnvId> {
        let Some((id, filter)) = self.classify(&frame) else {
            self.stats.unclaimed += 1;
            return None;
        };
        self.enqueue(id, filter, frame)
            .ok()
            .filter(|&queued| queued)
            .map(|_| id)
    }

    /// Queues a frame into an environment's ring directly (loopback, messages between
    /// environments). `Ok(false)`: dropped and counted (ring full or frame quota spent).
    #[inline(always)]
    pub fn post(&mut self, id: EnvId, frame: Frame) -> Result<bool, Refusal> {
        self.enqueue(id, FilterId::NONE, frame)
    }

    #[inline(always)]
    fn enqueue(&mut self, id: EnvId, filter: FilterId, mut frame: Frame) -> Result<bool, Refusal> {
        let produced = self.window_range(id.slot).start + wake::word::RING_PRODUCED as usize;
        let e = match self.envs.get_mut(id.slot as usize) {
            Some(Some(e)) if e.id == id => e,
            _ => return Err(Refusal::NoSuchEnv(id)),
        };
        if e.ring.len() >= e.ring_cap as usize {
            e.counters.dropped_ring_full += 1;
            return Ok(false);
        }
        if !frame.charge_owned(id.slot) {
            e.counters.dropped_no_frame += 1;
            return Ok(false);
        }
        e.ring.push_back((filter, frame));
        e.counters.received += 1;
        self.mem[produced] += 1;
        // `touch`, inline: the environment is already at hand.
        if !e.flagged && e.armed {
            e.flagged = true;
            self.to_check.push(id.slot);
        }
        self.stats.delivered += 1;
        Ok(true)
    }

    /// Takes the oldest frame from the environment's ring.
    // Inlined: callers build the arguments and take the results in registers, not through
    // stack copies the CPU cannot forward (measured: half of these calls' time).
    #[inline]
    pub fn recv(&mut self, id: EnvId) -> Option<Frame> {
        self.recv_tagged(id).map(|(_, f)| f)
    }

    /// Takes the oldest frame with the filter that claimed it ([`FilterId::NONE`] if posted).
    #[inline]
    pub fn recv_tagged(&mut self, id: EnvId) -> Option<(FilterId, Frame)> {
        let consumed = self.window_range(id.slot).start + wake::word::RING_CONSUMED as usize;
        let e = match self.envs.get_mut(id.slot as usize) {
            Some(Some(e)) if e.id == id => e,
            _ => return None,
        };
        let f = e.ring.pop_front()?;
        self.mem[consumed] += 1;
        if !e.flagged && e.armed {
            e.flagged = true;
            self.to_check.push(id.slot);
        }
        Some(f)
    }

    /// Frames waiting in the environment's ring.
    pub fn pending(&self, id: EnvId) -> usize {
        self.env(id).map(|e| e.ring.len()).unwrap_or(0)
    }

    // ---- NICs ---------------------------------------------------------------------------

    /// Adds a NIC; its descriptor (if any) joins the run loop's epoll set.
    pub fn add_nic(&mut self, nic: Box<dyn Nic>) -> io::Result<usize> {
        let idx = self.nics.len();
        if let Some(fd) = nic.poll_fd() {
            let mut ev = libc::epoll_event {
                events: libc::EPOLLIN as u32,
                u64: idx as u64,
            };
            // SAFETY: both descriptors are open; `ev` outlives the call.
            if unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) }
                < 0
            {
                return Err(os_err(&format!("epoll_ctl add {}", nic.name())));
            }
        }
        self.nics.push(nic);
        Ok(idx)
    }

    pub fn nic_mut(&mut self, idx: usize) -> Option<&mut (dyn Nic + 'static)> {
        self.nics.get_mut(idx).map(|n| n.as_mut())
    }

    /// Transmits frames on a NIC.
    pub fn send(&mut self, nic: usize, frames: &[Frame]) -> io::Result<usize> {
        let n = self.nics.get_mut(nic).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("no NIC number {nic}"))
        })?;
        n.send_burst(frames)
    }

    /// Transmits frames on a NIC on behalf of `env`: a frame whose source address, source port
    /// or protocol lies outside the environment's grants is not sent, and is counted in its
    /// `send_refused` (so an environment cannot spoof another's traffic). The others go out in
    /// order. A NIC error after some frames were taken is returned as the error.
    pub fn send_as(&mut self, env: EnvId, nic: usize, frames: &[Frame]) -> io::Result<SendOutcome> {
        let e = self
            .env(env)
            .map_err(|r| io::Error::new(io::ErrorKind::NotFound, r))?;
        let allowed: Vec<bool> = frames
            .iter()
            .map(|f| e.send_check.allows(&f.packet()))
            .collect();
        let refused = allowed.iter().filter(|&&a| !a).count();
        let sent = if refused == 0 {
            self.send(nic, frames)?
        } else {
            let ok: Vec<Frame> = frames
                .iter()
                .zip(&allowed)
                .filter(|(_, &a)| a)
                .map(|(f, _)| f.clone())
                .collect();
            self.send(nic, &ok)?
        };
        if let Ok(e) = self.env_mut(env) {
            e.counters.sent += sent as u64;
            e.counters.send_refused += refused as u64;
        }
        Ok(SendOutcome { sent, refused })
    }

    /// Takes what every NIC has (one burst each) and delivers it. Never blocks.
    pub fn pump(&mut self) -> io::Result<usize> {
        let mut total = 0;
        let mut rx = std::mem::take(&mut self.rx);
        for i in 0..self.nics.len() {
            rx.clear();
            let burst = self.limits.burst;
            self.nics[i].recv_burst(&self.pool, &mut rx, burst)?;
            total += rx.len();
            // Measured: classifying the whole burst first while prefetching the owners'
            // lines gave no gain at 1,000 owners (the misses already overlap), so frames go
            // one at a time.
            for f in rx.drain(..) {
                self.deliver(f);
            }
        }
        self.rx = rx;
        Ok(total)
    }

    // ---- waiting ------------------------------------------------------------------------

    /// Verifies and compiles a wake-up predicate for `env`, once per shape: a second call with
    /// the same shape returns the cached code.
    pub fn prepare(&mut self, env: EnvId, p: &WPred) -> Result<Compiled, Refusal> {
        let window = self.limits.window_words;
        if let Some(c) = self.pred_cache.get(&(p.clone(), window)) {
            self.env(env)?;
            return Ok(c.clone());
        }
        let c = self.prepare_uncached(env, p)?;
        if self.pred_cache.len() >= PRED_CACHE_MAX {
            self.pred_cache.clear();
        }
        self.pred_cache.insert((p.clone(), window), c.clone());
        Ok(c)
    }

    /// Verifies and compiles without the cache: what a system that builds a predicate for
    /// every wait pays (the benchmark's case (b)).
    pub fn prepare_uncached(&mut self, env: EnvId, p: &WPred) -> Result<Compiled, Refusal> {
        let window = self.limits.window_words;
        match wake::compile(p, window) {
            Ok(c) => {
                self.env(env)?;
                self.stats.predicates_compiled += 1;
                Ok(c)
            }
            Err(err) => {
                let e = self.env_mut(env)?;
                e.counters.refused += 1;
                Err(Refusal::Predicate { env, err })
            }
        }
    }

    /// Puts `env` to sleep until `pred` holds with these parameters.
    // Always inlined: the parameters are usually built just before the call, and reading
    // them back from the stack in 16-byte pieces stalls store forwarding (measured: 60% of an
    // out-of-line call).
    #[inline(always)]
    pub fn arm(
        &mut self,
        env: EnvId,
        pred: &Compiled,
        params: [u64; MAX_PARAMS],
    ) -> Result<(), Refusal> {
        let e = match self.envs.get_mut(env.slot as usize) {
            Some(Some(e)) if e.id == env => e,
            _ => return Err(Refusal::NoSuchEnv(env)),
        };
        match &mut e.wait {
            // Re-arming the same code only rewrites the parameters.
            Some(w) if w.pred.same_code(pred) => copy_params(&mut w.params, &params),
            w => {
                *w = Some(Wait {
                    pred: pred.clone(),
                    params,
                })
            }
        }
        e.armed = true;
        if pred.uses_now() {
            if !self.timed.contains(&env.slot) {
                self.timed.push(env.slot);
            }
        } else if !e.flagged {
            // Evaluated now rather than on the next collection: a predicate that does not hold
            // yet can only start to hold when the window changes, which flags it then. So a
            // re-armed waiter costs one evaluation and no list traffic.
            let n = self.limits.window_words as usize;
            let s = env.slot as usize;
            let ctx = Ctx {
                window: &self.mem[s * n..(s + 1) * n],
                params: &params,
                now: 0,
            };
            if pred.eval(&ctx) {
                e.flagged = true;
                self.to_check.push(env.slot);
            }
        }
        Ok(())
    }

    /// Environments whose predicate holds now; each is disarmed and reported once.
    ///
    /// A predicate reads only its owner's window, its parameters and (maybe) the clock, so only
    /// owners whose window changed or who were re-armed since the last look are evaluated, plus
    /// those whose predicate reads the clock.
    #[inline]
    pub fn collect_ready(&mut self, out: &mut Vec<EnvId>) {
        if self.to_check.is_empty() && self.timed.is_empty() {
            return;
        }
        let Shim {
            to_check,
            timed,
            envs,
            mem,
            start,
            limits,
            ..
        } = self;
        let n = limits.window_words as usize;
        // Reading the clock costs as much as evaluating a predicate: only when one needs it.
        let mut now = None;
        for &slot in to_check.iter() {
            check_wait(envs, mem, n, slot, start, &mut now, out);
        }
        to_check.clear();
        if !timed.is_empty() {
            for &slot in timed.iter() {
                check_wait(envs, mem, n, slot, start, &mut now, out);
            }
            timed.retain(|&s| {
                matches!(&envs[s as usize], Some(Env { wait: Some(w), armed: true, .. }) if w.pred.uses_now())
            });
        }
    }

    /// Puts a waiting environment on the list to evaluate (its window or wait changed).
    #[inline]
    fn touch(&mut self, slot: u32) {
        if let Some(Some(e)) = self.envs.get_mut(slot as usize) {
            if e.armed && !e.flagged {
                e.flagged = true;
                self.to_check.push(slot);
            }
        }
    }

    /// The run loop's step: deliver what the NICs have, report environments whose predicate
    /// holds; when there is none, sleep in epoll until a NIC is readable, the earliest
    /// deadline of a waiting environment, a time-driven NIC's next frame, or `timeout`.
    pub fn poll(&mut self, timeout: Option<Duration>, ready: &mut Vec<EnvId>) -> io::Result<()> {
        self.pump()?;
        self.collect_ready(ready);
        if !ready.is_empty() {
            return Ok(());
        }
        let mut sleep = timeout;
        let now = self.now_ns();
        let n = self.limits.window_words as usize;
        for (slot, e) in self.envs.iter().enumerate() {
            if e.as_ref().is_some_and(|e| e.armed) {
                let d = self.mem[slot * n + wake::word::DEADLINE as usize];
                if d != u64::MAX {
                    sleep = min_dur(sleep, Duration::from_nanos(d.saturating_sub(now)));
                }
            }
        }
        for nic in &self.nics {
            if let Some(d) = nic.wake_after() {
                sleep = min_dur(sleep, d);
            }
        }
        let ms: i32 = match sleep {
            None => -1,
            // Round up: waking a little late is fine, spinning on a 0 ms timeout is not.
            Some(d) => d.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32,
        };
        if ms != 0 {
            let mut evs = [libc::epoll_event { events: 0, u64: 0 }; 16];
            // SAFETY: the buffer is valid for 16 events.
            let r = unsafe { libc::epoll_wait(self.epoll.as_raw_fd(), evs.as_mut_ptr(), 16, ms) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(os_err("epoll_wait"));
                }
            }
        }
        self.pump()?;
        self.collect_ready(ready);
        Ok(())
    }
}

/// Evaluates the wait of the environment in `slot` (if armed); reports and disarms it when
/// the predicate holds. `now` is read from `start` once, by the first predicate that needs it.
#[inline(always)]
fn check_wait(
    envs: &mut [Option<Env>],
    mem: &[u64],
    n: usize,
    slot: u32,
    start: &Instant,
    now: &mut Option<u64>,
    out: &mut Vec<EnvId>,
) {
    let Some(Some(e)) = envs.get_mut(slot as usize) else {
        return;
    };
    e.flagged = false;
    if !e.armed {
        return;
    }
    let Some(w) = &mut e.wait else { return };
    let now = if w.pred.uses_now() {
        *now.get_or_insert_with(|| start.elapsed().as_nanos() as u64)
    } else {
        0
    };
    let s = slot as usize;
    let ctx = Ctx {
        window: &mem[s * n..(s + 1) * n],
        params: &w.params,
        now,
    };
    if w.pred.eval(&ctx) {
        e.armed = false;
        e.counters.wakeups += 1;
        out.push(e.id);
    }
}

/// Copies parameters one word at a time. Callers build them just before arming; a vectorised
/// copy reads two freshly stored words with one load, which the CPU cannot forward from the
/// two stores (measured: more than half of the cost of `arm`).
#[inline(always)]
fn copy_params(dst: &mut [u64; MAX_PARAMS], src: &[u64; MAX_PARAMS]) {
    for (d, s) in dst.iter_mut().zip(src) {
        // SAFETY: `d` is a valid, aligned, exclusive reference. Volatile only keeps the copy
        // word-sized (the compiler may not merge volatile stores).
        unsafe { std::ptr::write_volatile(d, *s) };
    }
}

/// The equality atoms on a filter's `and` spine: necessary conditions of a match.
fn pins(p: &Pred) -> Vec<(dpf::ir::Load, u32, u32)> {
    // A work list, not recursion: an `and` chain may be as long as the filter.
    let mut out = Vec::new();
    let mut todo = vec![p];
    while let Some(p) = todo.pop() {
        match p {
            Pred::And(a, b) => {
                todo.push(b);
                todo.push(a);
            }
            Pred::Atom(a) if a.rel == dpf::ir::Rel::Eq => out.push((a.load, a.mask, a.k)),
            _ => {}
        }
    }
    // Sorted, so that `pinned_apart` is one merge walk rather than every pair.
    out.sort_unstable();
    out.dedup();
    out
}

/// Do two filters pin the same masked load to different values (so cannot both match)? Both
/// lists sorted (see [`pins`]). `false` only means "not shown apart": callers then ask the full
/// query, so missing a case (a filter pinning one field to two values accepts nothing) is safe.
fn pinned_apart(a: &[(dpf::ir::Load, u32, u32)], b: &[(dpf::ir::Load, u32, u32)]) -> bool {
    let (mut i, mut j) = (0, 0);
    while let (Some((la, ma, ka)), Some((lb, mb, kb))) = (a.get(i), b.get(j)) {
        match (la, ma).cmp(&(lb, mb)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal if ka != kb => return true,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    false
}

fn min_dur(a: Option<Duration>, b: Duration) -> Option<Duration> {
    Some(a.map_or(b, |a| a.min(b)))
}

/// Node count and the largest constant load offset (plus size) of a filter. Walks a work list,
/// not the call stack: it runs before the node limit is checked, on a filter of any depth.
fn measure(p: &Pred) -> (usize, u32) {
    enum Node<'a> {
        P(&'a Pred),
        V(&'a Val),
    }
    let (mut nodes, mut off) = (0usize, 0u32);
    let mut todo = vec![Node::P(p)];
    while let Some(n) = todo.pop() {
        nodes += 1;
        match n {
            Node::P(p) => match p {
                Pred::True | Pred::False => {}
                Pred::Atom(a) => off = off.max(a.load.off.saturating_add(a.load.size as u32)),
                Pred::Cmp(a, _, b) => {
                    todo.push(Node::V(a));
                    todo.push(Node::V(b));
                }
                Pred::And(a, b) | Pred::Or(a, b) => {
                    todo.push(Node::P(a));
                    todo.push(Node::P(b));
                }
                Pred::Not(a) => todo.push(Node::P(a)),
            },
            Node::V(v) => match v {
                Val::K(_) | Val::Len => {}
                Val::Load(l) => off = off.max(l.off.saturating_add(l.size as u32)),
                Val::LoadInd { index, .. } => todo.push(Node::V(index)),
                Val::Bin(_, a, b) => {
                    todo.push(Node::V(a));
                    todo.push(Node::V(b));
                }
                Val::Neg(a) => todo.push(Node::V(a)),
                // A loop over IPv6 extension headers, bounded by dpf (PROTOCHAIN_MAX_HEADERS);
                // its first load is the network header's protocol field.
                Val::ProtoChain { v6, nl, .. } => {
                    off = off.max(nl.saturating_add(if *v6 { 7 } else { 10 }))
                }
            },
        }
    }
    (nodes, off)
}
