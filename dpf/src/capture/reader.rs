//! The format-independent view of a capture: packets with their timestamp, captured bytes,
//! original length and link type, whichever file format they came from.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::input::Input;
use super::pcap::PcapReader;
use super::pcapng::{PcapNgReader, SHB_TYPE};
use super::CaptureError;
use crate::LinkType;

/// When a packet was captured. `nsec` is normally below 10^9; a malformed pcap record may carry
/// a larger fraction, which is kept as it is (libpcap passes it through too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub sec: u64,
    pub nsec: u64,
}

/// Where packets were captured: a pcap file has one interface, a pcapng file one per
/// Interface Description Block (numbered across sections, in file order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interface {
    /// The link type the filters see (FCS bits removed).
    pub link: LinkType,
    /// The link type field as written, with a pcap header's FCS-length bits, so that an output
    /// file can carry it unchanged (as `tcpdump -w` does).
    pub raw_link: u32,
    /// The snapshot length in effect (libpcap's: 0 or oversized values become 262144).
    pub snaplen: u32,
    /// The snapshot length as written in the file, which an output header repeats (as
    /// `tcpdump -w` does).
    pub header_snaplen: u32,
}

/// One packet record, borrowed from the reader until the next call.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    pub ts: Timestamp,
    pub data: &'a [u8],
    /// The length on the wire (may exceed `data.len()`).
    pub orig_len: u32,
    /// Index into [`CaptureReader::interfaces`].
    pub interface: u32,
    pub link: LinkType,
}

/// The file format of a capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap; `nanos` for the nanosecond-resolution variant.
    Pcap {
        nanos: bool,
    },
    PcapNg,
}

enum Kind<R: Read> {
    Pcap(PcapReader<R>),
    PcapNg(PcapNgReader<R>),
}

/// A streaming reader for pcap and pcapng captures (either byte order), told apart by their
/// first four bytes.
pub struct CaptureReader<R: Read> {
    kind: Kind<R>,
}

impl CaptureReader<File> {
    /// Opens a capture file. I/O errors name the file's problem; callers add the path.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let f = File::open(path).map_err(|e| CaptureError {
            offset: 0,
            packet: 0,
            msg: format!("cannot open: {e}"),
            io: Some(e),
        })?;
        CaptureReader::new(f)
    }
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header (pcap) or first Section Header Block (pcapng).
    pub fn new(r: R) -> Result<Self, CaptureError> {
        let mut input = Input::new(r);
        let mut magic = [0u8; 4];
        if !input.fill_or_eof(&mut magic, 0, "file header")? {
            return Err(CaptureError::corrupt(
                0,
                0,
                "empty file: not a pcap or pcapng capture",
            ));
        }
        let kind = if u32::from_le_bytes(magic) == SHB_TYPE {
            Kind::PcapNg(PcapNgReader::new(input)?)
        } else {
            Kind::Pcap(PcapReader::new(input, magic)?)
        };
        Ok(CaptureReader { kind })
    }

    /// The next packet, `None` at a clean end of file.
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, CaptureError> {
        Ok(self.next_with_interfaces()?.map(|(p, _)| p))
    }

    /// The next packet and the interfaces known at that point (what a writer needs).
    pub fn next_with_interfaces(
        &mut self,
    ) -> Result<Option<(Packet<'_>, &[Interface])>, CaptureError> {
        match &mut self.kind {
            Kind::Pcap(r) => r.next_packet(),
            Kind::PcapNg(r) => r.next_packet(),
        }
    }

    /// Interfaces seen so far (a pcapng file may declare more as it goes).
    pub fn interfaces(&self) -> &[Interface] {
        match &self.kind {
            Kind::Pcap(r) => r.interfaces(),
            Kind::PcapNg(r) => r.interfaces(),
        }
    }

    pub fn format(&self) -> Format {
        match &self.kind {
            Kind::Pcap(r) => Format::Pcap { nanos: r.nanos() },
            Kind::PcapNg(_) => Format::PcapNg,
        }
    }

    /// A classic pcap file's record layout: (big-endian, extra record header bytes).
    pub(crate) fn pcap_layout(&self) -> Option<(bool, u64)> {
        match &self.kind {
            Kind::Pcap(r) => Some(r.layout()),
            Kind::PcapNg(_) => None,
        }
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        match &self.kind {
            Kind::Pcap(r) => r.input.offset,
            Kind::PcapNg(r) => r.input.offset,
        }
    }

    /// Packets delivered so far.
    pub fn packets(&self) -> u64 {
        match &self.kind {
            Kind::Pcap(r) => r.count,
            Kind::PcapNg(r) => r.count,
        }
    }
}
