//! Classic pcap records read from bytes already in memory (a mapped file), handed out where
//! they lie: each packet borrows the input for as long as the input lives, not only until the
//! next call, and says whether its record, as it stands in the file, is exactly what
//! [`PacketWriter`](super::PacketWriter) would write for it. `dpf split` then writes such
//! records straight from the mapping, with no copy in user space.
//!
//! The reading rules, the packets and every error (its message, byte offset and packet
//! number) are those of the streaming [`CaptureReader`]; a test and the capture fuzz target
//! check the two against each other on every cut of real captures and on arbitrary bytes.

use super::pcap::MAX_SNAPLEN;
use super::pcapng::SHB_TYPE;
use super::reader::{CaptureReader, Format, Interface, Packet, Timestamp};
use super::CaptureError;

/// One record: the packet, where its record starts in the input, and its bytes as stored.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    pub packet: Packet<'a>,
    /// Byte offset of the record header in the input.
    pub offset: u64,
    /// The whole record as stored (header, captured bytes, and any bytes past the snap length
    /// that the reader skips).
    pub raw: &'a [u8],
    /// `raw` is byte for byte what a pcap [`PacketWriter`](super::PacketWriter) of the
    /// input's timestamp precision writes for `packet`: a little-endian, unmodified record
    /// within the snap length.
    pub verbatim: bool,
}

/// A pcap capture in memory, read record by record.
pub struct PcapSlice<'a> {
    bytes: &'a [u8],
    pos: usize,
    big_endian: bool,
    /// Record header length: 16, or 24 for the Kuznetzov variant.
    fixed: usize,
    nanos: bool,
    iface: [Interface; 1],
    count: u64,
    /// Bytes up to here have been asked into the cache ([`PREFETCH`]).
    fetched: usize,
}

/// How far ahead of the record being read its successors' bytes are prefetched. A pass over
/// a mapped file otherwise stalls on the first load of every record header (the hardware
/// prefetcher stops at page boundaries): that stall was ~60% of the split's reading loop.
const PREFETCH: usize = 4096;

