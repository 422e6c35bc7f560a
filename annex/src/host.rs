//! `PduHost`: the Rust side of the `pdu` module, independent of the VM.
//!
//! It owns the kernel shim and its NIC. Each owner (an Erlang pid) gets its own shim environment
//! the first time it opens a filter, so the shim's ownership rules hold between Erlang processes
//! exactly as between any two library operating systems; the environment goes when the owner
//! exits. Frames reach owners as shim [`Frame`]s, never copied here; a send gathers its pieces
//! once into a pool frame, and both directions are counted.

use crate::config::NetConfig;
use kernel_shim::caps::Grant;
use kernel_shim::wake::{word, Compiled, WPred};
use kernel_shim::{EnvId, FilterId, Frame, Limits, Nic, Shim};
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::io;
use std::time::{Duration, Instant};

/// Names an open filter (`pdu:open/1`'s result).
pub type Handle = u64;

/// One frame for one owner, claimed by one of its handles.
#[derive(Debug)]
pub struct Delivery<O> {
    pub owner: O,
    pub handle: Handle,
    pub frame: Frame,
}

/// Why a `pdu` call failed; `Display` is the reason text the Erlang caller gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PduError {
    /// The filter text does not parse or lower (dpf's message, with the place).
    Filter {
        filter: String,
        msg: String,
    },
    /// The shim refused the install (overlap, capabilities, limits): its own words.
    Refused(String),
    NoSuchHandle(Handle),
    /// Only the process that opened a handle may close it.
    NotOwner(Handle),
    TooBig {
        len: usize,
        max: usize,
    },
    /// Every pool frame is held: the send is dropped and counted.
    NoBuffer,
    NoNic,
    /// The NIC failed or refused the frame.
    Nic(String),
}

impl fmt::Display for PduError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PduError::Filter { filter, msg } => write!(f, "filter {filter:?}: {msg}"),
            PduError::Refused(r) => f.write_str(r),
            PduError::NoSuchHandle(h) => write!(f, "handle {h} is not open"),
            PduError::NotOwner(h) => write!(f, "handle {h} belongs to another process"),
            PduError::TooBig { len, max } => {
                write!(f, "frame of {len} bytes exceeds the largest, {max} bytes")
            }
            PduError::NoBuffer => f.write_str("no free frame buffer (pool exhausted)"),
            PduError::NoNic => f.write_str("no NIC (exo run without --nic)"),
            PduError::Nic(e) => write!(f, "NIC: {e}"),
        }
    }
}

impl std::error::Error for PduError {}

/// `pdu:stats()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PduStats {
    pub rx_frames: u64,
    pub rx_bytes: u64,
    /// Bytes the annex copied to hand frames to owners (zero by design).
    pub rx_copied_bytes: u64,
    pub tx_frames: u64,
    pub tx_bytes: u64,
    /// Bytes gathered into pool frames on send.
    pub tx_copied_bytes: u64,
    /// Frames lost on the way to an owner: its ring full, its frame quota spent, the pool
    /// empty, a send without a buffer, or a frame for a handle closed before delivery.
    pub dropped: u64,
    /// Frames no filter claimed.
    pub unclaimed: u64,
    /// Opens the shim refused.
    pub refused: u64,
    pub handles: u64,
    pub owners: u64,
}

/// Something on the far side of a simulated wire that runs in this thread (a smoltcp host, a
/// pinger): the host gives it a turn whenever it polls, and sleeps no longer than it asks.
pub trait Peer {
    /// Handles what has arrived and sends what is due; never blocks.
    fn poll(&mut self);
    /// How long until the peer has something to do without new input. `None`: nothing.
    fn wake_after(&mut self) -> Option<Duration>;
    /// Has the peer finished its work (a pinger that sent and heard everything)? A server
    /// never is.
    fn done(&self) -> bool {
        false
    }
}

/// A peer shared with the code that set it up, which reads its results afterwards.
pub struct SharedPeer<P>(pub std::rc::Rc<std::cell::RefCell<P>>);

