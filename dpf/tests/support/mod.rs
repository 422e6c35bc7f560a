//! libpcap as the oracle: captures read by libpcap itself, filters compiled by `pcap_compile`
//! (optimised, netmask 0, as `tcpdump -r` does) and run by libpcap's own `bpf_filter` with the
//! packet's real wire length.
#![allow(dead_code)]

use dpf::ir::Packet;
use dpf::LinkType;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[repr(C)]
#[derive(Clone, Copy)]
pub struct BpfInsn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

extern "C" {
    fn bpf_filter(pc: *const BpfInsn, p: *const u8, wirelen: u32, buflen: u32) -> u32;
}

pub fn shared_pcaps() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/pcaps")
}

pub struct Trace {
    pub path: PathBuf,
    pub packets: Vec<(Vec<u8>, u32)>,
}

/// Captures of one link type (and, for BSD loopback, one byte order): libpcap compiles a
/// filter the same way for all of them.
pub struct Group {
    pub link: LinkType,
    pub compiler: pcap::Capture<pcap::Offline>,
    pub traces: Vec<Trace>,
}

/// LINKTYPE_* number for libpcap's DLT_* number.
pub fn dlt_to_linktype(dlt: i32) -> u32 {
    match dlt {
        12 | 14 => 101,
        n => n as u32,
    }
}

fn file_swapped(path: &Path) -> bool {
    let Ok(b) = std::fs::read(path) else {
        return false;
    };
    if b.len() < 12 {
        return false;
    }
    match &b[..4] {
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => true,
        [0x0a, 0x0d, 0x0d, 0x0a] => b[8..12] == [0x1a, 0x2b, 0x3c, 0x4d],
        _ => false,
    }
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            all_files(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("pcap") | Some("pcapng") | Some("cap")
        ) {
            out.push(p);
        }
    }
}

/// Every capture libpcap can open, grouped by link type; packets up to the first read error.
pub fn load_groups(want: impl Fn(LinkType) -> bool) -> Vec<Group> {
    let mut files = Vec::new();
    all_files(&shared_pcaps(), &mut files);
    assert!(
        files.len() > 800,
        "expected the shared captures beside the project, found {} files in {}",
        files.len(),
        shared_pcaps().display()
    );
    let mut groups: BTreeMap<(u32, bool), Group> = BTreeMap::new();
    for path in files {
        let Ok(mut cap) = pcap::Capture::from_file(&path) else {
            continue;
        };
        let link = LinkType(dlt_to_linktype(cap.get_datalink().0));
        if !want(link) {
            continue;
        }
        let swapped = link == LinkType::NULL && file_swapped(&path);
        let mut packets = Vec::new();
        while let Ok(p) = cap.next_packet() {
            packets.push((p.data.to_vec(), p.header.len));
            if packets.len() >= 20_000 {
                break;
            }
        }
        let key = (link.0, swapped);
        let trace = Trace { path, packets };
        match groups.get_mut(&key) {
            Some(g) => g.traces.push(trace),
            None => {
                let Ok(compiler) = pcap::Capture::from_file(&trace.path) else {
                    continue;
                };
                groups.insert(
                    key,
                    Group {
                        link,
                        compiler,
                        traces: vec![trace],
                    },
                );
            }
        }
    }
    groups.into_values().collect()
}

pub struct LibpcapFilter {
    prog: pcap::BpfProgram,
}

impl LibpcapFilter {
    pub fn compile(cap: &pcap::Capture<pcap::Offline>, expr: &str) -> Result<Self, String> {
        cap.compile(expr, true)
            .map(|prog| LibpcapFilter { prog })
            .map_err(|e| e.to_string())
    }

    pub fn matches(&self, data: &[u8], wirelen: u32) -> bool {
        let insns = self.prog.get_instructions();
        // SAFETY: BpfInstruction is repr(transparent) over libpcap's struct bpf_insn, which has
        // this layout; the program outlives the call; bpf_filter reads at most buflen bytes.
        unsafe {
            bpf_filter(
                insns.as_ptr() as *const BpfInsn,
                data.as_ptr(),
                wirelen,
                data.len() as u32,
            ) != 0
        }
    }
}

/// Differences between our verdicts and libpcap's for one expression over a group.
pub struct Diff {
    pub expr: String,
    pub file: PathBuf,
    pub packet: usize,
    pub ours: bool,
    pub libpcap: bool,
}

pub enum Outcome {
    /// Both compiled; the differences found (empty: agreement on every packet).
    Compared { packets: usize, diffs: Vec<Diff> },
    /// libpcap rejects the expression; whether we do too.
    LibpcapRejects {
        we_reject: bool,
        libpcap_msg: String,
    },
    /// libpcap accepts, we reject.
    WeReject { msg: String },
}

pub fn compare<F: Fn(&Packet) -> bool>(
    g: &Group,
    expr: &str,
    ours: impl FnOnce(&str, LinkType) -> Result<F, String>,
) -> Outcome {
    let theirs = LibpcapFilter::compile(&g.compiler, expr);
    let mine = ours(expr, g.link);
    match (theirs, mine) {
        (Err(m), mine) => Outcome::LibpcapRejects {
            we_reject: mine.is_err(),
            libpcap_msg: m,
        },
        (Ok(_), Err(msg)) => Outcome::WeReject { msg },
        (Ok(t), Ok(m)) => {
            let mut diffs = Vec::new();
            let mut packets = 0;
            for tr in &g.traces {
                for (i, (data, wl)) in tr.packets.iter().enumerate() {
                    packets += 1;
                    let a = m(&Packet::new(data, *wl));
                    let b = t.matches(data, *wl);
                    if a != b && diffs.len() < 20 {
                        diffs.push(Diff {
                            expr: expr.to_string(),
                            file: tr.path.clone(),
                            packet: i + 1,
                            ours: a,
                            libpcap: b,
                        });
                    }
                }
            }
            Outcome::Compared { packets, diffs }
        }
    }
}

/// Lines of a corpus file: expressions, `#` comments and blank lines skipped.
pub fn corpus(name: &str) -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name);
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}
