//! The TAP and AF_PACKET backends exchanging real frames with the Linux kernel: a namespace
//! pings our address, the shim's run loop (epoll on the NIC) wakes the responder environment,
//! which answers ARP and ICMP. Every loop is bounded in count and time; everything created is
//! deleted even on failure.

mod common;

use common::*;
use kernel_shim::caps::Grant;
use kernel_shim::nic::{packet::PacketSocket, tap::Tap};
use kernel_shim::wake::WPred;
use kernel_shim::{Limits, Nic, Shim};
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The UDP port the hoarding environment claims, and how many datagrams Linux sends it.
const HOARD_PORT: u16 = 9;
const HOARD_SENT: usize = 20;
/// Every environment's frame quota in the hoarding test.
const QUOTA: u32 = 4;

/// What happened to the environment that keeps every frame it receives.
struct Hoard {
    counters: kernel_shim::EnvCounters,
    held: u32,
}

/// Serves ARP and ping for `ip` on `nic` while `ping -c 5` runs in `ns`; returns ping's
/// success and the number of replies the shim sent. With `hoard`, a second environment owns
/// UDP port [`HOARD_PORT`], receives the datagrams Linux sends it meanwhile and never releases
/// them; every environment's quota is [`QUOTA`] frames.
fn serve_ping(
    nic: Box<dyn Nic>,
    ns: &NetNs,
    ip: [u8; 4],
    peer: &str,
    hoard: bool,
) -> (bool, usize, Option<Hoard>) {
    let limits = if hoard {
        Limits {
            frame_quota: QUOTA,
            ..Limits::default()
        }
    } else {
        Limits::default()
    };
    let mut shim = Shim::new(limits).unwrap();
    let nic_idx = shim.add_nic(nic).unwrap();
    let addr = Ipv4Addr::from(ip);
    let grants = vec![Grant::arp(addr), Grant::ip(1, addr)];
    let env = shim.create_env("responder", grants.clone()).unwrap();
    for (i, g) in grants.iter().enumerate() {
        shim.install(env, &format!("g{i}"), g.to_pred()).unwrap();
    }
    let hoarder = hoard.then(|| {
        let g = Grant::ports(17, addr, HOARD_PORT, HOARD_PORT);
        let h = shim.create_env("hoarder", vec![g.clone()]).unwrap();
        shim.install(h, "discard", g.to_pred()).unwrap();
        h
    });
    let mut hoarded = Vec::new();
    let mut blast = hoard.then(|| {
        let script = format!(
            "for i in $(seq {HOARD_SENT}); do echo x > /dev/udp/{peer}/{HOARD_PORT}; sleep 0.05; done"
        );
        Command::new("ip")
            .args(["netns", "exec", &ns.name, "bash", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    });
    let wake = shim.prepare(env, &WPred::ring_advanced(0)).unwrap();
    shim.arm(env, &wake, [0; 4]).unwrap();

    let mut ping = Command::new("ip")
        .args([
            "netns", "exec", &ns.name, "ping", "-c", "5", "-i", "0.2", "-W", "2",
        ])
        .arg(peer)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut replies = 0;
    let mut ready = Vec::new();
    let status = loop {
        if let Some(st) = ping.try_wait().unwrap() {
            break Some(st);
        }
        if Instant::now() > deadline {
            let _ = ping.kill();
            let _ = ping.wait();
            break None;
        }
        ready.clear();
        shim.poll(Some(Duration::from_millis(100)), &mut ready)
            .unwrap();
        if let Some(h) = hoarder {
            while let Some(f) = shim.recv(h) {
                hoarded.push(f);
            }
        }
        if ready.contains(&env) {
            let mut out = Vec::new();
            while let Some(f) = shim.recv(env) {
                if let Some(r) = reply(f.data(), ip) {
                    out.push(shim.pool().alloc_copy(&r, 0).unwrap());
                }
            }
            replies += out.len();
            shim.send(nic_idx, &out).unwrap();
            let seen = shim.window(env).unwrap()[0];
            shim.arm(env, &wake, [seen, 0, 0, 0]).unwrap();
        }
    };
    if let Some(b) = blast.as_mut() {
        let until = Instant::now() + Duration::from_secs(5);
        while b.try_wait().unwrap().is_none() && Instant::now() < until {
            ready.clear();
            shim.poll(Some(Duration::from_millis(50)), &mut ready)
                .unwrap();
        }
        let _ = b.kill();
        let _ = b.wait();
        shim.poll(Some(Duration::from_millis(50)), &mut ready)
            .unwrap();
    }
    let hoard = hoarder.map(|h| {
        while let Some(f) = shim.recv(h) {
            hoarded.push(f);
        }
        Hoard {
            counters: shim.counters(h).unwrap(),
            held: shim.pool().account_held(h.slot()),
        }
    });
    (status.is_some_and(|s| s.success()), replies, hoard)
}

#[test]
fn af_packet_ring_answers_linux_ping_through_a_veth() {
    if !privileged_or_skip("AF_PACKET interop") {
        return;
    }
    let mut ns = NetNs::new("pkt");
    let (outside, inside) = (ifname("pa"), ifname("pb"));
    run_quiet(&["ip", "link", "del", &outside]);
    run(&[
        "ip", "link", "add", &outside, "type", "veth", "peer", "name", &inside,
    ]);
    ns.links.push(outside.clone());
    run(&["ip", "link", "set", &inside, "netns", &ns.name]);
    run_quiet(&[
        "sysctl",
        "-qw",
        &format!("net.ipv6.conf.{outside}.disable_ipv6=1"),
    ]);
    run_quiet(&[
        "ethtool", "-K", &outside, "rx", "off", "tx", "off", "tso", "off", "gso", "off", "gro",
        "off",
    ]);
    run(&["ip", "link", "set", &outside, "up"]);
    ns.configure(&inside, "192.0.2.2/24");

    let sock = PacketSocket::open(&outside).unwrap();
    let (ok, replies, _) = serve_ping(Box::new(sock), &ns, [192, 0, 2, 1], "192.0.2.1", false);
    assert!(
        ok,
        "Linux's ping got no replies ({replies} sent by the shim)"
    );
    assert!(
        replies >= 6,
        "1 ARP + 5 echo replies expected, sent {replies}"
    );
}

/// Frames pointing into the AF_PACKET ring count against quotas like pool frames: an owner
/// that keeps every frame is cut off at its quota, and the responder beside it keeps
/// answering Linux's pings.
#[test]
fn af_packet_hoarder_is_cut_off_at_its_quota() {
    if !privileged_or_skip("AF_PACKET quota") {
        return;
    }
    let mut ns = NetNs::new("pq");
    let (outside, inside) = (ifname("qa"), ifname("qb"));
    run_quiet(&["ip", "link", "del", &outside]);
    run(&[
        "ip", "link", "add", &outside, "type", "veth", "peer", "name", &inside,
    ]);
    ns.links.push(outside.clone());
    run(&["ip", "link", "set", &inside, "netns", &ns.name]);
    run_quiet(&[
        "sysctl",
        "-qw",
        &format!("net.ipv6.conf.{outside}.disable_ipv6=1"),
    ]);
    run_quiet(&[
        "ethtool", "-K", &outside, "rx", "off", "tx", "off", "tso", "off", "gso", "off", "gro",
        "off",
    ]);
    run(&["ip", "link", "set", &outside, "up"]);
    ns.configure(&inside, "203.0.113.2/24");

    let sock = PacketSocket::open(&outside).unwrap();
    let (ok, replies, hoard) =
        serve_ping(Box::new(sock), &ns, [203, 0, 113, 1], "203.0.113.1", true);
    let h = hoard.unwrap();
    assert!(
        ok,
        "the neighbour of a hoarder stopped answering ({replies} replies sent)"
    );
    assert!(
        replies >= 6,
        "1 ARP + 5 echo replies expected, sent {replies}"
    );
    assert_eq!(
        h.counters.received, QUOTA as u64,
        "the hoarder gets exactly its quota of ring frames: {:?}",
        h.counters
    );
    assert_eq!(h.held, QUOTA, "its held ring frames are charged to it");
    assert!(
        h.counters.dropped_no_frame as usize >= HOARD_SENT / 2,
        "the rest of its {HOARD_SENT} datagrams are dropped and counted: {:?}",
        h.counters
    );
}

#[test]
fn tap_device_answers_linux_ping() {
    if !privileged_or_skip("TAP interop") {
        return;
    }
    let ns = NetNs::new("tap");
    let name = ifname("t");
    let tap = Tap::open(&name).unwrap();
    // The device moves into the namespace; our descriptor stays attached to it.
    run(&["ip", "link", "set", &name, "netns", &ns.name]);
    ns.configure(&name, "198.51.100.2/24");
    let (ok, replies, _) = serve_ping(Box::new(tap), &ns, [198, 51, 100, 1], "198.51.100.1", false);
    assert!(
        ok,
        "Linux's ping got no replies ({replies} sent by the shim)"
    );
    assert!(
        replies >= 6,
        "1 ARP + 5 echo replies expected, sent {replies}"
    );
}
