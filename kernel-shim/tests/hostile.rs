//! Hostile environments: each attack is refused or contained, counted, and a well-behaved
//! neighbour keeps receiving all of its traffic.

mod common;

use common::udp;
use dpf::ir::{Base, Load, Pred, Rel};
use kernel_shim::caps::Grant;
use kernel_shim::wake::{Operand, WPred, WakeError};
use kernel_shim::{EnvId, Limits, Refusal, Shim};
use std::net::Ipv4Addr;

const HOST: [u8; 4] = [192, 0, 2, 1];
const PEER: [u8; 4] = [192, 0, 2, 99];

fn host() -> Ipv4Addr {
    Ipv4Addr::from(HOST)
}

/// `udp dst port == p` on top of a grant's traffic (as the lowering would write it).
fn port_is(p: u16, field_off: u32) -> Pred {
    Pred::Atom(dpf::ir::Atom {
        load: Load {
            base: Base::IpHdrLen { at: 14 },
            off: field_off,
            size: 2,
        },
        mask: u32::MAX,
        rel: Rel::Eq,
        k: p as u32,
    })
}

fn dst_port(p: u16) -> Pred {
    Pred::and(Grant::ip(17, host()).to_pred(), port_is(p, 16))
}

/// A shim with a good neighbour owning UDP 5000-5999, and a hostile environment granted all
/// UDP ports of the host (so only the ownership check stands in its way).
fn setup(limits: Limits) -> (Shim, EnvId, EnvId) {
    let mut shim = Shim::new(limits).unwrap();
    let good = shim
        .create_env("good", vec![Grant::ports(17, host(), 5000, 5999)])
        .unwrap();
    shim.install(
        good,
        "service",
        Grant::ports(17, host(), 5000, 5999).to_pred(),
    )
    .unwrap();
    let bad = shim
        .create_env("hostile", vec![Grant::ports(17, host(), 1, 65535)])
        .unwrap();
    (shim, good, bad)
}

/// Sends `n` frames to the good neighbour's port and checks it got every one.
fn good_neighbour_unaffected(shim: &mut Shim, good: EnvId, n: usize) {
    let before = shim.counters(good).unwrap().received;
    for i in 0..n {
        let f = shim
            .pool()
            .alloc_copy(&udp(PEER, 40000, HOST, 5000 + (i % 1000) as u16), 0)
            .unwrap();
        assert_eq!(shim.deliver(f), Some(good));
        assert!(shim.recv(good).is_some());
    }
    assert_eq!(shim.counters(good).unwrap().received - before, n as u64);
}

#[test]
fn overlapping_filter_is_refused_naming_owner_and_rule() {
    let (mut shim, good, bad) = setup(Limits::default());
    let err = shim.install(bad, "steal", dst_port(5500)).unwrap_err();
    match &err {
        Refusal::Overlaps {
            owner, owner_rule, ..
        } => {
            assert_eq!(*owner, good);
            assert_eq!(owner_rule, "service");
        }
        e => panic!("wrong refusal {e}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("\"service\"") && msg.contains("good"), "{msg}");
    assert_eq!(shim.counters(bad).unwrap().refused, 1);
    // A filter beside the neighbour's range is fine.
    shim.install(bad, "own", dst_port(7000)).unwrap();
    good_neighbour_unaffected(&mut shim, good, 100);
}

#[test]
fn filter_outside_capabilities_is_refused() {
    let (mut shim, good, _) = setup(Limits::default());
    let narrow = shim
        .create_env("narrow", vec![Grant::ports(17, host(), 6000, 6999)])
        .unwrap();
    let err = shim.install(narrow, "wide", dst_port(8000)).unwrap_err();
    assert!(matches!(err, Refusal::OutsideCapabilities { .. }), "{err}");
    // Another host's traffic, and all traffic, are outside too.
    let other = Pred::and(
        Grant::ip(17, Ipv4Addr::new(192, 0, 2, 2)).to_pred(),
        port_is(6500, 16),
    );
    assert!(shim.install(narrow, "other-host", other).is_err());
    assert!(shim.install(narrow, "everything", Pred::True).is_err());
    assert_eq!(shim.counters(narrow).unwrap().refused, 3);
    shim.install(narrow, "ok", dst_port(6500)).unwrap();
    good_neighbour_unaffected(&mut shim, good, 100);
}