impl<P: Peer> Peer for SharedPeer<P> {
    fn poll(&mut self) {
        self.0.borrow_mut().poll()
    }
    fn wake_after(&mut self) -> Option<Duration> {
        self.0.borrow_mut().wake_after()
    }
    fn done(&self) -> bool {
        self.0.borrow().done()
    }
}

struct Owner {
    env: EnvId,
    handles: Vec<Handle>,
}

struct Open<O> {
    owner: O,
    env: EnvId,
    filter: FilterId,
}

/// The `pdu` module's state, keyed by owner `O` (the VM's pid type).
pub struct PduHost<O> {
    shim: Shim,
    nic: Option<usize>,
    config: NetConfig,
    owners: HashMap<O, Owner>,
    by_env: HashMap<EnvId, O>,
    opens: HashMap<Handle, Open<O>>,
    by_filter: HashMap<FilterId, Handle>,
    next_handle: Handle,
    wake: Option<Compiled>,
    ready: Vec<EnvId>,
    peers: Vec<Box<dyn Peer>>,
    stats: PduStats,
    /// Drop counters of environments that have exited.
    gone_dropped: u64,
}

impl<O: Copy + Eq + Hash + fmt::Debug> PduHost<O> {
    /// A host over `nic` (none: opens work, sends fail with [`PduError::NoNic`]).
    pub fn new(nic: Option<Box<dyn Nic>>, config: NetConfig) -> io::Result<Self> {
        Self::with_limits(nic, config, Limits::default())
    }

    /// A host whose shim has `limits` (pool size, rings, filters per owner).
    pub fn with_limits(
        nic: Option<Box<dyn Nic>>,
        config: NetConfig,
        limits: Limits,
    ) -> io::Result<Self> {
        let mut shim = Shim::new(limits)?;
        let nic = nic.map(|n| shim.add_nic(n)).transpose()?;
        Ok(PduHost {
            shim,
            nic,
            config,
            owners: HashMap::new(),
            by_env: HashMap::new(),
            opens: HashMap::new(),
            by_filter: HashMap::new(),
            next_handle: 1,
            wake: None,
            ready: Vec::new(),
            peers: Vec::new(),
            stats: PduStats::default(),
            gone_dropped: 0,
        })
    }

    /// Gives `peer` a turn on every poll (the far end of a simulated wire).
    pub fn add_peer(&mut self, peer: Box<dyn Peer>) {
        self.peers.push(peer);
    }

    /// Have all peers finished (and is there at least one)?
    pub fn peers_done(&self) -> bool {
        !self.peers.is_empty() && self.peers.iter().all(|p| p.done())
    }

    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    pub fn shim(&self) -> &Shim {
        &self.shim
    }

    /// Does any owner hold an open handle (can the host still produce deliveries)?
    pub fn has_listeners(&self) -> bool {
        !self.opens.is_empty()
    }

    fn env_of(&mut self, owner: O) -> Result<EnvId, PduError> {
        if let Some(o) = self.owners.get(&owner) {
            return Ok(o.env);
        }
        // Capabilities are not the annex's to narrow: any traffic may be claimed, and the
        // shim's overlap check keeps owners from claiming each other's.
        let env = self
            .shim
            .create_env(&format!("{owner:?}"), vec![Grant::any()])
            .map_err(|r| PduError::Refused(r.to_string()))?;
        let wake = match &self.wake {
            Some(w) => w.clone(),
            None => {
                let w = self
                    .shim
                    .prepare(env, &WPred::ring_advanced(0))
                    .map_err(|r| PduError::Refused(r.to_string()))?;
                self.wake = Some(w.clone());
                w
            }
        };
        self.shim
            .arm(env, &wake, [0; 4])
            .map_err(|r| PduError::Refused(r.to_string()))?;
        self.owners.insert(
            owner,
            Owner {
                env,
                handles: Vec::new(),
            },
        );
        self.by_env.insert(env, owner);
        Ok(env)
    }

