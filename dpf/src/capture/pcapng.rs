//! pcapng files: a sequence of blocks. Section Header Blocks set the byte order and restart
//! interface numbering; Interface Description Blocks declare link types, snap lengths and
//! timestamp resolutions; packets come in Enhanced (EPB), Simple (SPB) and the obsolete Packet
//! (PB) blocks. Every other block is skipped.

use std::io::Read;

use super::input::Input;
use super::pcap::{libpcap_header_snaplen, MAX_SNAPLEN};
use super::reader::{Interface, Packet, Timestamp};
use super::CaptureError;
use crate::LinkType;

/// The Section Header Block type; a palindrome, so it reads the same in either byte order.
pub(crate) const SHB_TYPE: u32 = 0x0a0d_0d0a;
const IDB_TYPE: u32 = 1;
const PB_TYPE: u32 = 2;
const SPB_TYPE: u32 = 3;
const EPB_TYPE: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

/// Larger blocks are taken as corruption rather than allocated (libpcap's limit too).
const MAX_BLOCK: u32 = 16 * 1024 * 1024;
/// Bounds the memory a file full of interface declarations can claim.
const MAX_INTERFACES: usize = 65_536;

/// How an interface's timestamps convert to seconds.
#[derive(Clone, Copy, Debug)]
struct Clock {
    /// Timestamp units per second (10^6 unless `if_tsresol` says otherwise).
    units: u128,
    /// `if_tsoffset`: seconds added to every timestamp.
    offset: i64,
}

pub(crate) struct PcapNgReader<R: Read> {
    pub input: Input<R>,
    big_endian: bool,
    interfaces: Vec<Interface>,
    clocks: Vec<Clock>,
    /// Index of the current section's interface 0 in `interfaces`.
    section_base: usize,
    buf: Vec<u8>,
    pub count: u64,
}

impl<R: Read> PcapNgReader<R> {
    /// Called with the first block's type already consumed.
    pub fn new(input: Input<R>) -> Result<Self, CaptureError> {
        let mut r = PcapNgReader {
            input,
            big_endian: false,
            interfaces: Vec::new(),
            clocks: Vec::new(),
            section_base: 0,
            buf: Vec::new(),
            count: 0,
        };
        r.section_header(0)?;
        Ok(r)
    }

    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    fn u16(&self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        if self.big_endian {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }
    }

    fn u32(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }

    /// Reads a Section Header Block whose type field (at `at`) was just consumed.
    fn section_header(&mut self, at: u64) -> Result<(), CaptureError> {
        let n = self.count + 1;
        let mut h = [0u8; 8];
        self.input
            .fill(&mut h, n, "section header block")
            .map_err(|e| e.at(at))?;
        let bom = [h[4], h[5], h[6], h[7]];
        self.big_endian = if u32::from_be_bytes(bom) == BYTE_ORDER_MAGIC {
            true
        } else if u32::from_le_bytes(bom) == BYTE_ORDER_MAGIC {
            false
        } else {
            return Err(CaptureError::corrupt(
                at,
                n,
                "section header block with an invalid byte-order magic",
            ));
        };
        let len = self.u32(&h[0..4]);
        // type + length + magic + version (4) + section length (8) + trailing length.
        if len < 28 {
            return Err(self.bad_len(at, n, len));
        }
        self.block_body(at, n, len, 12)?;
        let (major, minor) = (self.u16(&self.buf[0..2]), self.u16(&self.buf[2..4]));
        if major != 1 {
            return Err(CaptureError::corrupt(
                at,
                n,
                format!("unsupported pcapng version {major}.{minor}"),
            ));
        }
        self.section_base = self.interfaces.len();
        Ok(())
    }

    fn bad_len(&self, at: u64, n: u64, len: u32) -> CaptureError {
        CaptureError::corrupt(at, n, format!("block with invalid total length {len}"))
    }

    /// Reads the body of a block of total length `len`, `read` bytes of which were consumed,
    /// into `self.buf`, then checks the trailing copy of the length.
    fn block_body(&mut self, at: u64, n: u64, len: u32, read: u32) -> Result<(), CaptureError> {
        if len & 3 != 0 || len < read + 4 || len > MAX_BLOCK {
            return Err(self.bad_len(at, n, len));
        }
        let body = (len - read - 4) as usize;
        self.input
            .read_vec(&mut self.buf, body, n, "block")
            .map_err(|e| e.at(at))?;
        let mut t = [0u8; 4];
        self.input.fill(&mut t, n, "block").map_err(|e| e.at(at))?;
        let trailer = self.u32(&t);
        if trailer != len {
            return Err(CaptureError::corrupt(
                at,
                n,
                format!(
                    "block total length {len} in the header and {trailer} in the trailer differ"
                ),
            ));
        }
        Ok(())
    }

    pub fn next_packet(&mut self) -> Result<Option<(Packet<'_>, &[Interface])>, CaptureError> {
        loop {
            let n = self.count + 1;
            let at = self.input.offset;
            let mut h = [0u8; 8];
            if !self
                .input
                .fill_or_eof(&mut h[..4], n, "block header")
                .map_err(|e| e.at(at))?
            {
                return Ok(None);
            }
            let ty = self.u32(&h[0..4]);
            if ty == SHB_TYPE {
                self.section_header(at)?;
                continue;
            }
            self.input
                .fill(&mut h[4..8], n, "block header")
                .map_err(|e| e.at(at))?;
            let len = self.u32(&h[4..8]);
            self.block_body(at, n, len, 8)?;
            match ty {
                IDB_TYPE => self.interface_description(at, n)?,
                EPB_TYPE | PB_TYPE | SPB_TYPE => {
                    let (iface, ts, caplen, orig_len, data_at) = self.packet_fields(ty, at, n)?;
                    self.count = n;
                    let link = self.interfaces[iface].link;
                    let p = Packet {
                        ts,
                        data: &self.buf[data_at..data_at + caplen],
                        orig_len,
                        interface: iface as u32,
                        link,
                    };
                    return Ok(Some((p, &self.interfaces)));
                }
                _ => {}
            }
        }
    }

