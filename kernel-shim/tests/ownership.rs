//! Filter ownership: nesting inside one's own filter, priority, exit.

mod common;

use common::udp;
use dpf::ir::{Base, Load, Pred, Rel};
use kernel_shim::caps::Grant;
use kernel_shim::{Limits, Refusal, Shim};
use std::net::Ipv4Addr;

const HOST: [u8; 4] = [203, 0, 113, 1];

fn src_port_is(p: u16) -> Pred {
    Pred::Atom(dpf::ir::Atom {
        load: Load {
            base: Base::IpHdrLen { at: 14 },
            off: 14,
            size: 2,
        },
        mask: u32::MAX,
        rel: Rel::Eq,
        k: p as u32,
    })
}

#[test]
fn connection_nested_in_own_listener_wins_for_its_packets() {
    let mut shim = Shim::new(Limits::default()).unwrap();
    let g = Grant::ports(17, Ipv4Addr::from(HOST), 80, 80);
    let web = shim.create_env("web", vec![g.clone()]).unwrap();
    let listener = shim.install(web, "listen", g.to_pred()).unwrap();
    let conn = shim
        .install(web, "conn", Pred::and(g.to_pred(), src_port_is(4242)))
        .unwrap();
    let mut tagged = |sport| {
        let f = shim
            .pool()
            .alloc_copy(&udp([203, 0, 113, 9], sport, HOST, 80), 0)
            .unwrap();
        assert_eq!(shim.deliver(f), Some(web));
        shim.recv_tagged(web).unwrap().0
    };
    assert_eq!(tagged(4242), conn);
    assert_eq!(tagged(4243), listener);
}

#[test]
fn nested_filter_installed_before_its_container_still_wins() {
    let mut shim = Shim::new(Limits::default()).unwrap();
    let g = Grant::ports(17, Ipv4Addr::from(HOST), 80, 80);
    let web = shim.create_env("web", vec![g.clone()]).unwrap();
    let conn = shim
        .install(web, "conn", Pred::and(g.to_pred(), src_port_is(4242)))
        .unwrap();
    let _listener = shim.install(web, "listen", g.to_pred()).unwrap();
    let f = shim
        .pool()
        .alloc_copy(&udp([203, 0, 113, 9], 4242, HOST, 80), 0)
        .unwrap();
    shim.deliver(f);
    assert_eq!(shim.recv_tagged(web).unwrap().0, conn);
}

#[test]
fn exit_removes_filters_and_frees_the_traffic_for_others() {
    let mut shim = Shim::new(Limits::default()).unwrap();
    let g = Grant::ports(17, Ipv4Addr::from(HOST), 53, 53);
    let a = shim.create_env("a", vec![g.clone()]).unwrap();
    shim.install(a, "dns", g.to_pred()).unwrap();
    let b = shim.create_env("b", vec![g.clone()]).unwrap();
    assert!(matches!(
        shim.install(b, "dns", g.to_pred()),
        Err(Refusal::Overlaps { .. })
    ));
    let f = shim
        .pool()
        .alloc_copy(&udp([203, 0, 113, 9], 1, HOST, 53), 0)
        .unwrap();
    let held = f.clone();
    shim.deliver(f);
    shim.exit_env(a).unwrap();
    assert_eq!(shim.stats().filters, 0);
    assert!(matches!(shim.counters(a), Err(Refusal::NoSuchEnv(_))));
    // A frame someone still holds outlives its environment's exit.
    assert_eq!(held.data()[36..38], 53u16.to_be_bytes());
    shim.install(b, "dns", g.to_pred()).unwrap();
    let f = shim
        .pool()
        .alloc_copy(&udp([203, 0, 113, 9], 1, HOST, 53), 0)
        .unwrap();
    assert_eq!(shim.deliver(f), Some(b));
    // The old id stays dead even when its slot is reused.
    let c = shim.create_env("c", vec![]).unwrap();
    assert_eq!(c.slot(), a.slot());
    assert!(shim.counters(a).is_err());
}

#[test]
fn unclaimed_frames_are_counted() {
    let mut shim = Shim::new(Limits::default()).unwrap();
    let f = shim
        .pool()
        .alloc_copy(&udp([203, 0, 113, 9], 1, HOST, 9), 0)
        .unwrap();
    assert_eq!(shim.deliver(f), None);
    assert_eq!(shim.stats().unclaimed, 1);
    assert_eq!(
        shim.pool().stats().in_use,
        0,
        "an unclaimed frame is freed at once"
    );
}

