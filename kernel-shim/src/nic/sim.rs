//! A simulated wire between two endpoints, with seeded faults.
//!
//! Loss, duplication, corruption (one flipped bit), reordering (a frame held back behind the
//! next one), a fixed delay and a bandwidth limit. For a given seed and sequence of sends the
//! faults are the same on every run; with a [`Clock::manual`] clock the timing is too. A frame
//! crosses the wire without being copied unless it is corrupted. Everything delivered can be
//! written to a pcap.

use super::pcap::PcapSink;
use super::Nic;
use crate::frame::{Frame, FramePool};
use crate::rng::SplitMix64;
use std::collections::VecDeque;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The wire's time source.
#[derive(Clone, Debug)]
pub enum Clock {
    Real(Instant),
    /// Nanoseconds, advanced by the test.
    Manual(Arc<AtomicU64>),
}

impl Clock {
    pub fn real() -> Clock {
        Clock::Real(Instant::now())
    }
    pub fn manual() -> Clock {
        Clock::Manual(Arc::new(AtomicU64::new(0)))
    }
    pub fn now_ns(&self) -> u64 {
        match self {
            Clock::Real(t) => t.elapsed().as_nanos() as u64,
            Clock::Manual(n) => n.load(Ordering::Relaxed),
        }
    }
    /// Moves a manual clock forward (a real clock ignores this).
    pub fn advance(&self, d: Duration) {
        if let Clock::Manual(n) = self {
            n.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
        }
    }
}

/// Faults and limits of a wire. Probabilities are per frame, 0.0 to 1.0.
#[derive(Clone, Debug)]
pub struct WireConfig {
    pub seed: u64,
    pub loss: f64,
    pub duplicate: f64,
    pub corrupt: f64,
    pub reorder: f64,
    pub delay: Duration,
    /// Bits per second; `None` is unlimited.
    pub bandwidth: Option<u64>,
    /// Frames in flight per direction beyond which new ones are dropped.
    pub queue_limit: usize,
}

impl WireConfig {
    /// No loss, duplication, corruption, reordering, delay or bandwidth limit.
    pub fn fault_free(&self) -> bool {
        self.loss <= 0.0
            && self.duplicate <= 0.0
            && self.corrupt <= 0.0
            && self.reorder <= 0.0
            && self.delay.is_zero()
            && self.bandwidth.is_none()
    }
}

impl Default for WireConfig {
    fn default() -> Self {
        WireConfig {
            seed: 1,
            loss: 0.0,
            duplicate: 0.0,
            corrupt: 0.0,
            reorder: 0.0,
            delay: Duration::ZERO,
            bandwidth: None,
            queue_limit: 65536,
        }
    }
}

/// What the wire did, over both directions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WireStats {
    pub sent: u64,
    pub delivered: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub corrupted: u64,
    pub reordered: u64,
    pub queue_dropped: u64,
}

struct InFlight {
    at: u64,
    frame: Frame,
    /// Flip this bit (index into the frame's bits) on delivery.
    flip: Option<u64>,
}

#[derive(Default)]
struct Direction {
    /// Sorted by delivery time; equal times keep send order.
    queue: VecDeque<InFlight>,
    held: Option<InFlight>,
    busy_until: u64,
}

impl Direction {
    fn push(&mut self, e: InFlight) {
        let at = e.at;
        if self.queue.back().is_none_or(|b| b.at <= at) {
            self.queue.push_back(e);
        } else {
            let i = self.queue.partition_point(|x| x.at <= at);
            self.queue.insert(i, e);
        }
    }
}

struct Shared {
    cfg: WireConfig,
    rng: SplitMix64,
    clock: Clock,
    dirs: [Direction; 2],
    stats: WireStats,
    tap: Option<PcapSink>,
}

/// Creates the two ends of a wire.
pub struct SimWire;

impl SimWire {
    pub fn pair(cfg: WireConfig, clock: Clock) -> (SimEnd, SimEnd) {
        let shared = Arc::new(Mutex::new(Shared {
            rng: SplitMix64::new(cfg.seed),
            cfg,
            clock,
            dirs: [Direction::default(), Direction::default()],
            stats: WireStats::default(),
            tap: None,
        }));
        (
            SimEnd {
                side: 0,
                shared: shared.clone(),
            },
            SimEnd { side: 1, shared },
        )
    }
}

