//! Our capture reader against libpcap's (through the `pcap` crate) on every shared capture:
//! the same packets (timestamp, captured bytes, original length) in the same order, and a
//! file libpcap cannot read to the end is one we report as broken too.

use std::path::{Path, PathBuf};

use dpf::capture::CaptureReader;

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/pcaps"));
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("shared pcaps directory") {
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

/// Timestamps compare modulo 2^32: a pcap record stores unsigned 32-bit seconds and fraction,
/// which libpcap's `timeval` holds sign-extended (a 2106 timestamp comes out negative); we keep
/// the unsigned value, the one a writer must write back.
#[derive(Debug)]
struct Rec {
    sec: i64,
    nsec: i64,
    caplen: u32,
    len: u32,
    data: Vec<u8>,
}

impl PartialEq for Rec {
    fn eq(&self, o: &Rec) -> bool {
        let m = |x: i64| x.rem_euclid(1 << 32);
        m(self.sec) == m(o.sec)
            && m(self.nsec) == m(o.nsec)
            && (self.caplen, self.len, &self.data) == (o.caplen, o.len, &o.data)
    }
}

/// Packets as libpcap reads them, and whether it reached a clean end of file.
fn libpcap_read(p: &Path) -> (Vec<Rec>, Result<(), String>) {
    let mut cap = match pcap::Capture::from_file_with_precision(p, pcap::Precision::Nano) {
        Ok(c) => c,
        Err(e) => return (Vec::new(), Err(e.to_string())),
    };
    let mut v = Vec::new();
    loop {
        match cap.next_packet() {
            Ok(pk) => v.push(Rec {
                sec: pk.header.ts.tv_sec,
                nsec: pk.header.ts.tv_usec,
                caplen: pk.header.caplen,
                len: pk.header.len,
                data: pk.data.to_vec(),
            }),
            Err(pcap::Error::NoMorePackets) => return (v, Ok(())),
            Err(e) => return (v, Err(e.to_string())),
        }
    }
}

fn our_read(p: &Path) -> (Vec<Rec>, Result<(), String>) {
    let mut r = match CaptureReader::open(p) {
        Ok(r) => r,
        Err(e) => return (Vec::new(), Err(e.to_string())),
    };
    let mut v = Vec::new();
    loop {
        match r.next_packet() {
            Ok(Some(pk)) => v.push(Rec {
                sec: pk.ts.sec as i64,
                nsec: pk.ts.nsec as i64,
                caplen: pk.data.len() as u32,
                len: pk.orig_len,
                data: pk.data.to_vec(),
            }),
            Ok(None) => return (v, Ok(())),
            Err(e) => return (v, Err(e.to_string())),
        }
    }
}

#[test]
fn reader_agrees_with_libpcap_on_every_shared_capture() {
    let files = corpus();
    assert!(
        files.len() >= 860,
        "expected the shared corpus, found {} files",
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        let (theirs, their_end) = libpcap_read(f);
        let (ours, our_end) = our_read(f);
        let name = f.display();
        // libpcap stops at a link type change inside a pcapng file; we go on (and say so
        // nowhere as an error), so compare only what libpcap delivered in that case.
        let multi_link = matches!(&their_end, Err(m) if m.contains("different"));
        let n = if multi_link {
            theirs.len().min(ours.len())
        } else {
            ours.len().max(theirs.len())
        };
        if let Some(i) = (0..n).find(|&i| theirs.get(i) != ours.get(i)) {
            failures.push(format!(
                "{name}: packet {} differs: libpcap {:?} ours {:?}",
                i + 1,
                theirs.get(i).map(|r| (r.sec, r.nsec, r.caplen, r.len)),
                ours.get(i).map(|r| (r.sec, r.nsec, r.caplen, r.len))
            ));
            continue;
        }
        if !multi_link && their_end.is_ok() != our_end.is_ok() {
            failures.push(format!(
                "{name}: libpcap ends {their_end:?}, we end {our_end:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
