//! Dynamic packet filters: the pcap-filter language (what tcpdump users type), many named rules
//! merged into one decision graph, a reference interpreter and a Cranelift JIT.
//!
//! The pipeline runs one way: text ([`lang`]) -> AST -> IR ([`ir::Pred`], by [`lower`]) ->
//! merged decision graph -> native code. Verdicts equal libpcap's, packet for packet.
//!
//! ```
//! use dpf::{compile, ir::Packet, LinkType};
//! let f = compile("ether proto 0x0806", LinkType::ETHERNET).unwrap();
//! let mut frame = [0u8; 60];
//! frame[12] = 0x08;
//! frame[13] = 0x06;
//! assert!(f.matches(&Packet::new(&frame, 60)));
//! ```

pub mod alloc;
pub mod capture;
pub mod cli;
pub mod demux;
pub mod fuzz;
pub mod ir;
pub mod lang;
pub mod linktype;
pub mod lower;
pub mod optimize;
pub mod rulecache;
pub mod rules;

pub use demux::{Demux, Linear};
pub use lang::FilterError;
pub use linktype::LinkType;

/// Parses and lowers one pcap-filter expression for captures of link type `link`.
pub fn compile(expr: &str, link: LinkType) -> Result<ir::Pred, FilterError> {
    let ast = lang::parse(expr)?;
    lower::lower(&ast, link)
}
pub mod gen;
pub mod graph;
pub mod jit;
pub mod query;

pub use graph::Graph;
pub use jit::JitGraph;
