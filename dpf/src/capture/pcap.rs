//! Classic pcap files: a 24-byte file header, then 16-byte record headers each followed by the
//! captured bytes. Both byte orders, micro- and nanosecond variants, and the Kuznetzov
//! "modified" variant (8 more bytes per record header), read by libpcap's rules.

use std::io::Read;

use super::input::Input;
use super::reader::{Interface, Packet, Timestamp};
use super::CaptureError;
use crate::LinkType;

const MAGIC_MICRO: u32 = 0xa1b2_c3d4;
const MAGIC_NANO: u32 = 0xa1b2_3c4d;
const MAGIC_KUZNETZOV: u32 = 0xa1b2_cd34;

/// libpcap's `MAXIMUM_SNAPLEN`: larger records are taken as corruption, and a header snap
/// length of 0 or above it is replaced by it.
pub(crate) const MAX_SNAPLEN: u32 = 262_144;

/// The snap length libpcap reports (and `tcpdump -w` writes) for a header's field: as written,
/// unless it is zero or negative as a C `int`.
pub(crate) fn libpcap_header_snaplen(raw: u32) -> u32 {
    if (raw as i32) <= 0 {
        MAX_SNAPLEN
    } else {
        raw
    }
}

pub(crate) struct PcapReader<R: Read> {
    pub input: Input<R>,
    big_endian: bool,
    nanos: bool,
    /// Record headers carry 8 extra bytes (ifindex, protocol, pkt_type, pad).
    extra: u64,
    iface: [Interface; 1],
    buf: Vec<u8>,
    pub count: u64,
}

impl<R: Read> PcapReader<R> {
    pub fn new(mut input: Input<R>, magic: [u8; 4]) -> Result<Self, CaptureError> {
        let (big_endian, m) = match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
            (m @ (MAGIC_MICRO | MAGIC_NANO | MAGIC_KUZNETZOV), _) => (false, m),
            (_, m @ (MAGIC_MICRO | MAGIC_NANO | MAGIC_KUZNETZOV)) => (true, m),
            _ => {
                return Err(CaptureError::corrupt(
                    0,
                    0,
                    format!(
                        "not a pcap or pcapng capture (magic number {:02x}{:02x}{:02x}{:02x})",
                        magic[0], magic[1], magic[2], magic[3]
                    ),
                ))
            }
        };
        let mut h = [0u8; 20];
        input.fill(&mut h, 0, "pcap file header")?;
        let rd16 = |b: &[u8]| {
            let a = [b[0], b[1]];
            if big_endian {
                u16::from_be_bytes(a)
            } else {
                u16::from_le_bytes(a)
            }
        };
        let rd32 = |b: &[u8]| {
            let a = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        };
        let (major, minor) = (rd16(&h[0..2]), rd16(&h[2..4]));
        if !(major == 2 && minor <= 4 || major == 543 && minor == 0) {
            return Err(CaptureError::corrupt(
                4,
                0,
                format!("unsupported pcap version {major}.{minor}"),
            ));
        }
        let header_snaplen = libpcap_header_snaplen(rd32(&h[12..16]));
        let mut snaplen = rd32(&h[12..16]);
        if snaplen == 0 || snaplen > MAX_SNAPLEN {
            snaplen = MAX_SNAPLEN;
        }
        let raw_link = rd32(&h[16..20]);
        Ok(PcapReader {
            input,
            big_endian,
            nanos: m == MAGIC_NANO,
            extra: if m == MAGIC_KUZNETZOV { 8 } else { 0 },
            iface: [Interface {
                link: LinkType::from_pcap_header(raw_link),
                raw_link,
                snaplen,
                header_snaplen,
            }],
            buf: Vec::new(),
            count: 0,
        })
    }

    pub fn nanos(&self) -> bool {
        self.nanos
    }

    /// How records are laid out: byte order and extra header bytes (for [`super::PcapSlice`]).
    pub fn layout(&self) -> (bool, u64) {
        (self.big_endian, self.extra)
    }

    pub fn interfaces(&self) -> &[Interface] {
        &self.iface
    }

    pub fn next_packet(&mut self) -> Result<Option<(Packet<'_>, &[Interface])>, CaptureError> {
        // Fast path: a whole, well-formed record already in the input buffer is handed out
        // where it lies, with no copy. Anything else (a record straddling two buffer fills,
        // an oversized or corrupt one) takes the copying path below, which checks everything.
        let (fixed, big_endian) = (16 + self.extra as usize, self.big_endian);
        let snaplen = self.iface[0].snaplen;
        let rd32 = move |b: &[u8]| {
            let a = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        };
        let ready = {
            let b = self.input.buffered();
            (b.len() >= fixed)
                .then(|| rd32(&b[8..12]))
                .filter(|&caplen| caplen <= snaplen && b.len() >= fixed + caplen as usize)
        };
        if let Some(caplen) = ready {
            self.count += 1;
            let nanos = self.nanos;
            let link = self.iface[0].link;
            let rec = self
                .input
                .take_buffered(fixed + caplen as usize)
                .expect("the record is buffered");
            let (sec, frac, orig_len) = (rd32(&rec[0..4]), rd32(&rec[4..8]), rd32(&rec[12..16]));
            let nsec = if nanos {
                frac as u64
            } else {
                frac as u64 * 1000
            };
            let p = Packet {
                ts: Timestamp {
                    sec: sec as u64,
                    nsec,
                },
                data: &rec[fixed..],
                orig_len,
                interface: 0,
                link,
            };
            return Ok(Some((p, &self.iface)));
        }
        let n = self.count + 1;
        let at = self.input.offset;
        let mut h = [0u8; 16];
        if !self
            .input
            .fill_or_eof(&mut h, n, "record header")
            .map_err(|e| e.at(at))?
        {
            return Ok(None);
        }
        if self.extra > 0 {
            self.input
                .skip(self.extra, n, "record header")
                .map_err(|e| e.at(at))?;
        }
        let rd32 = |b: &[u8]| {
            let a = [b[0], b[1], b[2], b[3]];
            if self.big_endian {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        };
        let (sec, frac, caplen, orig_len) = (
            rd32(&h[0..4]),
            rd32(&h[4..8]),
            rd32(&h[8..12]),
            rd32(&h[12..16]),
        );
        let snaplen = self.iface[0].snaplen;
        // libpcap keeps the first `snaplen` bytes of an oversized record and skips the rest,
        // unless the record is beyond any plausible size: then the file is corrupt.
        let mut keep = caplen;
        if caplen > snaplen {
            if caplen > MAX_SNAPLEN {
                return Err(CaptureError::corrupt(
                    at,
                    n,
                    format!(
                        "invalid packet capture length {caplen}, bigger than the maximum of {MAX_SNAPLEN}"
                    ),
                ));
            }
            keep = snaplen;
        }
        self.input
            .read_vec(&mut self.buf, keep as usize, n, "packet data")
            .map_err(|e| e.at(at))?;
        if keep < caplen {
            self.input
                .skip((caplen - keep) as u64, n, "packet data")
                .map_err(|e| e.at(at))?;
        }
        self.count = n;
        let nsec = if self.nanos {
            frac as u64
        } else {
            frac as u64 * 1000
        };
        let p = Packet {
            ts: Timestamp {
                sec: sec as u64,
                nsec,
            },
            data: &self.buf,
            orig_len,
            interface: 0,
            link: self.iface[0].link,
        };
        Ok(Some((p, &self.iface)))
    }
}
