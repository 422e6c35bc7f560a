//! What `exo run`'s network options mean, validated: the NIC to open, the addresses the Erlang
//! program sees through `pdu:config()`, and the simulated wire's faults.
//!
//! Every parser returns a message naming the option and the offending text, so a typo in a
//! command line is answered with what was expected rather than a panic or a silent default.

use std::fmt;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

/// The default MAC: locally administered (bit 1 of the first octet) and unicast (bit 0 clear),
/// so it can never collide with a vendor-assigned address. The middle octets spell "exo".
pub const DEFAULT_MAC: [u8; 6] = [0x02, 0x65, 0x78, 0x6f, 0x00, 0x01];

/// Largest frame the shim's pool holds; the MTU plus an Ethernet header and a VLAN tag must fit.
pub const MAX_FRAME: usize = 2048;
const ETH_OVERHEAD: usize = 18;

/// The interface as the Erlang program sees it (`pdu:config()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetConfig {
    pub mac: [u8; 6],
    pub ip: Option<Ipv4Addr>,
    pub prefix_len: u8,
    pub gw: Option<Ipv4Addr>,
    pub mtu: u16,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            mac: DEFAULT_MAC,
            ip: None,
            prefix_len: 0,
            gw: None,
            mtu: 1500,
        }
    }
}

impl NetConfig {
    /// Largest frame `pdu:send` accepts: the MTU plus an Ethernet header and one VLAN tag.
    pub fn max_frame(&self) -> usize {
        self.mtu as usize + ETH_OVERHEAD
    }
}

/// Which NIC backs the `pdu` module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NicSpec {
    /// A TAP device (`/dev/net/tun`), created if absent.
    Tap(String),
    /// AF_PACKET on an existing interface.
    Packet(String),
    /// Replay of a capture file (receive only).
    Pcap(PathBuf),
    /// A simulated wire whose far end is an in-process smoltcp host.
    Sim,
}

impl fmt::Display for NicSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NicSpec::Tap(n) => write!(f, "tap:{n}"),
            NicSpec::Packet(n) => write!(f, "packet:{n}"),
            NicSpec::Pcap(p) => write!(f, "pcap:{}", p.display()),
            NicSpec::Sim => write!(f, "sim"),
        }
    }
}

/// Faults of the simulated wire and its far end.
#[derive(Clone, Debug, PartialEq)]
pub struct SimOptions {
    pub loss: f64,
    pub reorder: f64,
    pub dup: f64,
    pub corrupt: f64,
    pub delay: Duration,
    pub seed: u64,
    /// The far end's address; by default the first host of `--ip`'s network other than ours.
    pub peer: Option<Ipv4Addr>,
    /// Write every frame the wire carries to this pcap.
    pub capture: Option<PathBuf>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            loss: 0.0,
            reorder: 0.0,
            dup: 0.0,
            corrupt: 0.0,
            delay: Duration::ZERO,
            seed: 1,
            peer: None,
            capture: None,
        }
    }
}

/// `tap:NAME`, `packet:IFACE`, `pcap:FILE` or `sim`.
pub fn parse_nic(s: &str) -> Result<NicSpec, String> {
    let ifname = |kind: &str, n: &str| -> Result<String, String> {
        // IFNAMSIZ is 16 including the terminating NUL.
        if n.is_empty() || n.len() > 15 || n.contains(['/', ' ', '\0']) {
            Err(format!(
                "--nic {kind}:{n}: an interface name is 1 to 15 characters without '/' or spaces"
            ))
        } else {
            Ok(n.to_string())
        }
    };
    match s.split_once(':') {
        Some(("tap", n)) => Ok(NicSpec::Tap(ifname("tap", n)?)),
        Some(("packet", n)) => Ok(NicSpec::Packet(ifname("packet", n)?)),
        Some(("pcap", "")) => Err("--nic pcap: expects a capture file, pcap:FILE".into()),
        Some(("pcap", p)) => Ok(NicSpec::Pcap(PathBuf::from(p))),
        None if s == "sim" => Ok(NicSpec::Sim),
        _ => Err(format!(
            "--nic {s:?}: expected tap:NAME, packet:IFACE, pcap:FILE or sim"
        )),
    }
}

