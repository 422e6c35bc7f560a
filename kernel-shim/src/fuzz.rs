//! Entry points for the fuzz targets `shim_frames` and `shim_wake` (fuzz/fuzz_targets/); the
//! crate's tests replay their corpora (fuzz/corpus/<target>/) through the same functions.
//!
//! Both must never panic, whatever the bytes, and keep the shim's invariants: every frame
//! returns to the pool, no environment holds more than its quota, refusals are errors.

use crate::caps::Grant;
use crate::nic::sim::{Clock, SimWire, WireConfig};
use crate::nic::Nic;
use crate::wake::{self, Operand, WPred, MAX_PARAMS};
use crate::{Limits, Shim};
use dpf::ir::{Pred, Rel};
use std::net::Ipv4Addr;

fn rel(b: u8) -> Rel {
    [Rel::Eq, Rel::Ne, Rel::Lt, Rel::Le, Rel::Gt, Rel::Ge][b as usize % 6]
}

/// Interprets `data` as a script against a small shim: create environments with grants,
/// install filters built from the bytes, remove them, deliver frames made of the bytes (each
/// classified exactly as the reference, every filter tried in priority order, classifies it),
/// receive, send on an environment's behalf, exit.
pub fn shim_frames(data: &[u8]) {
    let limits = Limits {
        max_envs: 4,
        filters_per_env: 8,
        ring_capacity: 4,
        frame_quota: 6,
        pool_frames: 32,
        frame_size: 128,
        ..Limits::default()
    };
    let Ok(mut shim) = Shim::new(limits) else {
        return;
    };
    let (tx, mut rx) = SimWire::pair(WireConfig::default(), Clock::manual());
    let Ok(nic) = shim.add_nic(Box::new(tx)) else {
        return;
    };
    let mut filters = Vec::new();
    let host = Ipv4Addr::new(192, 0, 2, 1);
    let mut envs = Vec::new();
    let mut held = Vec::new();
    let mut it = data.iter().copied();
    while let Some(op) = it.next() {
        let mut arg = || it.next().unwrap_or(0);
        match op % 8 {
            0 => {
                let lo = u16::from_be_bytes([arg(), arg()]);
                let g = Grant::ports(17, host, lo, lo.saturating_add(arg() as u16));
                if let Ok(e) = shim.create_env("f", vec![g, Grant::arp(host)]) {
                    envs.push(e);
                }
            }
            1 if !envs.is_empty() => {
                let e = envs[arg() as usize % envs.len()];
                let mut p = Pred::True;
                for _ in 0..arg() % 4 {
                    let a = Pred::atom(
                        arg() as u32,
                        1 + arg() % 2,
                        u32::MAX,
                        rel(arg()),
                        arg() as u32,
                    );
                    p = if arg() % 2 == 0 {
                        Pred::and(p, a)
                    } else {
                        Pred::or(p, a)
                    };
                }
                if let Ok(id) = shim.install(e, "f", p) {
                    filters.push((e, id));
                }
            }
            2 => {
                let n = arg() as usize % 128;
                let bytes: Vec<u8> = (0..n).map(|_| arg()).collect();
                if let Some(f) = shim.pool().alloc_copy(&bytes, 0) {
                    let got = shim.classify(&f);
                    assert_eq!(got, shim.classify_reference(&f), "demux out of order");
                    shim.deliver(f);
                }
            }
            5 if !filters.is_empty() => {
                let (e, id) = filters.swap_remove(arg() as usize % filters.len());
                // Gone already if its owner exited.
                let _ = shim.remove(e, id);
            }
            6 if !envs.is_empty() => {
                let e = envs[arg() as usize % envs.len()];
                let n = arg() as usize % 128;
                let bytes: Vec<u8> = (0..n).map(|_| arg()).collect();
                if let Some(f) = shim.pool().alloc_copy(&bytes, 0) {
                    let _ = shim.send_as(e, nic, &[f]);
                }
                let mut out = Vec::new();
                let _ = rx.recv_burst(shim.pool(), &mut out, 64);
            }
            3 if !envs.is_empty() => {
                let e = envs[arg() as usize % envs.len()];
                if let Some(f) = shim.recv(e) {
                    if arg() % 2 == 0 {
                        held.push(f);
                    }
                }
            }
            4 if !envs.is_empty() => {
                let i = arg() as usize % envs.len();
                let _ = shim.exit_env(envs.swap_remove(i));
            }
            _ => held.clear(),
        }
    }
    for &e in &envs {
        assert!(shim.pool().account_held(e.slot()) <= 6, "quota exceeded");
    }
    drop(held);
    for e in envs {
        let _ = shim.exit_env(e);
    }
    assert_eq!(shim.pool().stats().in_use, 0, "a frame leaked");
}

/// Decodes a wake-up predicate from `data`, verifies, compiles and evaluates it: a predicate
/// the verifier accepts never reads outside the window, and none panics.
pub fn shim_wake(data: &[u8]) {
    fn operand(it: &mut impl Iterator<Item = u8>) -> Operand {
        let b = it.next().unwrap_or(0);
        match b % 4 {
            0 => Operand::Word(it.next().unwrap_or(0) as u32),
            1 => Operand::Param(it.next().unwrap_or(0) % 8),
            2 => Operand::Const(it.next().unwrap_or(0) as u64),
            _ => Operand::Now,
        }
    }
    fn pred(it: &mut impl Iterator<Item = u8>, depth: u32) -> WPred {
        let b = it.next().unwrap_or(0);
        if depth > 80 {
            return WPred::True;
        }
        match b % 5 {
            0 => WPred::True,
            1 => WPred::and(pred(it, depth + 1), pred(it, depth + 1)),
            2 => WPred::or(pred(it, depth + 1), pred(it, depth + 1)),
            3 => WPred::Not(Box::new(pred(it, depth + 1))),
            _ => WPred::cmp(operand(it), rel(it.next().unwrap_or(0)), operand(it)),
        }
    }
    let mut it = data.iter().copied();
    let window = 1 + it.next().unwrap_or(0) as u32 % 32;
    let p = pred(&mut it, 0);
    let words: Vec<u64> = (0..window as u64).collect();
    let params = [7u64; MAX_PARAMS];
    if let Ok(c) = wake::compile(&p, window) {
        let _ = c.eval(&wake::Ctx {
            window: &words,
            params: &params,
            now: 5,
        });
    }
}