/// One end of a wire: what it sends arrives at the other end.
pub struct SimEnd {
    side: usize,
    shared: Arc<Mutex<Shared>>,
}

impl SimEnd {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn stats(&self) -> WireStats {
        self.lock().stats
    }
    pub fn clock(&self) -> Clock {
        self.lock().clock.clone()
    }
    /// From now on, every frame the wire delivers (either way) is also written to `path`.
    pub fn capture_to(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.lock().tap = Some(PcapSink::create(path)?);
        Ok(())
    }
    /// Writes out what the capture holds.
    pub fn flush_capture(&self) -> io::Result<()> {
        match &mut self.lock().tap {
            Some(t) => t.flush(),
            None => Ok(()),
        }
    }
}

impl Nic for SimEnd {
    fn recv_burst(
        &mut self,
        pool: &FramePool,
        out: &mut Vec<Frame>,
        max: usize,
    ) -> io::Result<usize> {
        let mut s = self.lock();
        let now = s.clock.now_ns();
        let s = &mut *s;
        let dir = &mut s.dirs[1 - self.side];
        if dir.queue.is_empty() {
            // Nothing came after a held-back frame: it goes now, late but not reordered.
            if let Some(h) = dir.held.take() {
                dir.push(h);
            }
        }
        if s.cfg.corrupt <= 0.0 && s.tap.is_none() {
            // Nothing to corrupt or record: hand the due frames over in one move.
            let due = dir
                .queue
                .iter()
                .take(max)
                .take_while(|e| e.at <= now)
                .count();
            out.extend(dir.queue.drain(..due).map(|e| e.frame));
            s.stats.delivered += due as u64;
            return Ok(due);
        }
        let mut n = 0;
        while n < max && dir.queue.front().is_some_and(|e| e.at <= now) {
            let Some(e) = dir.queue.pop_front() else {
                break;
            };
            let frame = match e.flip {
                None => e.frame,
                Some(bit) => {
                    // The original may be shared (a duplicate, the sender's copy): corrupt a copy.
                    let Some(mut m) = pool.alloc() else {
                        continue;
                    };
                    let data = e.frame.data();
                    m.buf_mut()[..data.len()].copy_from_slice(data);
                    let byte = (bit / 8) as usize % data.len().max(1);
                    if !data.is_empty() {
                        m.buf_mut()[byte] ^= 1 << (bit % 8);
                    }
                    m.set_len(data.len());
                    m.set_wire_len(e.frame.wire_len());
                    m.set_timestamp_ns(e.at);
                    m.freeze()
                }
            };
            if let Some(t) = &mut s.tap {
                t.send_burst(std::slice::from_ref(&frame))?;
            }
            s.stats.delivered += 1;
            out.push(frame);
            n += 1;
        }
        Ok(n)
    }

    fn send_burst(&mut self, frames: &[Frame]) -> io::Result<usize> {
        let mut s = self.lock();
        let s = &mut *s;
        let now = s.clock.now_ns();
        if s.cfg.fault_free() && s.dirs[self.side].held.is_none() {
            // What the loop below does when no fault can happen (it draws no random numbers
            // then): every frame arrives now, in order, unless the queue is full.
            let dir = &mut s.dirs[self.side];
            let room = s.cfg.queue_limit.saturating_sub(dir.queue.len());
            let take = frames.len().min(room);
            dir.busy_until = dir.busy_until.max(now);
            let at = dir.busy_until;
            dir.queue.extend(frames[..take].iter().map(|f| InFlight {
                at,
                frame: f.clone(),
                flip: None,
            }));
            s.stats.sent += frames.len() as u64;
            s.stats.queue_dropped += (frames.len() - take) as u64;
            return Ok(frames.len());
        }
        for f in frames {
            s.stats.sent += 1;
            if s.rng.chance(s.cfg.loss) {
                s.stats.lost += 1;
                continue;
            }
            let copies = if s.rng.chance(s.cfg.duplicate) {
                s.stats.duplicated += 1;
                2
            } else {
                1
            };
            for _ in 0..copies {
                let dir = &mut s.dirs[self.side];
                if dir.queue.len() >= s.cfg.queue_limit {
                    s.stats.queue_dropped += 1;
                    continue;
                }
                let ser = s.cfg.bandwidth.map_or(0, |bps| {
                    (f.wire_len() as u64 * 8 * 1_000_000_000) / bps.max(1)
                });
                dir.busy_until = dir.busy_until.max(now) + ser;
                let at = dir.busy_until + s.cfg.delay.as_nanos() as u64;
                let flip = if s.rng.chance(s.cfg.corrupt) {
                    s.stats.corrupted += 1;
                    Some(s.rng.below(f.len() as u64 * 8))
                } else {
                    None
                };
                let e = InFlight {
                    at,
                    frame: f.clone(),
                    flip,
                };
                let held = dir.held.take();
                if let Some(mut h) = held {
                    // The held frame goes right behind this one: they swap places.
                    h.at = h.at.max(at);
                    dir.push(e);
                    dir.push(h);
                } else if s.rng.chance(s.cfg.reorder) {
                    s.stats.reordered += 1;
                    dir.held = Some(e);
                } else {
                    dir.push(e);
                }
            }
        }
        Ok(frames.len())
    }

