//! Capture files in and out: streaming pcap and pcapng readers and writers.
//!
//! Readers hold one record at a time (a reused buffer), so a multi-gigabyte trace streams in
//! constant memory; a regular file can instead be mapped ([`Mapping`]) and its pcap records
//! read in place ([`PcapSlice`]), by the same rules. Every error names the byte offset and the
//! packet number where the file broke, so a truncated capture is reported precisely and the
//! packets before it stay usable.
//!
//! Why not the `pcap-file` crate's readers: version 2.0 rejects every record whose original
//! length exceeds the snap length (the normal case in a snaplen-truncated capture), ignores the
//! pcapng `if_tsresol` option (it reads every timestamp as nanoseconds), and exposes neither the
//! byte offset of an error nor the pcap header's FCS bits. The formats are small; owning the
//! parser lets us follow libpcap's reading rules, which `tcpdump -r` users see.

mod error;
mod input;
mod mmap;
mod pcap;
mod pcap_slice;
mod pcapng;
mod reader;
mod writer;

pub use error::CaptureError;
pub use mmap::Mapping;
pub use pcap_slice::{PcapSlice, Record};
pub use reader::{CaptureReader, Format, Interface, Packet, Timestamp};
pub use writer::{OutputFormat, PacketWriter};
