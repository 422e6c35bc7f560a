//! Entry point of the `annex_pdu` fuzz target: arbitrary bytes become a sequence of `pdu`
//! operations by several owners on a host over a simulated wire whose far end echoes every
//! frame back. Nothing may panic, and the bookkeeping must stay consistent: every handle a
//! successful open returned is open until its close or its owner's exit, and the stats'
//! handle count equals the handles this driver believes open.

use crate::config::NetConfig;
use crate::host::{PduHost, Peer};
use crate::peer::SimDevice;
use kernel_shim::nic::sim::{Clock, SimWire, WireConfig};
use kernel_shim::Limits;
use std::collections::BTreeMap;
use std::time::Duration;

/// Sends back whatever arrives.
struct Echo(SimDevice);

impl Peer for Echo {
    fn poll(&mut self) {
        while let Some(f) = self.0.recv() {
            let d = f.data();
            self.0.send_with(d.len(), |b| b.copy_from_slice(d));
        }
    }
    fn wake_after(&mut self) -> Option<Duration> {
        self.0.wake_after()
    }
}

/// Filters the operations pick from; the input may also supply its own text.
const FILTERS: &[&str] = &[
    "arp",
    "icmp",
    "udp",
    "udp and port 7",
    "ip",
    "ether broadcast",
    "tcp and dst port 80",
    "arp and arp[6:2] = 1",
    "not ip",
    "ip and (",
];

pub fn pdu_ops(data: &[u8]) {
    let (ours, theirs) = SimWire::pair(
        WireConfig {
            seed: data.first().copied().unwrap_or(0) as u64,
            loss: 0.1,
            reorder: 0.1,
            duplicate: 0.1,
            ..WireConfig::default()
        },
        Clock::manual(),
    );
    // A small pool: exhaustion is one of the paths to explore, and each run starts cheaply.
    let limits = Limits {
        pool_frames: 64,
        ring_capacity: 16,
        frame_quota: 32,
        ..Limits::default()
    };
    let Ok(mut host) =
        PduHost::<u8>::with_limits(Some(Box::new(ours)), NetConfig::default(), limits)
    else {
        return;
    };
    host.add_peer(Box::new(Echo(SimDevice::new(theirs))));
    let mut open: BTreeMap<u64, u8> = BTreeMap::new();
    let mut i = 1;
    let mut out = Vec::new();
    // Each step consumes at least two bytes: bounded by the input's length.
    while i + 1 < data.len() {
        let (op, arg) = (data[i], data[i + 1]);
        i += 2;
        let owner = op >> 4;
        match op & 0x7 {
            0 | 1 => {
                let text = if arg & 0x80 != 0 {
                    let n = (arg & 0x3f) as usize;
                    let end = (i + n).min(data.len());
                    let t = String::from_utf8_lossy(&data[i..end]).into_owned();
                    i = end;
                    t
                } else {
                    FILTERS[arg as usize % FILTERS.len()].to_string()
                };
                if let Ok(h) = host.open(owner, &text) {
                    assert!(open.insert(h, owner).is_none(), "handle {h} reused");
                }
            }
            2 => {
                if let Some((&h, &o)) = open.iter().nth(arg as usize % open.len().max(1)) {
                    let who = if arg & 1 == 0 { o } else { owner };
                    if host.close(who, h).is_ok() {
                        assert_eq!(who, o, "a non-owner closed handle {h}");
                        open.remove(&h);
                    }
                }
            }
            3 | 4 => {
                let n = (arg as usize * 13) % 1600;
                let end = (i + n).min(data.len());
                let body = &data[i..end];
                i = end;
                let h = open.keys().next().copied().unwrap_or(arg as u64);
                let split = body.len() / 2;
                let _ = host.send(h, &[&body[..split], &body[split..]]);
            }
            5 => {
                host.owner_exited(owner);
                open.retain(|_, o| *o != owner);
            }
            _ => {
                out.clear();
                let _ = host.poll(Some(Duration::ZERO), &mut out);
                for d in &out {
                    assert_eq!(
                        open.get(&d.handle),
                        Some(&d.owner),
                        "frame for a closed handle"
                    );
                }
            }
        }
        assert_eq!(host.stats().handles as usize, open.len());
        for h in open.keys() {
            assert!(host.is_open(*h));
        }
    }
}

#[cfg(test)]
mod tests {
    /// Seeded random inputs through the target (the fuzzer explores further; this keeps the
    /// entry point exercised by `cargo test`).
    #[test]
    fn random_operation_sequences_keep_the_books() {
        let mut x: u64 = 0x9e3779b97f4a7c15;
        for _ in 0..300 {
            let mut data = Vec::with_capacity(400);
            for _ in 0..400 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                data.push(x as u8);
            }
            super::pdu_ops(&data);
        }
    }
}