#[test]
fn predicate_reading_another_environments_words_is_refused() {
    let (mut shim, good, bad) = setup(Limits::default());
    let window = shim.limits().window_words;
    // In the shared word memory the next window is another environment's.
    let spy = WPred::cmp(Operand::Word(window), Rel::Ne, Operand::Const(0));
    let err = shim.prepare(bad, &spy).unwrap_err();
    assert_eq!(
        err,
        Refusal::Predicate {
            env: bad,
            err: WakeError::OutsideWindow {
                word: window,
                window
            }
        }
    );
    assert_eq!(shim.counters(bad).unwrap().refused, 1);
    // The good neighbour's own predicate still compiles and wakes it.
    let p = shim.prepare(good, &WPred::ring_advanced(0)).unwrap();
    shim.arm(good, &p, [0; 4]).unwrap();
    let f = shim
        .pool()
        .alloc_copy(&udp(PEER, 1, HOST, 5001), 0)
        .unwrap();
    shim.deliver(f);
    let mut ready = vec![];
    shim.collect_ready(&mut ready);
    assert_eq!(ready, vec![good]);
}

#[test]
fn a_hundred_thousand_filters_hit_the_per_owner_limit() {
    let limits = Limits::default();
    let limit = limits.filters_per_env;
    let (mut shim, good, bad) = setup(limits);
    let started = std::time::Instant::now();
    let mut installed = 0;
    let mut refused = 0;
    for i in 0..100_000u32 {
        let port = 10_000 + (i % 50_000) as u16;
        let sport = (i / 50_000) as u16 + 1;
        let f = Pred::and(dst_port(port), port_is(sport, 14));
        match shim.install(bad, &format!("f{i}"), f) {
            Ok(_) => installed += 1,
            Err(Refusal::TooManyFilters { limit: l, .. }) => {
                assert_eq!(l, limit);
                refused += 1;
            }
            Err(e) => panic!("unexpected refusal {e}"),
        }
        assert!(
            started.elapsed().as_secs() < 120,
            "installing took too long"
        );
    }
    assert_eq!(installed, limit);
    assert_eq!(refused, 100_000 - limit);
    assert_eq!(shim.counters(bad).unwrap().refused, refused as u64);
    assert_eq!(shim.stats().filters, limit + 1);
    good_neighbour_unaffected(&mut shim, good, 100);
}

#[test]
fn frames_never_released_are_contained_by_ring_and_quota() {
    let limits = Limits {
        ring_capacity: 64,
        frame_quota: 128,
        pool_frames: 1024,
        ..Limits::default()
    };
    let (mut shim, good, bad) = setup(limits);
    shim.install(bad, "sink", dst_port(7000)).unwrap();
    shim.install(bad, "hoard", dst_port(7001)).unwrap();
    let mut hoard = Vec::new();
    for _ in 0..2000 {
        // Port 7000: never read, so its ring fills.
        let f = shim
            .pool()
            .alloc_copy(&udp(PEER, 1, HOST, 7000), 0)
            .unwrap();
        shim.deliver(f);
        // Port 7001: read and kept forever, so its frame quota runs out.
        let f = shim
            .pool()
            .alloc_copy(&udp(PEER, 1, HOST, 7001), 0)
            .unwrap();
        shim.deliver(f);
        while let Some(f) = shim.recv(bad) {
            hoard.push(f);
        }
        good_neighbour_unaffected(&mut shim, good, 1);
    }
    let c = shim.counters(bad).unwrap();
    assert!(c.dropped_no_frame > 0, "{c:?}");
    assert!(shim.pool().account_held(bad.slot()) <= 128);
    assert!(
        shim.pool().stats().in_use <= 128 + 64,
        "the hostile owner holds at most its quota: {:?}",
        shim.pool().stats()
    );
    assert_eq!(
        shim.stats().pool.exhausted,
        0,
        "the shared pool never ran dry"
    );
    drop(hoard);
    assert_eq!(shim.pool().account_held(bad.slot()), 0);
}

#[test]
fn ring_full_drops_are_counted_per_owner() {
    let limits = Limits {
        ring_capacity: 8,
        ..Limits::default()
    };
    let (mut shim, good, bad) = setup(limits);
    shim.install(bad, "sink", dst_port(7000)).unwrap();
    for _ in 0..20 {
        let f = shim
            .pool()
            .alloc_copy(&udp(PEER, 1, HOST, 7000), 0)
            .unwrap();
        shim.deliver(f);
    }
    let c = shim.counters(bad).unwrap();
    assert_eq!((c.received, c.dropped_ring_full), (8, 12));
    good_neighbour_unaffected(&mut shim, good, 8);
}

