//! The Erlang protocol stack on our VM against the Linux kernel's own stack, through a TAP
//! device (root; in CI a missing privilege fails, elsewhere it prints SKIPPED).
//!
//! `exo run --nic tap:NAME` creates the TAP in the root namespace and keeps its descriptor; the
//! test then moves the device into a namespace it created and configures it (192.0.2.1/24,
//! offloads off). The descriptor stays attached to the device wherever it lives, so our process
//! needs no `setns` and the Linux side is all inside the namespace. Every command is bounded
//! by `timeout`; the namespace and the `exo` processes go on drop, even on failure (the TAP
//! disappears with the process that created it).

mod common;

use common::*;
use std::net::UdpSocket;
use std::time::Duration;

const LINUX_IP: &str = "192.0.2.1";
const STACK_IP: &str = "192.0.2.2";
const STACK_MAC: &str = "02:65:78:6f:00:01";

fn start_stack(ns: &NetNs, tap: &str, call: &str, extra: &[&str], ready: &str) -> Exo {
    let files = stack_files(extra);
    let mut exo = Exo::start(
        &files,
        &[
            "--call",
            call,
            "--nic",
            &format!("tap:{tap}"),
            "--ip",
            &format!("{STACK_IP}/24"),
            "--gw",
            LINUX_IP,
        ],
    );
    assert!(
        exo.wait_line(ready, Duration::from_secs(30)).is_some(),
        "exo never printed {ready:?}: {:?}",
        exo.seen
    );
    ns.adopt(tap, &format!("{LINUX_IP}/24"));
    exo
}

#[test]
fn linux_pings_arps_and_echoes_udp_through_the_erlang_stack() {
    if !privileged_or_skip("Linux interop over TAP") {
        return;
    }
    let ns = NetNs::new("serve");
    let tap = ifname("s");
    let mut exo = start_stack(&ns, &tap, "serve:main", &[], "serve: ready");

    // Linux pings the Erlang stack: 20 requests, 20 replies.
    let out = ns.output(&["ping", "-c", "20", "-i", "0.2", "-W", "2", STACK_IP], 30);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("20 packets transmitted, 20 received"),
        "ping: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Linux resolved the stack's MAC by ARP.
    let neigh = ns.exec(&["ip", "neigh", "show", STACK_IP, "dev", &tap]);
    assert!(
        neigh.contains(&format!("lladdr {STACK_MAC}")),
        "Linux's neighbour table: {neigh:?}"
    );

    // nc -u round-trips through the Erlang UDP echo server on port 7.
    let out = ns.output(
        &[
            "sh",
            "-c",
            &format!("echo hello-from-linux | nc -u -w 2 {STACK_IP} 7"),
        ],
        10,
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello-from-linux\n",
        "nc -u: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A 60,000-byte datagram: Linux fragments it (41 fragments at MTU 1500), the stack
    // reassembles it, echoes it, fragmenting in turn, and Linux reassembles the reply.
    let sent: Vec<u8> = (0..60_000u32).map(|i| (i * 31 + i / 256) as u8).collect();
    let got = ns.within(|| {
        let s = UdpSocket::bind((LINUX_IP, 0)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.send_to(&sent, (STACK_IP, 7)).unwrap();
        let mut buf = vec![0u8; 65_536];
        let (n, from) = s
            .recv_from(&mut buf)
            .expect("echo of the 60,000-byte datagram");
        assert_eq!(from.to_string(), format!("{STACK_IP}:7"));
        buf.truncate(n);
        buf
    });
    assert_eq!(got.len(), sent.len());
    assert!(got == sent, "the echoed datagram differs");
    drop(exo.seen.drain(..));
}

#[test]
fn the_erlang_stack_resolves_and_pings_linux() {
    if !privileged_or_skip("Linux interop over TAP") {
        return;
    }
    let ns = NetNs::new("ping");
    let tap = ifname("p");
    let mut exo = start_stack(
        &ns,
        &tap,
        "interop:ping_gw",
        &["interop.erl"],
        "interop: started",
    );
    let line = exo
        .wait_line("interop: gw_mac=", Duration::from_secs(60))
        .unwrap_or_else(|| panic!("no result from the Erlang ping: {:?}", exo.seen));
    let linux_mac = ns.exec(&["cat", &format!("/sys/class/net/{tap}/address")]);
    assert_eq!(
        line,
        format!("interop: gw_mac={} ping 20/20", linux_mac.trim()),
        "the stack must resolve Linux's MAC by ARP, then get 20 replies"
    );
    // Linux learned the stack's address from its ARP request.
    let neigh = ns.exec(&["ip", "neigh", "show", STACK_IP, "dev", &tap]);
    assert!(
        neigh.contains(&format!("lladdr {STACK_MAC}")),
        "Linux's neighbour table: {neigh:?}"
    );
}

#[test]
fn linux_pings_the_erlang_stack_over_af_packet_on_a_veth() {
    if !privileged_or_skip("Linux interop over AF_PACKET") {
        return;
    }
    // The veth's outer end stays in the root namespace, whose kernel answers ARP for its own
    // addresses on any interface (arp_ignore 0): this test uses a network no root-namespace
    // interface holds (the TAP tests' 192.0.2.0/24 may be a real address here), and tells the
    // root kernel to answer no ARP on that end at all.
    let (linux_ip, stack_ip) = ("198.51.100.1", "198.51.100.2");
    let ns = NetNs::new("veth");
    let (outside, inside) = (ifname("o"), ifname("i"));
    run_quiet(&["ip", "link", "del", &outside]);
    run(&[
        "ip", "link", "add", &outside, "type", "veth", "peer", "name", &inside,
    ]);
    // Deleted with the namespace (its peer goes too), or here if the test fails before.
    let _guard = LinkGuard(outside.clone());
    ns.adopt(&inside, &format!("{linux_ip}/24"));
    run_quiet(&[
        "sysctl",
        "-qw",
        &format!("net.ipv6.conf.{outside}.disable_ipv6=1"),
    ]);
    run(&[
        "sysctl",
        "-qw",
        &format!("net.ipv4.conf.{outside}.arp_ignore=8"),
    ]);
    run_quiet(&[
        "ethtool", "-K", &outside, "rx", "off", "tx", "off", "tso", "off", "gso", "off", "gro",
        "off",
    ]);
    run(&["ip", "link", "set", &outside, "up"]);
    let files = stack_files(&[]);
    let mut exo = Exo::start(
        &files,
        &[
            "--call",
            "serve:main",
            "--nic",
            &format!("packet:{outside}"),
            "--ip",
            &format!("{stack_ip}/24"),
        ],
    );
    assert!(
        exo.wait_line("serve: ready", Duration::from_secs(30))
            .is_some(),
        "{:?}",
        exo.seen
    );
    let out = ns.output(&["ping", "-c", "5", "-i", "0.2", "-W", "2", stack_ip], 20);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("5 packets transmitted, 5 received"),
        "ping: {text}"
    );
    let neigh = ns.exec(&["ip", "neigh", "show", stack_ip, "dev", &inside]);
    assert!(
        neigh.contains(&format!("lladdr {STACK_MAC}")),
        "Linux's neighbour table: {neigh:?}"
    );
}

/// Deletes a link on drop (a veth created in the root namespace).
struct LinkGuard(String);

impl Drop for LinkGuard {
    fn drop(&mut self) {
        run_quiet(&["ip", "link", "del", &self.0]);
    }
}