/// `aa:bb:cc:dd:ee:ff` (or with `-`); a multicast address cannot be an interface's own.
pub fn parse_mac(s: &str) -> Result<[u8; 6], String> {
    let bad = || format!("--mac {s:?}: expected six hex octets, e.g. 02:00:00:00:00:01");
    let parts: Vec<&str> = s.split([':', '-']).collect();
    if parts.len() != 6 {
        return Err(bad());
    }
    let mut mac = [0u8; 6];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 {
            return Err(bad());
        }
        mac[i] = u8::from_str_radix(p, 16).map_err(|_| bad())?;
    }
    if mac[0] & 1 != 0 {
        return Err(format!(
            "--mac {s}: a multicast address (low bit of the first octet set) cannot be an interface's address"
        ));
    }
    if mac == [0; 6] {
        return Err(format!("--mac {s}: the all-zero address is not usable"));
    }
    Ok(mac)
}

/// `ADDR/LEN` with LEN 0 to 32.
pub fn parse_cidr(s: &str) -> Result<(Ipv4Addr, u8), String> {
    let Some((a, l)) = s.split_once('/') else {
        return Err(format!("--ip {s:?}: expected ADDR/LEN, e.g. 192.0.2.1/24"));
    };
    let ip: Ipv4Addr = a
        .parse()
        .map_err(|_| format!("--ip {s:?}: {a:?} is not an IPv4 address"))?;
    let len: u8 = l
        .parse()
        .ok()
        .filter(|&n| n <= 32)
        .ok_or_else(|| format!("--ip {s:?}: prefix length {l:?} is not 0 to 32"))?;
    if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() {
        return Err(format!("--ip {s}: {ip} cannot be an interface's address"));
    }
    Ok((ip, len))
}

fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len)
    }
}

/// Is `b` on `a`'s network of prefix `len`?
pub fn same_subnet(a: Ipv4Addr, b: Ipv4Addr, len: u8) -> bool {
    (u32::from(a) & mask(len)) == (u32::from(b) & mask(len))
}

/// A probability option (`--loss 0.1`).
pub fn parse_prob(opt: &str, s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("--{opt} {s:?}: expected a probability from 0 to 1")),
    }
}

/// The raw option values as the command line gave them (all optional), checked by
/// [`NetArgs::resolve`].
#[derive(Clone, Debug, Default, clap::Args)]
pub struct NetArgs {
    /// The NIC backing the pdu module: tap:NAME, packet:IFACE, pcap:FILE or sim.
    #[arg(long)]
    pub nic: Option<String>,
    /// Our address and prefix length, e.g. 192.0.2.1/24 (pdu:config()).
    #[arg(long)]
    pub ip: Option<String>,
    /// Default gateway, on --ip's network.
    #[arg(long)]
    pub gw: Option<String>,
    /// Our MAC (default 02:65:78:6f:00:01, locally administered).
    #[arg(long)]
    pub mac: Option<String>,
    /// MTU (default 1500).
    #[arg(long)]
    pub mtu: Option<u32>,
    /// --nic sim: probability a frame is lost.
    #[arg(long)]
    pub loss: Option<String>,
    /// --nic sim: probability a frame is held back behind the next one.
    #[arg(long)]
    pub reorder: Option<String>,
    /// --nic sim: probability a frame is duplicated.
    #[arg(long)]
    pub dup: Option<String>,
    /// --nic sim: probability one bit of a frame is flipped.
    #[arg(long)]
    pub corrupt: Option<String>,
    /// --nic sim: one-way delay in milliseconds.
    #[arg(long)]
    pub delay_ms: Option<u64>,
    /// --nic sim: seed of the wire's faults.
    #[arg(long)]
    pub seed: Option<u64>,
    /// --nic sim: the far end's (smoltcp) address (default: the first other host of --ip's network).
    #[arg(long)]
    pub peer: Option<String>,
    /// --nic sim: write every frame the wire delivers to this pcap.
    #[arg(long = "sim-capture")]
    pub capture: Option<PathBuf>,
}

/// Validated network options.
#[derive(Clone, Debug, PartialEq)]
pub struct NetSetup {
    pub nic: Option<NicSpec>,
    pub config: NetConfig,
    pub sim: SimOptions,
}

