//! The PDU annex: the Erlang module `pdu`, backed by the kernel shim, through which Erlang
//! processes claim packets by filter and receive them as zero-copy binaries; and the `exo`
//! command's network options. [`host::PduHost`] holds the shim and the NIC and maps each owner
//! (an Erlang pid) to a shim environment, so two processes cannot claim each other's traffic;
//! [`config`] validates `--nic/--ip/--gw/--mac`; [`peer`] puts a smoltcp host or a pinger on
//! the far end of the simulated wire.
//!
//! ```
//! use annex::{config::NetConfig, host::PduHost};
//! use kernel_shim::nic::sim::{Clock, SimWire, WireConfig};
//! let (ours, _theirs) = SimWire::pair(WireConfig::default(), Clock::real());
//! let mut host: PduHost<u32> = PduHost::new(Some(Box::new(ours)), NetConfig::default()).unwrap();
//! let arp = host.open(1, "arp").unwrap();
//! // Another owner may not claim the same traffic; the refusal names the rule it overlaps.
//! let err = host.open(2, "arp or icmp").unwrap_err();
//! assert!(err.to_string().contains("\"arp\""));
//! host.send(arp, &[&[0xff; 6], &[0x02; 6], &[0x08, 0x06], &[0; 28]]).unwrap();
//! assert_eq!(host.stats().tx_copied_bytes, 42);
//! ```

pub mod bench;
pub mod config;
pub mod estone;
pub mod fuzz;
pub mod host;
pub mod natives;
pub mod peer;
pub mod run;
pub mod setup;