impl<'a> PcapSlice<'a> {
    /// Reads the file header. `Ok(None)` for a pcapng capture (not handled here); errors as
    /// [`CaptureReader::new`] reports them.
    pub fn new(bytes: &'a [u8]) -> Result<Option<Self>, CaptureError> {
        if bytes.len() >= 4
            && u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) == SHB_TYPE
        {
            return Ok(None);
        }
        // The streaming reader parses the 24-byte file header, so its checks and messages
        // apply unchanged.
        let head = CaptureReader::new(&bytes[..bytes.len().min(24)])?;
        let (Some((big_endian, extra)), Format::Pcap { nanos }) =
            (head.pcap_layout(), head.format())
        else {
            return Ok(None);
        };
        Ok(Some(PcapSlice {
            bytes,
            pos: 24,
            big_endian,
            fixed: 16 + extra as usize,
            nanos,
            iface: [head.interfaces()[0]],
            count: 0,
            fetched: 24,
        }))
    }

    pub fn interfaces(&self) -> &[Interface] {
        &self.iface
    }

    pub fn nanos(&self) -> bool {
        self.nanos
    }

    /// Byte offset of the next record.
    pub fn offset(&self) -> u64 {
        self.pos as u64
    }

    /// Packets delivered so far.
    pub fn packets(&self) -> u64 {
        self.count
    }

    /// Asks for every cache line of the input up to `upto` not asked for yet.
    #[inline]
    fn prefetch(&mut self, upto: usize) {
        #[cfg(target_arch = "x86_64")]
        while self.fetched < upto {
            // SAFETY: a prefetch is a hint; the address is inside `bytes`.
            #[allow(unused_unsafe)]
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch::<_MM_HINT_T0>(self.bytes.as_ptr().add(self.fetched) as *const i8);
            }
            self.fetched += 64;
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = upto;
    }

    fn rd32(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }

    /// The next record, `None` at a clean end of the input.
    #[inline]
    pub fn next_record(&mut self) -> Result<Option<Record<'a>>, CaptureError> {
        let bytes = self.bytes;
        let at = self.pos;
        self.prefetch((at + PREFETCH).min(bytes.len()));
        let rest = &bytes[at..];
        if rest.is_empty() {
            return Ok(None);
        }
        let n = self.count + 1;
        let corrupt = |msg: String| Err(CaptureError::corrupt(at as u64, n, msg));
        if rest.len() < 16 {
            return corrupt(format!(
                "truncated record header: 16 bytes expected, the file ends after {}",
                rest.len()
            ));
        }
        if rest.len() < self.fixed {
            return corrupt(format!(
                "truncated record header: the file ends {} bytes early",
                self.fixed - rest.len()
            ));
        }
        let h = &rest[..16];
        let (sec, frac, caplen, orig_len) = (
            self.rd32(&h[0..4]),
            self.rd32(&h[4..8]),
            self.rd32(&h[8..12]),
            self.rd32(&h[12..16]),
        );
        let snaplen = self.iface[0].snaplen;
        // libpcap keeps the first `snaplen` bytes of an oversized record and skips the rest,
        // unless the record is beyond any plausible size: then the file is corrupt.
        let mut keep = caplen;
        if caplen > snaplen {
            if caplen > MAX_SNAPLEN {
                return corrupt(format!(
                    "invalid packet capture length {caplen}, bigger than the maximum of {MAX_SNAPLEN}"
                ));
            }
            keep = snaplen;
        }
        let body = &rest[self.fixed..];
        let (keep, caplen) = (keep as usize, caplen as usize);
        if body.len() < keep {
            return corrupt(if body.is_empty() {
                format!("truncated packet data: {keep} bytes expected, the file ends here")
            } else {
                format!(
                    "truncated packet data: {keep} bytes expected, the file ends after {}",
                    body.len()
                )
            });
        }
        if body.len() < caplen {
            return corrupt(format!(
                "truncated packet data: the file ends {} bytes early",
                caplen - body.len()
            ));
        }
        let len = self.fixed + caplen;
        self.pos = at + len;
        self.count = n;
        let nsec = if self.nanos {
            frac as u64
        } else {
            frac as u64 * 1000
        };
        Ok(Some(Record {
            packet: Packet {
                ts: Timestamp {
                    sec: sec as u64,
                    nsec,
                },
                data: &body[..keep],
                orig_len,
                interface: 0,
                link: self.iface[0].link,
            },
            offset: at as u64,
            raw: &rest[..len],
            // The writer encodes the same four fields little-endian (the fraction in the
            // input's own unit), then the kept bytes.
            verbatim: !self.big_endian && self.fixed == 16 && keep == caplen,
        }))
    }
}

#[cfg(test)]
mod tests {
    //! The slice reader against the streaming one, which the e2e tests check against
    //! tcpdump: same packets, same error (message, offset, packet number), on whole shared
    //! captures and on every cut of a few; and `verbatim` records are what the writer writes.

    use super::*;
    use crate::capture::{OutputFormat, PacketWriter};
    use std::path::{Path, PathBuf};

    type Pkt = (Timestamp, Vec<u8>, u32);
    /// An error as (message, offset, packet).
    type Err = (String, u64, u64);
    type End = Option<Err>;
    type Read = Result<(Vec<Pkt>, End), Err>;

    fn streamed(bytes: &[u8]) -> Read {
        let err = |e: CaptureError| (e.msg, e.offset, e.packet);
        let mut r = CaptureReader::new(bytes).map_err(err)?;
        let mut out = Vec::new();
        loop {
            match r.next_packet() {
                Ok(Some(p)) => out.push((p.ts, p.data.to_vec(), p.orig_len)),
                Ok(None) => return Ok((out, None)),
                Err(e) => return Ok((out, Some(err(e)))),
            }
        }
    }

