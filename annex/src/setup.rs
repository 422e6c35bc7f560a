//! Opens what `exo run`'s validated network options name: the NIC, and on `--nic sim` the
//! wire with its smoltcp far end. Failures name the option and the system's reason.

use crate::config::{NetSetup, NicSpec};
use crate::host::PduHost;
use crate::peer::SmolPeer;
use kernel_shim::nic::packet::PacketSocket;
use kernel_shim::nic::pcap::PcapReplay;
use kernel_shim::nic::sim::{Clock, SimWire, WireConfig};
use kernel_shim::nic::tap::Tap;
use kernel_shim::Nic;
use std::fmt;
use std::hash::Hash;

/// The UDP port the simulated far end echoes on (the classic echo service).
pub const PEER_ECHO_PORT: u16 = 7;

/// The far end's MAC on the simulated wire: locally administered, and never ours.
pub fn peer_mac(ours: [u8; 6]) -> [u8; 6] {
    let mut m = crate::config::DEFAULT_MAC;
    m[5] = 2;
    if m == ours {
        m[5] = 3;
    }
    m
}

/// Opens the NIC `setup` names (none: a host without a NIC).
pub fn open_host<O: Copy + Eq + Hash + fmt::Debug>(setup: &NetSetup) -> Result<PduHost<O>, String> {
    let mut peer = None;
    let nic: Option<Box<dyn Nic>> = match &setup.nic {
        None => None,
        Some(spec @ NicSpec::Tap(name)) => Some(Box::new(
            Tap::open(name).map_err(|e| format!("--nic {spec}: {e}"))?,
        )),
        Some(spec @ NicSpec::Packet(name)) => Some(Box::new(
            PacketSocket::open(name).map_err(|e| format!("--nic {spec}: {e}"))?,
        )),
        Some(spec @ NicSpec::Pcap(path)) => Some(Box::new(
            PcapReplay::open(path, false).map_err(|e| format!("--nic {spec}: {e}"))?,
        )),
        Some(NicSpec::Sim) => {
            let s = &setup.sim;
            let cfg = WireConfig {
                seed: s.seed,
                loss: s.loss,
                duplicate: s.dup,
                corrupt: s.corrupt,
                reorder: s.reorder,
                delay: s.delay,
                ..WireConfig::default()
            };
            let (ours, theirs) = SimWire::pair(cfg, Clock::real());
            if let Some(path) = &s.capture {
                ours.capture_to(path)
                    .map_err(|e| format!("--sim-capture {}: {e}", path.display()))?;
            }
            // `NetArgs::resolve` sets the peer whenever the NIC is the simulated wire.
            let Some(peer_ip) = s.peer else {
                return Err("--nic sim: needs --ip ADDR/LEN".into());
            };
            peer = Some(SmolPeer::new(
                theirs,
                peer_mac(setup.config.mac),
                peer_ip,
                setup.config.prefix_len,
                PEER_ECHO_PORT,
            ));
            Some(Box::new(ours))
        }
    };
    let mut host = PduHost::new(nic, setup.config.clone()).map_err(|e| format!("shim: {e}"))?;
    if let Some(p) = peer {
        host.add_peer(Box::new(p));
    }
    Ok(host)
}
