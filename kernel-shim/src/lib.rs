//! A minimal exokernel in user space. It owns the NICs (a pcap file, a TAP device, an AF_PACKET
//! socket, a simulated lossy wire), keeps frames in a pool of reference-counted buffers, and
//! multiplexes traffic between *environments* (library operating systems: a VM instance, a Rust
//! consumer). Each environment claims traffic with dpf filters; the shim checks every filter
//! against the environment's capabilities and against other owners' filters, so no one can claim
//! another's packets. Environments sleep on wake-up predicates over words they expose, compiled
//! once per shape and re-armed by parameter; when no one can run, the run loop sleeps in epoll.
//!
//! ```
//! use kernel_shim::{caps::Grant, Limits, Shim};
//! use std::net::Ipv4Addr;
//! let mut shim = Shim::new(Limits::default()).unwrap();
//! let me = Ipv4Addr::new(192, 0, 2, 1);
//! let web = shim.create_env("web", vec![Grant::ports(6, me, 80, 80)]).unwrap();
//! let other = shim.create_env("other", vec![Grant::ports(6, me, 1, 1000)]).unwrap();
//! shim.install(web, "http", Grant::ports(6, me, 80, 80).to_pred()).unwrap();
//! // The second owner may not claim port 80 too, though its capabilities cover it.
//! let err = shim.install(other, "all", Grant::ports(6, me, 1, 1000).to_pred()).unwrap_err();
//! assert!(err.to_string().contains("\"http\""));
//! ```

pub mod bench;
pub mod bridge;
pub mod caps;
pub mod env;
pub mod frame;
pub mod fuzz;
pub mod nic;
mod rng;
pub mod shim;
pub mod wake;

pub use env::{EnvCounters, EnvId};
pub use frame::{Frame, FrameMut, FramePool};
pub use nic::Nic;
pub use shim::{FilterId, Limits, Refusal, SendOutcome, Shim, ShimStats};
