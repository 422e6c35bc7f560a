//! One differential check shared by the JIT table tests: every backend (the JIT in both
//! specialisations and the graph interpreter) gives libpcap's first match and all matches,
//! rule by rule, on every packet.

use dpf::ir::{Packet, Pred};
use dpf::{Demux, JitGraph, LinkType};

pub fn compile(text: &str) -> Pred {
    dpf::compile(text, LinkType::ETHERNET)
        .unwrap_or_else(|e| panic!("{}: {e}", &text[..text.len().min(60)]))
}

/// Returns how many packets some rule matched. `optimize` is passed to `pcap_compile`.
pub fn agree(texts: &[String], packets: &[Vec<u8>], optimize: bool) -> usize {
    let dead = pcap::Capture::dead(pcap::Linktype(1)).unwrap();
    let progs: Vec<pcap::BpfProgram> = texts
        .iter()
        .map(|t| dead.compile(t, optimize).unwrap())
        .collect();
    let preds: Vec<Pred> = texts.iter().map(|t| compile(t)).collect();
    let consts = JitGraph::new(&preds).unwrap();
    let tables = JitGraph::for_updates(preds).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut matched = 0;
    for (i, d) in packets.iter().enumerate() {
        let p = Packet::new(d, d.len() as u32);
        let want: Vec<usize> = (0..progs.len()).filter(|&k| progs[k].filter(d)).collect();
        for (name, jit) in [("constants", &consts), ("tables", &tables)] {
            assert_eq!(
                jit.first_match(&p),
                want.first().copied(),
                "{name}: packet {i} ({} bytes) {d:02x?}",
                d.len()
            );
            jit.all_matches(&p, &mut a);
            assert_eq!(a, want, "{name}: packet {i} ({} bytes) {d:02x?}", d.len());
        }
        consts.graph().all_matches(&p, &mut b);
        assert_eq!(b, want, "graph: packet {i} {d:02x?}");
        matched += usize::from(!want.is_empty());
    }
    matched
}