#[test]
fn oversized_and_out_of_frame_filters_are_refused() {
    let mut shim = Shim::new(Limits::default()).unwrap();
    let e = shim.create_env("e", vec![Grant::any()]).unwrap();
    let mut big = Pred::True;
    for i in 0..600 {
        big = Pred::and(big, Pred::atom(i % 60, 1, u32::MAX, Rel::Ne, 7));
    }
    assert!(matches!(
        shim.install(e, "big", big),
        Err(Refusal::FilterTooLarge { .. })
    ));
    let far = Pred::atom(1 << 20, 1, u32::MAX, Rel::Eq, 0);
    assert!(matches!(
        shim.install(e, "far", far),
        Err(Refusal::LoadBeyondFrame { .. })
    ));
}

/// The same owners and frames through every demux backend: the same owner and filter each time.
#[test]
fn every_demux_backend_delivers_alike() {
    use kernel_shim::bridge::Backend;
    let frames: Vec<Vec<u8>> = (0..400u32)
        .map(|i| {
            let dst = [203, 0, 113, (i % 5) as u8];
            udp(
                [198, 51, 100, 1],
                1000 + (i % 7) as u16,
                dst,
                5000 + (i % 40) as u16 * 3,
            )
        })
        .collect();
    let run = |backend| {
        let mut shim = Shim::new(Limits {
            demux: backend,
            ..Limits::default()
        })
        .unwrap();
        let mut owners = Vec::new();
        for h in 0..4u8 {
            let addr = Ipv4Addr::new(203, 0, 113, h);
            for r in 0..5u16 {
                let (lo, hi) = (5000 + r * 20, 5000 + r * 20 + 19);
                let g = Grant::ports(17, addr, lo, hi);
                let e = shim
                    .create_env(&format!("{h}/{r}"), vec![g.clone()])
                    .unwrap();
                shim.install(e, "range", g.to_pred()).unwrap();
                // A nested connection filter inside some ranges.
                if r % 2 == 0 {
                    shim.install(e, "conn", Pred::and(g.to_pred(), src_port_is(1003)))
                        .unwrap();
                }
                owners.push(e);
            }
        }
        frames
            .iter()
            .map(|f| {
                let f = shim.pool().alloc_copy(f, 0).unwrap();
                shim.deliver(f).map(|e| (e, shim.recv_tagged(e).unwrap().0))
            })
            .collect::<Vec<_>>()
    };
    let linear = run(Backend::Linear);
    assert!(linear.iter().filter(|d| d.is_some()).count() > 100);
    assert_eq!(run(Backend::Graph), linear);
    assert_eq!(run(Backend::Jit), linear);
}

/// Frames covering every filter below: to each listener port from a spread of source ports,
/// to each single-port owner, and to ports no one owns.
fn probe_frames(ports: std::ops::Range<u16>, sports: std::ops::Range<u16>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dport in ports {
        for sport in sports.clone() {
            out.push(udp([198, 51, 100, 1], sport, HOST, dport));
        }
    }
    out
}

/// Installs of a shape the demux already has are table updates: 1,000 of them (connections
/// nested in four listeners, single-port owners), with removals in between, cause no
/// recompilation and no rebuild, and every verdict equals a rebuilt demux's.
#[test]
fn same_shape_installs_update_the_demux_without_recompiling() {
    let mut shim = Shim::new(Limits {
        filters_per_env: 300,
        ..Limits::default()
    })
    .unwrap();
    let host = Ipv4Addr::from(HOST);
    let mut webs = Vec::new();
    for port in 80..84u16 {
        let g = Grant::ports(17, host, port, port);
        let e = shim
            .create_env(&format!("web{port}"), vec![g.clone()])
            .unwrap();
        shim.install(e, "listen", g.to_pred()).unwrap();
        webs.push((e, g));
    }
    let single = |shim: &mut Shim, k: u16| {
        let g = Grant::ports(17, host, 2000 + k, 2000 + k);
        let e = shim.create_env(&format!("s{k}"), vec![g.clone()]).unwrap();
        shim.install(e, "port", g.to_pred()).unwrap();
    };
    // The first of each shape compiles.
    single(&mut shim, 0);
    let (w, g) = &webs[0];
    shim.install(*w, "conn", Pred::and(g.to_pred(), src_port_is(999)))
        .unwrap();
    let before = shim.stats();
    let mut conns = Vec::new();
    let mut removed = 0;
    for k in 0..1000u16 {
        if k % 5 < 2 {
            let (w, g) = &webs[(k % 4) as usize];
            let sport = 1000 + k;
            let id = shim
                .install(*w, "conn", Pred::and(g.to_pred(), src_port_is(sport)))
                .unwrap();
            conns.push((*w, id, 80 + k % 4, sport));
        } else {
            single(&mut shim, 1 + k);
        }
        if k % 9 == 0 && conns.len() > 3 {
            let (w, id, _, _) = conns.remove(conns.len() / 2);
            shim.remove(w, id).unwrap();
            removed += 1;
        }
    }
    let after = shim.stats();
    assert!(removed > 100);
    assert_eq!(after.filters, before.filters + 1000 - removed);
    assert_eq!(
        after.demux_compiles, before.demux_compiles,
        "same-shape installs recompiled the demux"
    );
    assert_eq!(after.demux_rebuilds, 0);
    assert!(after.demux_updates > before.demux_updates + 1000);

    let frames: Vec<_> = probe_frames(80..84, 995..1400)
        .into_iter()
        .chain(probe_frames(1995..3010, 7..8))
        .map(|f| shim.pool().alloc_copy(&f, 0).unwrap())
        .collect();
    let incremental: Vec<_> = frames.iter().map(|f| shim.classify(f)).collect();
    let reference: Vec<_> = frames.iter().map(|f| shim.classify_reference(f)).collect();
    let first_difference = |a: &[_], b: &[_]| a.iter().zip(b).position(|(x, y)| x != y);
    assert_eq!(first_difference(&incremental, &reference), None);
    // Connections win over their listener for their own packets.
    for &(w, id, port, sport) in &conns {
        let f = shim
            .pool()
            .alloc_copy(&udp([198, 51, 100, 1], sport, HOST, port), 0)
            .unwrap();
        assert_eq!(shim.classify(&f), Some((w, id)));
    }
    shim.rebuild_demux();
    let rebuilt: Vec<_> = frames.iter().map(|f| shim.classify(f)).collect();
    assert_eq!(first_difference(&incremental, &rebuilt), None);
    assert_eq!(incremental.len(), rebuilt.len());
}

