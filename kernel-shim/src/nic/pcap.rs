//! Pcap files as NICs: replaying a capture (as fast as possible, or paced by its timestamps)
//! and writing what is sent.

use super::Nic;
use crate::frame::{Frame, FramePool};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapReader, PcapWriter};
use pcap_file::pcapng::{Block, PcapNgReader};
use pcap_file::{DataLink, TsResolution};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One captured packet, loaded up front so replay costs no I/O.
struct Captured {
    ts: Duration,
    wire_len: u32,
    data: Vec<u8>,
}

/// Replays a pcap or pcapng file. Frames are copied into the pool on receive (the file's bytes
/// are not pool memory); `send_burst` is refused: a replay only receives.
pub struct PcapReplay {
    path: PathBuf,
    packets: Vec<Captured>,
    pos: usize,
    /// When pacing, the instant that corresponds to the first packet's timestamp.
    paced_from: Option<Instant>,
    /// Copies made on receive, for the annex's zero-copy accounting.
    pub copied_bytes: u64,
}

fn bad(path: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

impl PcapReplay {
    /// Loads a capture of Ethernet frames. `paced`: deliver each packet no earlier than its
    /// timestamp's offset from the first one.
    pub fn open(path: impl AsRef<Path>, paced: bool) -> io::Result<PcapReplay> {
        let path = path.as_ref();
        let mut bytes = Vec::new();
        File::open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?
            .read_to_end(&mut bytes)?;
        let packets = parse(path, &bytes)?;
        Ok(PcapReplay {
            path: path.to_path_buf(),
            packets,
            pos: 0,
            paced_from: paced.then(Instant::now),
            copied_bytes: 0,
        })
    }

    /// Packets not yet replayed.
    pub fn remaining(&self) -> usize {
        self.packets.len() - self.pos
    }

    fn due(&self, i: usize) -> Option<Duration> {
        let start = self.paced_from?;
        let first = self.packets.first()?.ts;
        let at = self.packets[i].ts.saturating_sub(first);
        Some(at.saturating_sub(start.elapsed()))
    }
}

fn parse(path: &Path, bytes: &[u8]) -> io::Result<Vec<Captured>> {
    let magic = bytes
        .get(..4)
        .ok_or_else(|| bad(path, "too short for a capture"))?;
    let mut out = Vec::new();
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        let mut r = PcapNgReader::new(bytes).map_err(|e| bad(path, e))?;
        // Interfaces in the order their description blocks appear: packets name them by index.
        let mut links = Vec::new();
        while let Some(b) = r.next_block() {
            match b.map_err(|e| bad(path, format!("packet {}: {e}", out.len())))? {
                Block::InterfaceDescription(i) => links.push(i.linktype),
                Block::EnhancedPacket(p) => {
                    let link = links
                        .get(p.interface_id as usize)
                        .copied()
                        .unwrap_or(DataLink::ETHERNET);
                    if link != DataLink::ETHERNET {
                        return Err(bad(path, format!("link type {link:?}, not Ethernet")));
                    }
                    out.push(Captured {
                        ts: p.timestamp,
                        wire_len: p.original_len,
                        data: p.data.into_owned(),
                    })
                }
                Block::SimplePacket(p) => out.push(Captured {
                    ts: Duration::ZERO,
                    wire_len: p.original_len,
                    data: p.data.into_owned(),
                }),
                _ => {}
            }
        }
    } else {
        let mut r = PcapReader::new(bytes).map_err(|e| bad(path, e))?;
        if r.header().datalink != DataLink::ETHERNET {
            return Err(bad(
                path,
                format!("link type {:?}, not Ethernet", r.header().datalink),
            ));
        }
        while let Some(p) = r.next_packet() {
            let p = p.map_err(|e| bad(path, format!("packet {}: {e}", out.len())))?;
            out.push(Captured {
                ts: p.timestamp,
                wire_len: p.orig_len,
                data: p.data.into_owned(),
            });
        }
    }
    Ok(out)
}

impl Nic for PcapReplay {
    fn recv_burst(
        &mut self,
        pool: &FramePool,
        out: &mut Vec<Frame>,
        max: usize,
    ) -> io::Result<usize> {
        let mut n = 0;
        while n < max && self.pos < self.packets.len() {
            if self.due(self.pos).is_some_and(|d| !d.is_zero()) {
                break;
            }
            let c = &self.packets[self.pos];
            self.pos += 1;
            // An exhausted pool drops the packet (the pool counts it); replay goes on.
            if let Some(mut f) = pool.alloc() {
                let len = c.data.len().min(pool.buf_size());
                f.buf_mut()[..len].copy_from_slice(&c.data[..len]);
                f.set_len(len);
                f.set_wire_len(c.wire_len.max(len as u32));
                f.set_timestamp_ns(c.ts.as_nanos() as u64);
                self.copied_bytes += len as u64;
                out.push(f.freeze());
                n += 1;
            }
        }
        Ok(n)
    }

    fn send_burst(&mut self, _frames: &[Frame]) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{}: a replayed capture cannot send", self.path.display()),
        ))
    }

    fn wake_after(&self) -> Option<Duration> {
        if self.pos >= self.packets.len() {
            return None;
        }
        Some(self.due(self.pos).unwrap_or(Duration::ZERO))
    }

    fn name(&self) -> String {
        format!("pcap:{}", self.path.display())
    }
}