    fn interface_description(&mut self, at: u64, n: u64) -> Result<(), CaptureError> {
        if self.buf.len() < 8 {
            return Err(CaptureError::corrupt(
                at,
                n,
                "interface description block too short",
            ));
        }
        if self.interfaces.len() >= MAX_INTERFACES {
            return Err(CaptureError::corrupt(
                at,
                n,
                "too many interface description blocks",
            ));
        }
        let link = self.u16(&self.buf[0..2]) as u32;
        let header_snaplen = libpcap_header_snaplen(self.u32(&self.buf[4..8]));
        let mut snaplen = self.u32(&self.buf[4..8]);
        if snaplen == 0 || snaplen > MAX_SNAPLEN {
            snaplen = MAX_SNAPLEN;
        }
        let mut clock = Clock {
            units: 1_000_000,
            offset: 0,
        };
        let mut opts = &self.buf[8..];
        while opts.len() >= 4 {
            let code = self.u16(&opts[0..2]);
            let olen = self.u16(&opts[2..4]) as usize;
            let padded = (olen + 3) & !3;
            let Some(val) = opts.get(4..4 + olen) else {
                return Err(CaptureError::corrupt(
                    at,
                    n,
                    "interface option runs past its block",
                ));
            };
            match (code, olen) {
                (0, _) => break,
                (9, 1) => {
                    let r = val[0];
                    let exp = (r & 0x7f) as u32;
                    let units = if r & 0x80 != 0 {
                        1u128.checked_shl(exp)
                    } else {
                        10u128.checked_pow(exp)
                    };
                    clock.units = match units {
                        Some(u) if exp <= 60 => u,
                        _ => {
                            return Err(CaptureError::corrupt(
                                at,
                                n,
                                format!("unsupported timestamp resolution 0x{r:02x}"),
                            ))
                        }
                    };
                }
                (14, 8) => {
                    let b: [u8; 8] = val.try_into().unwrap_or([0; 8]);
                    clock.offset = if self.big_endian {
                        i64::from_be_bytes(b)
                    } else {
                        i64::from_le_bytes(b)
                    };
                }
                _ => {}
            }
            opts = opts.get(4 + padded..).unwrap_or(&[]);
        }
        self.interfaces.push(Interface {
            link: LinkType(link),
            raw_link: link,
            snaplen,
            header_snaplen,
        });
        self.clocks.push(clock);
        Ok(())
    }

    /// Interface index, timestamp, captured length, original length and data offset in `buf`.
    fn packet_fields(
        &self,
        ty: u32,
        at: u64,
        n: u64,
    ) -> Result<(usize, Timestamp, usize, u32, usize), CaptureError> {
        let b = &self.buf;
        let short = || CaptureError::corrupt(at, n, "packet block too short for its header");
        let (local, ts_units, caplen, orig_len, data_at) = match ty {
            EPB_TYPE | PB_TYPE => {
                if b.len() < 20 {
                    return Err(short());
                }
                let local = if ty == EPB_TYPE {
                    self.u32(&b[0..4]) as usize
                } else {
                    self.u16(&b[0..2]) as usize
                };
                let ts = ((self.u32(&b[4..8]) as u64) << 32) | self.u32(&b[8..12]) as u64;
                (
                    local,
                    Some(ts),
                    self.u32(&b[12..16]),
                    self.u32(&b[16..20]),
                    20,
                )
            }
            _ => {
                if b.len() < 4 {
                    return Err(short());
                }
                let orig = self.u32(&b[0..4]);
                // A simple packet's captured length is implied: the original length, cut to
                // the snap length and to what the block holds.
                let room = (b.len() - 4) as u32;
                (0, None, orig.min(room), orig, 4)
            }
        };
        let iface = self.section_base + local;
        if iface >= self.interfaces.len() {
            return Err(CaptureError::corrupt(
                at,
                n,
                format!("packet for interface {local}, which the section has not described"),
            ));
        }
        if caplen as usize > b.len() - data_at {
            return Err(CaptureError::corrupt(
                at,
                n,
                format!("captured length {caplen} exceeds its block"),
            ));
        }
        let caplen = caplen.min(self.interfaces[iface].snaplen) as usize;
        let ts = match ts_units {
            Some(u) => self.timestamp(iface, u),
            None => Timestamp::default(),
        };
        Ok((iface, ts, caplen, orig_len, data_at))
    }

    fn timestamp(&self, iface: usize, t: u64) -> Timestamp {
        let c = self.clocks[iface];
        let t = t as u128;
        let sec = (t / c.units) as i128 + c.offset as i128;
        let nsec = (t % c.units) * 1_000_000_000 / c.units;
        Timestamp {
            sec: sec.clamp(0, u64::MAX as i128) as u64,
            nsec: nsec as u64,
        }
    }
}