    /// `None` for pcapng (not the slice reader's).
    fn sliced(bytes: &[u8]) -> Option<Read> {
        let err = |e: CaptureError| (e.msg, e.offset, e.packet);
        let mut r = match PcapSlice::new(bytes) {
            Ok(Some(r)) => r,
            Ok(None) => return None,
            Err(e) => return Some(Err(err(e))),
        };
        let mut out = Vec::new();
        loop {
            match r.next_record() {
                Ok(Some(rec)) => {
                    let p = rec.packet;
                    assert_eq!(&bytes[rec.offset as usize..][..rec.raw.len()], rec.raw);
                    if rec.verbatim {
                        let mut w =
                            PacketWriter::new(Vec::new(), OutputFormat::Pcap { nanos: r.nanos() });
                        w.write(&p, r.interfaces()).unwrap();
                        assert_eq!(&w.into_inner()[24..], rec.raw, "record {}", out.len() + 1);
                    }
                    out.push((p.ts, p.data.to_vec(), p.orig_len));
                    assert_eq!(r.offset(), rec.offset + rec.raw.len() as u64);
                }
                Ok(None) => return Some(Ok((out, None))),
                Err(e) => return Some(Ok((out, Some(err(e))))),
            }
        }
    }

    fn check(bytes: &[u8], what: &str) -> bool {
        match sliced(bytes) {
            None => false,
            Some(got) => {
                assert_eq!(got, streamed(bytes), "{what}");
                true
            }
        }
    }

    fn shared(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/pcaps")
            .join(rel)
    }

    fn all_shared() -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![shared("")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("shared pcaps") {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "pcap") {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn whole_shared_captures_read_as_the_stream_reads_them() {
        let mut n = 0;
        let mut verbatim_seen = 0;
        for f in all_shared() {
            let b = std::fs::read(&f).unwrap();
            if check(&b, &f.display().to_string()) {
                n += 1;
                if let Ok(Some(mut r)) = PcapSlice::new(&b) {
                    while let Ok(Some(rec)) = r.next_record() {
                        verbatim_seen += usize::from(rec.verbatim);
                    }
                }
            }
        }
        assert!(n >= 800, "only {n} pcap captures");
        assert!(verbatim_seen > 10_000, "{verbatim_seen} verbatim records");
    }

    /// Little-endian micro, big-endian, nanosecond, and records beyond the snap length.
    const CUT: &[&str] = &[
        "tcpdump-tests/EIGRP_adjacency.pcap",
        "tcpdump-tests/pptp.pcap",
        "tcpdump-tests/tcp-handshake-nano.pcap",
        "tcpdump-tests/vrrp-vrrp_print-oobr-2.pcap",
        "tcpdump-tests/heap-overflow-1.pcap",
    ];

    #[test]
    fn every_cut_reads_as_the_stream_reads_it() {
        for rel in CUT {
            let b = std::fs::read(shared(rel)).unwrap();
            for cut in 0..b.len().min(4096) {
                assert!(check(&b[..cut], &format!("{rel} cut at {cut}")) || cut < 4);
            }
        }
    }

    #[test]
    fn kuznetzov_records_and_oversized_ones_read_as_the_stream_reads_them() {
        // Modified-pcap header (24-byte record headers), snap length 64: a record within it,
        // one beyond it (kept to 64 bytes), one beyond any plausible size (corrupt).
        let mut b = Vec::new();
        for v in [0xa1b2_cd34u32, 0x0004_0002, 0, 0, 64, 1] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        for (caplen, orig) in [(60u32, 60u32), (100, 1500)] {
            for v in [7u32, 999_999, caplen, orig] {
                b.extend_from_slice(&v.to_le_bytes());
            }
            b.extend_from_slice(&[1, 0, 0, 0, 8, 0, 0, 0]);
            b.extend((0..caplen).map(|i| i as u8));
        }
        let whole = b.len();
        for v in [1u32, 2, 300_000, 300_000] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&[0; 8]);
        let (pkts, end) = streamed(&b).unwrap();
        assert_eq!(pkts.len(), 2);
        assert_eq!(pkts[1].1.len(), 64);
        assert!(end.unwrap().0.contains("invalid packet capture length"));
        for cut in 0..=b.len() {
            assert!(check(&b[..cut], &format!("cut at {cut} of {whole}")) || cut < 4);
        }
    }
}