    /// `pdu:open(Filter)` for `owner`.
    pub fn open(&mut self, owner: O, filter: &str) -> Result<Handle, PduError> {
        let pred = dpf::compile(filter, dpf::LinkType::ETHERNET).map_err(|e| PduError::Filter {
            filter: filter.to_string(),
            msg: e.to_string(),
        })?;
        let env = self.env_of(owner)?;
        let id = match self.shim.install(env, filter, pred) {
            Ok(id) => id,
            Err(r) => {
                self.stats.refused += 1;
                return Err(PduError::Refused(r.to_string()));
            }
        };
        let h = self.next_handle;
        self.next_handle += 1;
        self.opens.insert(
            h,
            Open {
                owner,
                env,
                filter: id,
            },
        );
        self.by_filter.insert(id, h);
        if let Some(o) = self.owners.get_mut(&owner) {
            o.handles.push(h);
        }
        Ok(h)
    }

    /// `pdu:close(Handle)`: only its owner may close it. Frames already queued for it are
    /// dropped (and counted) at the next poll.
    pub fn close(&mut self, owner: O, h: Handle) -> Result<(), PduError> {
        let o = self.opens.get(&h).ok_or(PduError::NoSuchHandle(h))?;
        if o.owner != owner {
            return Err(PduError::NotOwner(h));
        }
        let o = self.opens.remove(&h).ok_or(PduError::NoSuchHandle(h))?;
        self.by_filter.remove(&o.filter);
        if let Some(ow) = self.owners.get_mut(&owner) {
            ow.handles.retain(|&x| x != h);
        }
        self.shim
            .remove(o.env, o.filter)
            .map_err(|r| PduError::Refused(r.to_string()))
    }

    /// The owner has exited: its environment, filters and handles go. Frames it still holds
    /// (as binaries elsewhere) stay valid.
    pub fn owner_exited(&mut self, owner: O) {
        let Some(o) = self.owners.remove(&owner) else {
            return;
        };
        if let Ok(c) = self.shim.counters(o.env) {
            self.gone_dropped += c.dropped_ring_full + c.dropped_no_frame;
        }
        for h in o.handles {
            if let Some(op) = self.opens.remove(&h) {
                self.by_filter.remove(&op.filter);
            }
        }
        self.by_env.remove(&o.env);
        let _ = self.shim.exit_env(o.env);
    }

    /// Is `h` an open handle?
    pub fn is_open(&self, h: Handle) -> bool {
        self.opens.contains_key(&h)
    }

    /// `pdu:send(Handle, IoData)`, the iodata already flattened into `pieces`: gathered once
    /// into a pool frame and transmitted. Any process holding the handle may send on it.
    pub fn send(&mut self, h: Handle, pieces: &[&[u8]]) -> Result<(), PduError> {
        let len: usize = pieces.iter().map(|p| p.len()).sum();
        self.send_gather(h, len, |buf| {
            let mut at = 0;
            for p in pieces {
                buf[at..at + p.len()].copy_from_slice(p);
                at += p.len();
            }
        })
    }