impl NetArgs {
    /// Checks every option and how they fit together.
    pub fn resolve(&self) -> Result<NetSetup, String> {
        let nic = self.nic.as_deref().map(parse_nic).transpose()?;
        let mut config = NetConfig::default();
        if let Some(m) = &self.mac {
            config.mac = parse_mac(m)?;
        }
        if let Some(s) = &self.ip {
            let (ip, len) = parse_cidr(s)?;
            config.ip = Some(ip);
            config.prefix_len = len;
        }
        if let Some(g) = &self.gw {
            let gw: Ipv4Addr = g
                .parse()
                .map_err(|_| format!("--gw {g:?}: not an IPv4 address"))?;
            let Some(ip) = config.ip else {
                return Err(format!(
                    "--gw {g}: needs --ip ADDR/LEN to know the local network"
                ));
            };
            if !same_subnet(ip, gw, config.prefix_len) || gw == ip {
                return Err(format!(
                    "--gw {gw}: not another host on {ip}/{}",
                    config.prefix_len
                ));
            }
            config.gw = Some(gw);
        }
        if let Some(m) = self.mtu {
            if !(68..=(MAX_FRAME - ETH_OVERHEAD) as u32).contains(&m) {
                return Err(format!(
                    "--mtu {m}: must be 68 to {} (frames are at most {MAX_FRAME} bytes)",
                    MAX_FRAME - ETH_OVERHEAD
                ));
            }
            config.mtu = m as u16;
        }
        let mut sim = SimOptions::default();
        let sim_only: [(&str, bool); 8] = [
            ("loss", self.loss.is_some()),
            ("reorder", self.reorder.is_some()),
            ("dup", self.dup.is_some()),
            ("corrupt", self.corrupt.is_some()),
            ("delay-ms", self.delay_ms.is_some()),
            ("seed", self.seed.is_some()),
            ("peer", self.peer.is_some()),
            ("sim-capture", self.capture.is_some()),
        ];
        if nic != Some(NicSpec::Sim) {
            if let Some((opt, _)) = sim_only.iter().find(|(_, given)| *given) {
                return Err(format!("--{opt} only applies to --nic sim"));
            }
        }
        if let Some(s) = &self.loss {
            sim.loss = parse_prob("loss", s)?;
        }
        if let Some(s) = &self.reorder {
            sim.reorder = parse_prob("reorder", s)?;
        }
        if let Some(s) = &self.dup {
            sim.dup = parse_prob("dup", s)?;
        }
        if let Some(s) = &self.corrupt {
            sim.corrupt = parse_prob("corrupt", s)?;
        }
        if let Some(d) = self.delay_ms {
            if d > 60_000 {
                return Err(format!("--delay-ms {d}: at most 60000"));
            }
            sim.delay = Duration::from_millis(d);
        }
        if let Some(s) = self.seed {
            sim.seed = s;
        }
        sim.capture = self.capture.clone();
        if nic == Some(NicSpec::Sim) {
            let Some(ip) = config.ip else {
                return Err(
                    "--nic sim: needs --ip ADDR/LEN (the far end lives on that network)".into(),
                );
            };
            let peer = match &self.peer {
                Some(p) => {
                    let peer: Ipv4Addr = p
                        .parse()
                        .map_err(|_| format!("--peer {p:?}: not an IPv4 address"))?;
                    if peer == ip || !same_subnet(ip, peer, config.prefix_len) {
                        return Err(format!(
                            "--peer {peer}: not another host on {ip}/{}",
                            config.prefix_len
                        ));
                    }
                    peer
                }
                None => default_peer(ip, config.prefix_len).ok_or_else(|| {
                    format!(
                        "--ip {ip}/{}: no room for a peer on that network; give a shorter prefix",
                        config.prefix_len
                    )
                })?,
            };
            sim.peer = Some(peer);
        }
        Ok(NetSetup { nic, config, sim })
    }
}

