//! Writing packets: pcap (as `tcpdump -w` does) or pcapng.
//!
//! A writer encodes into any `io::Write`; the file header goes out lazily, with the first
//! packet or at [`PacketWriter::finish`], because a pcapng input declares its interfaces only
//! as it goes. Every write emits whole records, so whatever a writer has flushed is a valid
//! capture even if the input breaks later.

use std::io::{self, Write};

use super::pcap::MAX_SNAPLEN;
use super::reader::{Interface, Packet};

/// What a [`PacketWriter`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Classic pcap, little-endian, micro- or nanosecond timestamps. One link type per file:
    /// that of the first input interface, with its FCS bits and snap length kept.
    Pcap { nanos: bool },
    /// pcapng: one section, the input's interfaces declared as their packets need them (same
    /// numbering), nanosecond timestamps.
    PcapNg,
}

pub struct PacketWriter<W: Write> {
    out: W,
    format: OutputFormat,
    header_done: bool,
    /// pcap: the link type field written in the header. pcapng: unused.
    pcap_link: u32,
    /// pcapng: how many of the input's interfaces have been declared so far.
    ifaces_written: usize,
}

impl<W: Write> PacketWriter<W> {
    pub fn new(out: W, format: OutputFormat) -> Self {
        PacketWriter {
            out,
            format,
            header_done: false,
            pcap_link: 0,
            ifaces_written: 0,
        }
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn header(&mut self, interfaces: &[Interface]) -> io::Result<()> {
        self.header_done = true;
        match self.format {
            OutputFormat::Pcap { nanos } => {
                let (link, snaplen) = interfaces
                    .first()
                    .map_or((1, MAX_SNAPLEN), |i| (i.raw_link, i.header_snaplen));
                self.pcap_link = link;
                let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
                let mut h = [0u8; 24];
                h[0..4].copy_from_slice(&magic.to_le_bytes());
                h[4..6].copy_from_slice(&2u16.to_le_bytes());
                h[6..8].copy_from_slice(&4u16.to_le_bytes());
                h[16..20].copy_from_slice(&snaplen.to_le_bytes());
                h[20..24].copy_from_slice(&link.to_le_bytes());
                self.out.write_all(&h)
            }
            OutputFormat::PcapNg => {
                let mut h = [0u8; 28];
                h[0..4].copy_from_slice(&0x0a0d_0d0au32.to_le_bytes());
                h[4..8].copy_from_slice(&28u32.to_le_bytes());
                h[8..12].copy_from_slice(&0x1a2b_3c4du32.to_le_bytes());
                h[12..14].copy_from_slice(&1u16.to_le_bytes());
                // Version 1.0, section length unknown (-1).
                h[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
                h[24..28].copy_from_slice(&28u32.to_le_bytes());
                self.out.write_all(&h)
            }
        }
    }

    fn declare_interfaces(&mut self, upto: usize, interfaces: &[Interface]) -> io::Result<()> {
        while self.ifaces_written <= upto && self.ifaces_written < interfaces.len() {
            let i = interfaces[self.ifaces_written];
            let mut b = [0u8; 32];
            b[0..4].copy_from_slice(&1u32.to_le_bytes());
            b[4..8].copy_from_slice(&32u32.to_le_bytes());
            b[8..10].copy_from_slice(&(i.link.0 as u16).to_le_bytes());
            b[12..16].copy_from_slice(&i.header_snaplen.to_le_bytes());
            // if_tsresol = 9: our timestamps are in nanoseconds; then opt_endofopt.
            b[16..18].copy_from_slice(&9u16.to_le_bytes());
            b[18..20].copy_from_slice(&1u16.to_le_bytes());
            b[20] = 9;
            b[28..32].copy_from_slice(&32u32.to_le_bytes());
            self.out.write_all(&b)?;
            self.ifaces_written += 1;
        }
        Ok(())
    }

    /// Appends one packet. `interfaces` is the reader's current interface list.
    pub fn write(&mut self, p: &Packet, interfaces: &[Interface]) -> io::Result<()> {
        if !self.header_done {
            self.header(interfaces)?;
        }
        let caplen = p.data.len() as u32;
        match self.format {
            OutputFormat::Pcap { nanos } => {
                let raw = interfaces
                    .get(p.interface as usize)
                    .map_or(p.link.0, |i| i.raw_link);
                if raw != self.pcap_link {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "a packet of interface {} has link type {}, the output file {}; a pcap \
                             file holds one link type (write pcapng instead)",
                            p.interface, raw, self.pcap_link
                        ),
                    ));
                }
                let frac = if nanos { p.ts.nsec } else { p.ts.nsec / 1000 };
                let mut h = [0u8; 16];
                h[0..4].copy_from_slice(&(p.ts.sec as u32).to_le_bytes());
                h[4..8].copy_from_slice(&(frac as u32).to_le_bytes());
                h[8..12].copy_from_slice(&caplen.to_le_bytes());
                h[12..16].copy_from_slice(&p.orig_len.to_le_bytes());
                self.out.write_all(&h)?;
                self.out.write_all(p.data)
            }
            OutputFormat::PcapNg => {
                self.declare_interfaces(p.interface as usize, interfaces)?;
                let pad = (4 - caplen % 4) % 4;
                let len = 32 + caplen + pad;
                let ts = p.ts.sec.wrapping_mul(1_000_000_000).wrapping_add(p.ts.nsec);
                let mut h = [0u8; 28];
                h[0..4].copy_from_slice(&6u32.to_le_bytes());
                h[4..8].copy_from_slice(&len.to_le_bytes());
                h[8..12].copy_from_slice(&p.interface.to_le_bytes());
                h[12..16].copy_from_slice(&((ts >> 32) as u32).to_le_bytes());
                h[16..20].copy_from_slice(&(ts as u32).to_le_bytes());
                h[20..24].copy_from_slice(&caplen.to_le_bytes());
                h[24..28].copy_from_slice(&p.orig_len.to_le_bytes());
                self.out.write_all(&h)?;
                self.out.write_all(p.data)?;
                self.out.write_all(&[0u8; 3][..pad as usize])?;
                self.out.write_all(&len.to_le_bytes())
            }
        }
    }

    /// Writes the header if no packet did, so that an empty output is still a valid capture.
    pub fn finish(&mut self, interfaces: &[Interface]) -> io::Result<()> {
        if !self.header_done {
            self.header(interfaces)?;
        }
        if self.format == OutputFormat::PcapNg {
            let n = interfaces.len();
            if n > 0 {
                self.declare_interfaces(n - 1, interfaces)?;
            }
        }
        Ok(())
    }
}
