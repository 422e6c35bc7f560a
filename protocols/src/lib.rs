//! Ethernet, ARP, IPv4, ICMP and UDP written in Erlang (`protocols/erl/`), run on OTP and on
//! our VM, and the Rust side that finds them and tests them. The Erlang modules are the
//! product: pure parse/build functions per protocol, one `netstack` process tying them
//! together over a link module (`pdu` on a real NIC, `fake_link` in tests), a ping client and
//! a UDP echo server. `docs/protocols.md` says how to start a stack and lists its config keys.
//!
//! ```
//! let files = protocols::stack_sources();
//! assert!(files.iter().any(|p| p.ends_with("netstack.erl")));
//! ```

use std::path::{Path, PathBuf};

/// `protocols/erl`, where the stack's modules live.
pub fn erl_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("erl")
}

/// Every module of the stack (`protocols/erl/*.erl`, not the test modules), sorted: the file
/// list to hand to `vm::run_files` or `exo run` together with a program's own files.
pub fn stack_sources() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(erl_dir())
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "erl"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
