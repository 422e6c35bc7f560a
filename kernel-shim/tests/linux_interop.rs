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

/// Serves ARP and ping for `ip` on `nic` while `ping -c 5` runs in `ns`; returns ping's
/// success and the number of replies the shim sent.
fn serve_ping(nic: Box<dyn Nic>, ns: &NetNs, ip: [u8; 4], peer: &str) -> (bool, usize) {
    let mut shim = Shim::new(Limits::default()).unwrap();
    let nic_idx = shim.add_nic(nic).unwrap();
    let addr = Ipv4Addr::from(ip);
    let grants = vec![Grant::arp(addr), Grant::ip(1, addr)];
    let env = shim.create_env("responder", grants.clone()).unwrap();
    for (i, g) in grants.iter().enumerate() {
        shim.install(env, &format!("g{i}"), g.to_pred()).unwrap();
    }
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
    (status.is_some_and(|s| s.success()), replies)
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
    let (ok, replies) = serve_ping(Box::new(sock), &ns, [192, 0, 2, 1], "192.0.2.1");
    assert!(
        ok,
        "Linux's ping got no replies ({replies} sent by the shim)"
    );
    assert!(
        replies >= 6,
        "1 ARP + 5 echo replies expected, sent {replies}"
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
    let (ok, replies) = serve_ping(Box::new(tap), &ns, [198, 51, 100, 1], "198.51.100.1");
    assert!(
        ok,
        "Linux's ping got no replies ({replies} sent by the shim)"
    );
    assert!(
        replies >= 6,
        "1 ARP + 5 echo replies expected, sent {replies}"
    );
}
