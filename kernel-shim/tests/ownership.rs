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