/// Frames a writer holds before writing them out: holding is what a reference count is for, and
/// batching keeps writes large.
const WRITE_BATCH: usize = 64;

/// Writes every frame sent to it into a pcap file (nanosecond timestamps from the frames).
pub struct PcapSink {
    path: PathBuf,
    w: PcapWriter<SharedOut>,
    out: SharedOut,
    held: Vec<Frame>,
    pub written: u64,
}

impl PcapSink {
    pub fn create(path: impl AsRef<Path>) -> io::Result<PcapSink> {
        let path = path.as_ref();
        let f = File::create(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let header = PcapHeader {
            ts_resolution: TsResolution::NanoSecond,
            ..PcapHeader::default()
        };
        let out = SharedOut(Arc::new(Mutex::new(BufWriter::new(f))));
        let w = PcapWriter::with_header(out.clone(), header).map_err(|e| bad(path, e))?;
        Ok(PcapSink {
            path: path.to_path_buf(),
            w,
            out,
            held: Vec::new(),
            written: 0,
        })
    }

    /// Writes out every held frame (releasing them) and flushes the file.
    pub fn flush(&mut self) -> io::Result<()> {
        for f in self.held.drain(..) {
            let p = PcapPacket::new(
                Duration::from_nanos(f.timestamp_ns()),
                f.wire_len(),
                f.data(),
            );
            self.w.write_packet(&p).map_err(|e| bad(&self.path, e))?;
            self.written += 1;
        }
        self.out.flush()
    }
}

/// The writer's output, reachable from outside the `PcapWriter` so it can be flushed.
#[derive(Clone)]
struct SharedOut(Arc<Mutex<BufWriter<File>>>);

impl Write for SharedOut {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(b)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

impl Nic for PcapSink {
    fn recv_burst(&mut self, _: &FramePool, _: &mut Vec<Frame>, _: usize) -> io::Result<usize> {
        Ok(0)
    }

    fn send_burst(&mut self, frames: &[Frame]) -> io::Result<usize> {
        self.held.extend(frames.iter().cloned());
        if self.held.len() >= WRITE_BATCH {
            self.flush()?;
        }
        Ok(frames.len())
    }

    fn name(&self) -> String {
        format!("pcap-out:{}", self.path.display())
    }
}

impl Drop for PcapSink {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; `flush` is there for callers who care.
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("kshim-{}-{name}", std::process::id()))
    }

    #[test]
    fn sink_holds_frames_until_flush_then_replay_reads_them_back() {
        let pool = FramePool::new(8, 128, 0);
        let path = tmp("roundtrip.pcap");
        let mut sink = PcapSink::create(&path).unwrap();
        let frames: Vec<Frame> = (0..3u8)
            .map(|i| pool.alloc_copy(&[i; 60], 1_000 * i as u64).unwrap())
            .collect();
        sink.send_burst(&frames).unwrap();
        drop(frames);
        assert_eq!(pool.stats().in_use, 3, "the writer holds the frames");
        sink.flush().unwrap();
        assert_eq!(pool.stats().in_use, 0);
        drop(sink);
        let mut r = PcapReplay::open(&path, false).unwrap();
        let mut out = Vec::new();
        assert_eq!(r.recv_burst(&pool, &mut out, 10).unwrap(), 3);
        assert_eq!(out[2].data(), &[2u8; 60]);
        assert_eq!(out[1].timestamp_ns(), 1_000);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn garbage_file_is_an_error_naming_the_file() {
        let path = tmp("garbage.pcap");
        std::fs::write(&path, b"not a capture at all").unwrap();
        let e = PcapReplay::open(&path, false).err().unwrap();
        assert!(e.to_string().contains("garbage.pcap"), "{e}");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn paced_replay_waits_for_timestamps() {
        let pool = FramePool::new(8, 128, 0);
        let path = tmp("paced.pcap");
        {
            let mut sink = PcapSink::create(&path).unwrap();
            let f0 = pool.alloc_copy(&[0; 60], 0).unwrap();
            let f1 = pool.alloc_copy(&[1; 60], 50_000_000).unwrap();
            sink.send_burst(&[f0, f1]).unwrap();
        }
        let mut r = PcapReplay::open(&path, true).unwrap();
        let mut out = Vec::new();
        r.recv_burst(&pool, &mut out, 10).unwrap();
        assert_eq!(out.len(), 1, "the second packet is 50 ms later");
        let wait = r.wake_after().unwrap();
        assert!(wait > Duration::from_millis(20), "{wait:?}");
        std::thread::sleep(wait);
        r.recv_burst(&pool, &mut out, 10).unwrap();
        assert_eq!(out.len(), 2);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn replays_a_real_capture() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/pcaps");
        let mut found = None;
        for d in walk(Path::new(dir)) {
            if d.extension().is_some_and(|e| e == "pcap") {
                if let Ok(r) = PcapReplay::open(&d, false) {
                    if r.remaining() > 10 {
                        found = Some(r);
                        break;
                    }
                }
            }
        }
        let mut r = found.expect("an Ethernet pcap with >10 packets under ../shared/pcaps");
        let pool = FramePool::new(4096, 2048, 0);
        let total = r.remaining();
        let mut out = Vec::new();
        let mut got = 0;
        while r.recv_burst(&pool, &mut out, 64).unwrap() > 0 {
            got += out.len();
            out.clear();
        }
        assert_eq!(got, total);
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
        out
    }
}