/// Outgoing frames are checked against the sender's grants: a spoofed source address, a
/// source port outside its range or a protocol it was not granted is refused and counted;
/// its legitimate frames and the neighbour's go out in order.
#[test]
fn sending_outside_ones_grants_is_refused_and_counted() {
    use kernel_shim::nic::sim::{Clock, SimWire, WireConfig};
    use kernel_shim::Nic;
    let (mut shim, good, bad) = setup(Limits::default());
    let (tx, mut rx) = SimWire::pair(WireConfig::default(), Clock::manual());
    let nic = shim.add_nic(Box::new(tx)).unwrap();
    let frame = |src: [u8; 4], sport: u16| shim.pool().alloc_copy(&udp(src, sport, PEER, 53), 0);
    let own = frame(HOST, 5001).unwrap();
    let spoofed_addr = frame([192, 0, 2, 7], 5001).unwrap();
    let neighbours_port_as_bad = frame(HOST, 5002).unwrap();
    let mut tcp = udp(HOST, 5003, PEER, 53);
    tcp[23] = 6;
    let tcp = shim.pool().alloc_copy(&tcp, 0).unwrap();

    // The good environment owns 5000-5999: its own port passes, a spoofed address and an
    // ungranted protocol do not.
    let out = shim
        .send_as(good, nic, &[spoofed_addr.clone(), own.clone(), tcp.clone()])
        .unwrap();
    assert_eq!((out.sent, out.refused), (1, 2));
    // The hostile one is granted every UDP port of the host (it may send from them), but no
    // other address.
    let out = shim
        .send_as(bad, nic, &[neighbours_port_as_bad.clone(), spoofed_addr])
        .unwrap();
    assert_eq!((out.sent, out.refused), (1, 1));
    let c = shim.counters(good).unwrap();
    assert_eq!((c.sent, c.send_refused), (1, 2));
    let c = shim.counters(bad).unwrap();
    assert_eq!((c.sent, c.send_refused), (1, 1));

    let mut got = Vec::new();
    rx.recv_burst(shim.pool(), &mut got, 16).unwrap();
    let sources: Vec<(Vec<u8>, u16)> = got
        .iter()
        .map(|f| {
            let d = f.data();
            (d[26..30].to_vec(), u16::from_be_bytes([d[34], d[35]]))
        })
        .collect();
    assert_eq!(sources, vec![(HOST.to_vec(), 5001), (HOST.to_vec(), 5002)]);
    // An environment that has exited cannot send at all.
    shim.exit_env(bad).unwrap();
    assert!(shim.send_as(bad, nic, &[own]).is_err());
}

/// `host`'s traffic to one of `ports`, as one `or` chain per port: `n` ports deep.
fn any_of_ports(ports: impl Iterator<Item = u16>) -> Pred {
    let chain = ports
        .map(|p| port_is(p, 16))
        .reduce(Pred::or)
        .expect("at least one port");
    Pred::and(Grant::ip(17, host()).to_pred(), chain)
}

#[test]
fn a_filter_a_hundred_thousand_deep_is_refused_on_a_small_stack() {
    // The shim measures a filter before its node limit applies: that walk, and everything
    // after it, must not recurse once per node. On a 2 MiB thread, as an embedder's would be.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let (mut shim, good, bad) = setup(Limits::default());
            let deep = any_of_ports((0..100_000u32).map(|i| 1 + (i % 60_000) as u16));
            match shim.install(bad, "deep", deep) {
                Err(Refusal::FilterTooLarge { nodes, .. }) => assert!(nodes > 100_000),
                other => panic!("expected FilterTooLarge, got {other:?}"),
            }
            good_neighbour_unaffected(&mut shim, good, 10);

            // With the node limit raised, a 20,000-deep filter inside the grant installs (its
            // overlap with the neighbour's ports is then a refusal, found without recursion
            // one frame per node) and one clear of the neighbour is accepted.
            let limits = Limits {
                filter_nodes: 1 << 20,
                ..Limits::default()
            };
            let (mut shim, good, bad) = setup(limits);
            let clash = any_of_ports((0..20_000u16).map(|i| 1 + i % 9_000));
            assert!(matches!(
                shim.install(bad, "clash", clash),
                Err(Refusal::Overlaps { .. })
            ));
            let clear = any_of_ports((0..20_000u16).map(|i| 10_000 + i));
            shim.install(bad, "clear", clear)
                .expect("a deep filter clear of the neighbour");
            good_neighbour_unaffected(&mut shim, good, 10);
        })
        .unwrap()
        .join()
        .expect("the shim must not overflow a 2 MiB stack");
}