/// A tiny deterministic generator for the randomised test (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Random installs, removals and owner exits with nested and partly overlapping filters in a
/// few owners (ranges inside ranges, connections inside ranges, equal filters): after every
/// step, on every backend, each frame goes where a rebuilt demux sends it.
#[test]
fn random_install_and_remove_keep_rebuilt_verdicts() {
    use kernel_shim::bridge::Backend;
    let host = Ipv4Addr::from(HOST);
    let frames: Vec<Vec<u8>> = probe_frames(1..41, 1..5).into_iter().collect();
    let mut moves = 0;
    let mut exits = 0;
    for backend in [Backend::Jit, Backend::Graph, Backend::Linear] {
        for seed in 1..4u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let mut shim = Shim::new(Limits {
                demux: backend,
                ..Limits::default()
            })
            .unwrap();
            // Owners split the port space so they never conflict with one another.
            let grant = |o: u16| Grant::ports(17, host, 1 + o * 14, 14 + o * 14);
            let mut owners: Vec<_> = (0..3u16)
                .map(|o| {
                    (
                        shim.create_env(&format!("o{o}"), vec![grant(o)]).unwrap(),
                        o,
                    )
                })
                .collect();
            let frames: Vec<_> = frames
                .iter()
                .map(|f| shim.pool().alloc_copy(f, 0).unwrap())
                .collect();
            let mut live: Vec<(kernel_shim::EnvId, kernel_shim::FilterId)> = Vec::new();
            for step in 0..120 {
                if rng.below(25) == 0 {
                    // An owner exits (its filters go at once) and comes back empty.
                    let k = rng.below(3) as usize;
                    let (e, o) = owners[k];
                    shim.exit_env(e).unwrap();
                    live.retain(|&(owner, _)| owner != e);
                    owners[k] = (shim.create_env("again", vec![grant(o)]).unwrap(), o);
                    exits += 1;
                } else if live.len() > 6 && rng.below(3) == 0 {
                    let (e, id) = live.swap_remove(rng.below(live.len() as u64) as usize);
                    shim.remove(e, id).unwrap();
                } else {
                    let (e, o) = owners[rng.below(3) as usize];
                    let lo = 1 + o * 14 + rng.below(14) as u16;
                    let hi = (lo + rng.below(6) as u16).min(14 + o * 14);
                    let mut p = Grant::ports(17, host, lo, hi).to_pred();
                    if rng.below(3) == 0 {
                        p = Pred::and(p, src_port_is(1 + rng.below(4) as u16));
                    }
                    if let Ok(id) = shim.install(e, "f", p) {
                        live.push((e, id));
                    }
                }
                for f in &frames {
                    assert_eq!(
                        shim.classify(f),
                        shim.classify_reference(f),
                        "{backend:?} seed {seed} step {step}"
                    );
                }
            }
            assert_eq!(shim.stats().demux_rebuilds, 0);
            moves += shim.stats().demux_moves;
        }
    }
    assert!(
        moves > 0,
        "the runs never had to move a filter to make room"
    );
    assert!(exits > 0, "no owner ever exited");
}