    fn wake_after(&self) -> Option<Duration> {
        let s = self.lock();
        let dir = &s.dirs[1 - self.side];
        if dir.held.is_some() && dir.queue.is_empty() {
            return Some(Duration::ZERO);
        }
        let at = dir.queue.front()?.at;
        match &s.clock {
            Clock::Real(_) => Some(Duration::from_nanos(at.saturating_sub(s.clock.now_ns()))),
            // Manual time moves only when the test moves it: never sleep waiting for it.
            Clock::Manual(_) => None,
        }
    }

    fn name(&self) -> String {
        format!("sim:{}", if self.side == 0 { "a" } else { "b" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(pool: &FramePool, n: usize) -> Vec<Frame> {
        (0..n)
            .map(|i| {
                let mut d = [0u8; 64];
                d[..8].copy_from_slice(&(i as u64).to_be_bytes());
                pool.alloc_copy(&d, 0).unwrap()
            })
            .collect()
    }

    fn ids(fs: &[Frame]) -> Vec<u64> {
        fs.iter()
            .map(|f| u64::from_be_bytes(f.data()[..8].try_into().unwrap()))
            .collect()
    }

    fn run(cfg: WireConfig, n: usize) -> (Vec<Vec<u8>>, WireStats) {
        let pool = FramePool::new(4 * n + 16, 64, 0);
        let (mut a, mut b) = SimWire::pair(cfg, Clock::manual());
        a.send_burst(&frames(&pool, n)).unwrap();
        b.clock().advance(Duration::from_secs(1));
        let mut out = Vec::new();
        while b.recv_burst(&pool, &mut out, 64).unwrap() > 0 {}
        (out.iter().map(|f| f.data().to_vec()).collect(), b.stats())
    }

    #[test]
    fn clean_wire_delivers_in_order_without_copying() {
        let pool = FramePool::new(16, 64, 0);
        let (mut a, mut b) = SimWire::pair(WireConfig::default(), Clock::manual());
        let fs = frames(&pool, 5);
        a.send_burst(&fs).unwrap();
        let mut out = Vec::new();
        b.recv_burst(&pool, &mut out, 64).unwrap();
        assert_eq!(ids(&out), vec![0, 1, 2, 3, 4]);
        assert_eq!(out[0].buffer_index(), fs[0].buffer_index(), "same buffer");
        assert_eq!(pool.stats().in_use, 5);
    }

    /// The fault-free fast path keeps the general path's bounds: the queue limit drops (and
    /// counts) the excess, a burst larger than `max` is handed over in pieces, in order.
    #[test]
    fn clean_wire_respects_queue_limit_and_burst_size() {
        let pool = FramePool::new(32, 64, 0);
        let cfg = WireConfig {
            queue_limit: 10,
            ..WireConfig::default()
        };
        let (mut a, mut b) = SimWire::pair(cfg, Clock::manual());
        assert_eq!(a.send_burst(&frames(&pool, 15)).unwrap(), 15);
        let st = a.stats();
        assert_eq!((st.sent, st.queue_dropped), (15, 5));
        let mut out = Vec::new();
        assert_eq!(b.recv_burst(&pool, &mut out, 4).unwrap(), 4);
        assert_eq!(b.recv_burst(&pool, &mut out, 64).unwrap(), 6);
        assert_eq!(ids(&out), (0..10).collect::<Vec<u64>>());
        assert_eq!(b.stats().delivered, 10);
    }

    #[test]
    fn faults_are_deterministic_for_a_seed_and_differ_across_seeds() {
        let cfg = |seed| WireConfig {
            seed,
            loss: 0.1,
            duplicate: 0.05,
            corrupt: 0.05,
            reorder: 0.1,
            ..WireConfig::default()
        };
        let (x, sx) = run(cfg(7), 1000);
        let (y, sy) = run(cfg(7), 1000);
        assert_eq!(x, y);
        assert_eq!(sx, sy);
        let (z, _) = run(cfg(8), 1000);
        assert_ne!(x, z);
        // The rates are roughly what was asked for.
        assert!((50..=150).contains(&sx.lost), "{sx:?}");
        assert!((20..=80).contains(&sx.duplicated), "{sx:?}");
        assert!(sx.corrupted > 10 && sx.reordered > 40, "{sx:?}");
        assert_eq!(sx.delivered, 1000 - sx.lost + sx.duplicated);
        assert_eq!(x.len() as u64, sx.delivered);
    }

    #[test]
    fn reordering_swaps_neighbours() {
        let cfg = WireConfig {
            reorder: 0.3,
            seed: 3,
            ..WireConfig::default()
        };
        let pool = FramePool::new(256, 64, 0);
        let (mut a, mut b) = SimWire::pair(cfg, Clock::manual());
        a.send_burst(&frames(&pool, 100)).unwrap();
        let mut out = Vec::new();
        while b.recv_burst(&pool, &mut out, 64).unwrap() > 0 {}
        let got = ids(&out);
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>(), "nothing lost");
        assert_ne!(got, sorted, "something reordered");
    }

    #[test]
    fn corruption_flips_exactly_one_bit_of_a_copy() {
        let cfg = WireConfig {
            corrupt: 1.0,
            ..WireConfig::default()
        };
        let pool = FramePool::new(16, 64, 0);
        let (mut a, mut b) = SimWire::pair(cfg, Clock::manual());
        let fs = frames(&pool, 1);
        a.send_burst(&fs).unwrap();
        let mut out = Vec::new();
        b.recv_burst(&pool, &mut out, 8).unwrap();
        let diff: u32 = fs[0]
            .data()
            .iter()
            .zip(out[0].data())
            .map(|(x, y)| (x ^ y).count_ones())
            .sum();
        assert_eq!(diff, 1);
    }

    #[test]
    fn delay_and_bandwidth_follow_the_clock() {
        let cfg = WireConfig {
            delay: Duration::from_millis(10),
            bandwidth: Some(8_000_000), // 1 byte per microsecond
            ..WireConfig::default()
        };
        let pool = FramePool::new(16, 1000, 0);
        let (mut a, mut b) = SimWire::pair(cfg, Clock::manual());
        let fs: Vec<Frame> = (0..2)
            .map(|_| pool.alloc_copy(&[0; 1000], 0).unwrap())
            .collect();
        a.send_burst(&fs).unwrap();
        let clock = a.clock();
        let mut out = Vec::new();
        clock.advance(Duration::from_micros(10_999));
        assert_eq!(b.recv_burst(&pool, &mut out, 8).unwrap(), 0);
        clock.advance(Duration::from_micros(1));
        assert_eq!(
            b.recv_burst(&pool, &mut out, 8).unwrap(),
            1,
            "first after 1 ms + 10 ms"
        );
        clock.advance(Duration::from_micros(1000));
        assert_eq!(
            b.recv_burst(&pool, &mut out, 8).unwrap(),
            1,
            "second 1 ms later"
        );
    }

    #[test]
    fn capture_records_what_was_delivered() {
        let path = std::env::temp_dir().join(format!("kshim-{}-wire.pcap", std::process::id()));
        let pool = FramePool::new(16, 64, 0);
        let (mut a, mut b) = SimWire::pair(WireConfig::default(), Clock::manual());
        a.capture_to(&path).unwrap();
        a.send_burst(&frames(&pool, 3)).unwrap();
        b.send_burst(&frames(&pool, 2)).unwrap();
        let mut out = Vec::new();
        b.recv_burst(&pool, &mut out, 8).unwrap();
        a.recv_burst(&pool, &mut out, 8).unwrap();
        a.flush_capture().unwrap();
        let mut r = super::super::pcap::PcapReplay::open(&path, false).unwrap();
        assert_eq!(r.remaining(), 5);
        let mut back = Vec::new();
        r.recv_burst(&pool, &mut back, 8).unwrap();
        assert_eq!(ids(&back), vec![0, 1, 2, 0, 1]);
        std::fs::remove_file(&path).unwrap();
    }
}
