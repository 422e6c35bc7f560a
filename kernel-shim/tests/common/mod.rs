//! Helpers for tests that exchange frames with the Linux kernel: network namespaces and veth
//! pairs created for the test and always deleted (a Drop guard), and a tiny ARP/ICMP responder
//! written against the shim's API.

#![allow(dead_code)]

use std::process::Command;

/// Whether this test can create namespaces. In CI (`CI` set) a missing privilege is a failure,
/// not a skip: a silent pass would hide that the backend was never exercised.
pub fn privileged_or_skip(what: &str) -> bool {
    let root = unsafe { libc::geteuid() } == 0;
    let tun = std::path::Path::new("/dev/net/tun").exists();
    if root && tun {
        return true;
    }
    let why = format!("{what}: needs root and /dev/net/tun (root: {root}, /dev/net/tun: {tun})");
    if std::env::var_os("CI").is_some() {
        panic!("{why}; CI runs as root, so this is a broken environment");
    }
    eprintln!("SKIPPED {why}; run as root to exercise it");
    false
}

/// Runs a command, failing with its output when it fails.
pub fn run(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", args.join(" ")));
    assert!(
        out.status.success(),
        "{} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a command whose failure does not matter (cleanup, optional tuning).
pub fn run_quiet(args: &[&str]) {
    let _ = Command::new(args[0]).args(&args[1..]).output();
}

/// A namespace (and anything named in `links`) deleted on drop, even when the test panics.
pub struct NetNs {
    pub name: String,
    pub links: Vec<String>,
}

impl NetNs {
    pub fn new(tag: &str) -> NetNs {
        let name = format!("kshim-{}-{tag}", std::process::id());
        run_quiet(&["ip", "netns", "del", &name]);
        run(&["ip", "netns", "add", &name]);
        let ns = NetNs {
            name,
            links: vec![],
        };
        ns.exec(&["ip", "link", "set", "lo", "up"]);
        ns
    }

    /// Runs a command inside the namespace.
    pub fn exec(&self, args: &[&str]) {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(args);
        run(&full);
    }

    pub fn exec_quiet(&self, args: &[&str]) {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(args);
        run_quiet(&full);
    }

    /// Configures `ifname` (already inside the namespace) with `addr`, offloads off, up.
    pub fn configure(&self, ifname: &str, addr: &str) {
        self.exec_quiet(&[
            "sysctl",
            "-qw",
            &format!("net.ipv6.conf.{ifname}.disable_ipv6=1"),
        ]);
        self.exec(&["ip", "addr", "add", addr, "dev", ifname]);
        // The shim sees frames as they are on the wire: no segmentation or checksum offload.
        self.exec_quiet(&[
            "ethtool", "-K", ifname, "rx", "off", "tx", "off", "tso", "off", "gso", "off", "gro",
            "off",
        ]);
        self.exec(&["ip", "link", "set", ifname, "up"]);
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        for l in &self.links {
            run_quiet(&["ip", "link", "del", l]);
        }
        run_quiet(&["ip", "netns", "del", &self.name]);
    }
}

/// A short interface name unique to this process.
pub fn ifname(tag: &str) -> String {
    format!("ks{}{tag}", std::process::id() % 100_000)
}

pub const OUR_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];

fn csum(data: &[u8]) -> u16 {
    let mut s: u32 = 0;
    for c in data.chunks(2) {
        s += u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]) as u32;
    }
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// The reply our address owes to `f`: an ARP reply to a request for `ip`, or an ICMP echo
/// reply to an echo request to `ip`. `None` for anything else.
pub fn reply(f: &[u8], ip: [u8; 4]) -> Option<Vec<u8>> {
    if f.len() < 42 {
        return None;
    }
    let ethertype = u16::from_be_bytes([f[12], f[13]]);
    if ethertype == 0x0806 && f[20..22] == [0, 1] && f[38..42] == ip {
        let mut r = vec![0u8; 42];
        r[0..6].copy_from_slice(&f[22..28]);
        r[6..12].copy_from_slice(&OUR_MAC);
        r[12..14].copy_from_slice(&[0x08, 0x06]);
        r[14..20].copy_from_slice(&[0, 1, 8, 0, 6, 4]);
        r[20..22].copy_from_slice(&[0, 2]);
        r[22..28].copy_from_slice(&OUR_MAC);
        r[28..32].copy_from_slice(&ip);
        r[32..38].copy_from_slice(&f[22..28]);
        r[38..42].copy_from_slice(&f[28..32]);
        return Some(r);
    }
    let ihl = (f[14] & 0x0f) as usize * 4;
    if ethertype == 0x0800 && f[23] == 1 && f[30..34] == ip && f.len() >= 14 + ihl + 8 {
        let icmp = 14 + ihl;
        if f[icmp] != 8 {
            return None;
        }
        let total = (u16::from_be_bytes([f[16], f[17]]) as usize + 14).min(f.len());
        let mut r = f[..total].to_vec();
        r[0..6].copy_from_slice(&f[6..12]);
        r[6..12].copy_from_slice(&OUR_MAC);
        r[26..30].copy_from_slice(&f[30..34]);
        r[30..34].copy_from_slice(&f[26..30]);
        r[icmp] = 0;
        r[icmp + 2..icmp + 4].copy_from_slice(&[0, 0]);
        let c = csum(&r[icmp..]);
        r[icmp + 2..icmp + 4].copy_from_slice(&c.to_be_bytes());
        return Some(r);
    }
    None
}

/// An Ethernet/IPv4/UDP frame `src:sport -> dst:dport` with 18 bytes of payload.
pub fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[0..6].copy_from_slice(&OUR_MAC);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    f[14] = 0x45;
    f[16..18].copy_from_slice(&46u16.to_be_bytes());
    f[22] = 64;
    f[23] = 17;
    f[26..30].copy_from_slice(&src);
    f[30..34].copy_from_slice(&dst);
    f[34..36].copy_from_slice(&sport.to_be_bytes());
    f[36..38].copy_from_slice(&dport.to_be_bytes());
    f[38..40].copy_from_slice(&26u16.to_be_bytes());
    f
}