/// The first host address of `ip`'s network that is not `ip` (the network and broadcast
/// addresses excluded when the prefix leaves room for them).
pub fn default_peer(ip: Ipv4Addr, len: u8) -> Option<Ipv4Addr> {
    if len >= 31 {
        if len == 32 {
            return None;
        }
        return Some(Ipv4Addr::from(u32::from(ip) ^ 1));
    }
    let net = u32::from(ip) & mask(len);
    let first = net + 1;
    let cand = if first == u32::from(ip) {
        first + 1
    } else {
        first
    };
    let bcast = net | !mask(len);
    (cand < bcast).then(|| Ipv4Addr::from(cand))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nic_specs_parse_and_bad_ones_say_what_was_expected() {
        assert_eq!(parse_nic("tap:exo0"), Ok(NicSpec::Tap("exo0".into())));
        assert_eq!(parse_nic("packet:eth0"), Ok(NicSpec::Packet("eth0".into())));
        assert_eq!(
            parse_nic("pcap:a/b.pcap"),
            Ok(NicSpec::Pcap(PathBuf::from("a/b.pcap")))
        );
        assert_eq!(parse_nic("sim"), Ok(NicSpec::Sim));
        let e = parse_nic("tun:x").unwrap_err();
        assert!(e.contains("expected tap:NAME"), "{e}");
        let e = parse_nic("tap:").unwrap_err();
        assert!(e.contains("1 to 15 characters"), "{e}");
        assert!(parse_nic("tap:sixteen-chars-xy").is_err());
        assert!(parse_nic("pcap:").unwrap_err().contains("pcap:FILE"));
    }

    #[test]
    fn macs_parse_and_multicast_is_refused() {
        assert_eq!(parse_mac("02:00:00:00:00:01"), Ok([2, 0, 0, 0, 0, 1]));
        assert_eq!(
            parse_mac("0a-1B-2c-3d-4e-5f"),
            Ok([0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f])
        );
        assert!(parse_mac("01:00:5e:00:00:01")
            .unwrap_err()
            .contains("multicast"));
        assert!(parse_mac("02:00:00:00:00").is_err());
        assert!(parse_mac("02:00:00:00:00:100").is_err());
        assert!(parse_mac("02:00:00:00:00:zz").is_err());
        assert!(parse_mac("00:00:00:00:00:00").is_err());
        // The default is locally administered and unicast.
        assert_eq!(DEFAULT_MAC[0] & 0b11, 0b10);
    }

    #[test]
    fn cidr_and_gateway_are_checked_against_each_other() {
        assert_eq!(
            parse_cidr("192.0.2.1/24"),
            Ok((Ipv4Addr::new(192, 0, 2, 1), 24))
        );
        assert!(parse_cidr("192.0.2.1").unwrap_err().contains("ADDR/LEN"));
        assert!(parse_cidr("192.0.2.1/33").unwrap_err().contains("0 to 32"));
        assert!(parse_cidr("192.0.2.300/24").is_err());
        assert!(parse_cidr("224.0.0.1/24").is_err());
        let args = |ip: &str, gw: &str| NetArgs {
            ip: Some(ip.into()),
            gw: Some(gw.into()),
            ..Default::default()
        };
        let ok = args("192.0.2.1/24", "192.0.2.254").resolve().unwrap();
        assert_eq!(ok.config.gw, Some(Ipv4Addr::new(192, 0, 2, 254)));
        assert_eq!(ok.config.prefix_len, 24);
        assert!(args("192.0.2.1/24", "198.51.100.1")
            .resolve()
            .unwrap_err()
            .contains("not another host"));
        let no_ip = NetArgs {
            gw: Some("192.0.2.254".into()),
            ..Default::default()
        };
        assert!(no_ip.resolve().unwrap_err().contains("needs --ip"));
    }

    #[test]
    fn sim_options_need_the_sim_and_valid_probabilities() {
        let a = NetArgs {
            nic: Some("tap:x".into()),
            loss: Some("0.1".into()),
            ..Default::default()
        };
        assert_eq!(a.resolve().unwrap_err(), "--loss only applies to --nic sim");
        let a = NetArgs {
            nic: Some("sim".into()),
            ip: Some("192.0.2.1/24".into()),
            loss: Some("1.5".into()),
            ..Default::default()
        };
        assert!(a.resolve().unwrap_err().contains("--loss \"1.5\""));
        let a = NetArgs {
            nic: Some("sim".into()),
            ip: Some("192.0.2.1/24".into()),
            loss: Some("0.1".into()),
            reorder: Some("0.2".into()),
            seed: Some(7),
            ..Default::default()
        };
        let s = a.resolve().unwrap();
        assert_eq!(s.sim.loss, 0.1);
        assert_eq!(s.sim.reorder, 0.2);
        assert_eq!(s.sim.seed, 7);
        assert_eq!(s.sim.peer, Some(Ipv4Addr::new(192, 0, 2, 2)));
        let no_ip = NetArgs {
            nic: Some("sim".into()),
            ..Default::default()
        };
        assert!(no_ip.resolve().unwrap_err().contains("needs --ip"));
    }

    #[test]
    fn default_peer_avoids_our_address_and_the_edges() {
        let a = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        assert_eq!(default_peer(a("192.0.2.2"), 24), Some(a("192.0.2.1")));
        assert_eq!(default_peer(a("192.0.2.1"), 24), Some(a("192.0.2.2")));
        assert_eq!(default_peer(a("192.0.2.1"), 31), Some(a("192.0.2.0")));
        assert_eq!(default_peer(a("192.0.2.1"), 32), None);
        assert_eq!(default_peer(a("192.0.2.1"), 30), Some(a("192.0.2.2")));
    }

    #[test]
    fn mtu_is_bounded_by_the_pool_frame() {
        let a = NetArgs {
            mtu: Some(9000),
            ..Default::default()
        };
        assert!(a.resolve().unwrap_err().contains("--mtu 9000"));
        let a = NetArgs {
            mtu: Some(1400),
            ..Default::default()
        };
        assert_eq!(a.resolve().unwrap().config.max_frame(), 1418);
    }
}