    /// Sends a frame of `len` bytes that `fill` writes straight into a pool buffer (the one
    /// copy of the send path, counted in `tx_copied_bytes`).
    pub fn send_gather(
        &mut self,
        h: Handle,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<(), PduError> {
        if !self.opens.contains_key(&h) {
            return Err(PduError::NoSuchHandle(h));
        }
        let nic = self.nic.ok_or(PduError::NoNic)?;
        let max = self.config.max_frame().min(self.shim.pool().buf_size());
        if len > max {
            return Err(PduError::TooBig { len, max });
        }
        // A failed allocation is counted by the pool (`exhausted`, part of `dropped`).
        let Some(mut m) = self.shim.pool().alloc() else {
            return Err(PduError::NoBuffer);
        };
        fill(&mut m.buf_mut()[..len]);
        m.set_len(len);
        m.set_wire_len(len as u32);
        m.set_timestamp_ns(self.shim.now_ns());
        self.stats.tx_copied_bytes += len as u64;
        self.transmit(nic, m.freeze())
    }

    /// Sends a frame as it is (a received frame forwarded, a binary already over a frame):
    /// nothing is copied.
    pub fn send_frame(&mut self, h: Handle, frame: Frame) -> Result<(), PduError> {
        if !self.opens.contains_key(&h) {
            return Err(PduError::NoSuchHandle(h));
        }
        let nic = self.nic.ok_or(PduError::NoNic)?;
        let max = self.config.max_frame();
        if frame.len() > max {
            return Err(PduError::TooBig {
                len: frame.len(),
                max,
            });
        }
        self.transmit(nic, frame)
    }

    fn transmit(&mut self, nic: usize, frame: Frame) -> Result<(), PduError> {
        let len = frame.len() as u64;
        match self.shim.send(nic, std::slice::from_ref(&frame)) {
            Ok(1) => {
                self.stats.tx_frames += 1;
                self.stats.tx_bytes += len;
                Ok(())
            }
            Ok(_) => {
                self.stats.dropped += 1;
                Err(PduError::Nic("transmit queue full".into()))
            }
            Err(e) => Err(PduError::Nic(e.to_string())),
        }
    }

    /// Pumps the NIC (and the peers) and collects frames for owners, sleeping in the shim up
    /// to `timeout` (`None`: until something arrives) while there is none. Returns as soon as
    /// at least one delivery is ready, or when the timeout has passed.
    pub fn poll(
        &mut self,
        timeout: Option<Duration>,
        out: &mut Vec<Delivery<O>>,
    ) -> io::Result<()> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let mut sleep = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            for p in &mut self.peers {
                p.poll();
                if let Some(w) = p.wake_after() {
                    sleep = Some(sleep.map_or(w, |s| s.min(w)));
                }
            }
            // Finished peers send nothing more: whoever waits for them must hear it now,
            // not after a sleep no frame will end.
            if self.peers_done() {
                sleep = Some(Duration::ZERO);
            }
            self.ready.clear();
            self.shim.poll(sleep, &mut self.ready)?;
            let ready = std::mem::take(&mut self.ready);
            for &env in &ready {
                self.drain(env, out);
            }
            self.ready = ready;
            let expired = deadline.is_some_and(|d| Instant::now() >= d) || self.peers_done();
            if !out.is_empty() || expired {
                return Ok(());
            }
        }
    }

    fn drain(&mut self, env: EnvId, out: &mut Vec<Delivery<O>>) {
        let Some(&owner) = self.by_env.get(&env) else {
            return;
        };
        while let Some((fid, frame)) = self.shim.recv_tagged(env) {
            match self.by_filter.get(&fid) {
                Some(&handle) => {
                    self.stats.rx_frames += 1;
                    self.stats.rx_bytes += frame.len() as u64;
                    out.push(Delivery {
                        owner,
                        handle,
                        frame,
                    });
                }
                // Its handle was closed while the frame waited in the ring.
                None => self.stats.dropped += 1,
            }
        }
        let seen = self
            .shim
            .window(env)
            .map(|w| w[word::RING_PRODUCED as usize])
            .unwrap_or(0);
        if let Some(w) = &self.wake {
            let _ = self.shim.arm(env, w, [seen, 0, 0, 0]);
        }
    }

    /// `pdu:stats()`.
    pub fn stats(&self) -> PduStats {
        let mut s = self.stats;
        let live: u64 = self
            .owners
            .values()
            .filter_map(|o| self.shim.counters(o.env).ok())
            .map(|c| c.dropped_ring_full + c.dropped_no_frame)
            .sum();
        let shim = self.shim.stats();
        s.dropped += live + self.gone_dropped + shim.pool.exhausted;
        s.unclaimed = shim.unclaimed;
        s.handles = self.opens.len() as u64;
        s.owners = self.owners.len() as u64;
        s
    }
}
