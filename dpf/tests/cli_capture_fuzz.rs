//! The capture reader on damaged input: every shared capture, cut and corrupted in seeded
//! ways (bit flips, truncation, length fields set to extremes), read to its end or its first
//! error. Nothing may panic, and a damaged file never yields more data than it holds. The
//! same property the `dpf_capture` cargo-fuzz target explores at random.

use std::path::{Path, PathBuf};

use dpf::capture::{CaptureReader, OutputFormat, PacketWriter};

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/pcaps"));
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("pcap" | "pcapng")
            ) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Reads everything; returns the packets' total captured bytes. Also round-trips what was
/// read through the pcapng writer and back.
fn read_all(data: &[u8]) -> usize {
    let Ok(mut r) = CaptureReader::new(data) else {
        return 0;
    };
    let mut total = 0;
    let mut ng = PacketWriter::new(Vec::new(), OutputFormat::PcapNg);
    let mut n = 0;
    while let Ok(Some((p, ifaces))) = r.next_with_interfaces() {
        total += p.data.len();
        assert!(total <= data.len(), "more packet bytes than input bytes");
        ng.write(&p, ifaces).unwrap();
        n += 1;
    }
    let ifaces = r.interfaces().to_vec();
    ng.finish(&ifaces).unwrap();
    let out = ng.into_inner();
    let mut back = CaptureReader::new(&out[..]).unwrap();
    let mut m = 0;
    while back.next_packet().unwrap().is_some() {
        m += 1;
    }
    assert_eq!(n, m, "pcapng round trip");
    total
}

#[test]
fn damaged_captures_never_panic() {
    let mut rng = Rng(0x5eed_cafe);
    let files = corpus();
    assert!(files.len() >= 860);
    let mut cases = 0;
    for f in &files {
        let orig = std::fs::read(f).unwrap();
        read_all(&orig);
        for _ in 0..12 {
            let mut b = orig.clone();
            match rng.below(4) {
                0 => b.truncate(rng.below(b.len() + 1)),
                1 => {
                    for _ in 0..1 + rng.below(8) {
                        let i = rng.below(b.len());
                        if let Some(x) = b.get_mut(i) {
                            *x ^= 1 << rng.below(8);
                        }
                    }
                }
                2 => {
                    // A 4-byte field near a record or block header set to an extreme.
                    let i = rng.below(b.len().min(4096)) & !3;
                    let v = [0u32, 3, 11, 0x7fff_ffff, 0xffff_ffff, 0x0100_0000][rng.below(6)];
                    if i + 4 <= b.len() {
                        b[i..i + 4].copy_from_slice(&v.to_le_bytes());
                    }
                }
                _ => {
                    // A slice of the file repeated: blocks and records out of place.
                    let s = rng.below(b.len());
                    let e = (s + rng.below(256)).min(b.len());
                    let piece = b[s..e].to_vec();
                    let at = rng.below(b.len());
                    b.splice(at..at, piece);
                }
            }
            read_all(&b);
            cases += 1;
        }
    }
    assert!(cases > 10_000);
}
