//! Issue 3: one million same-shape insert/remove cycles on a 10,000-rule graph compiled by the
//! JIT leave resident memory flat and never regenerate code. The test prints both figures.

use dpf::cli::bench::rss_bytes;
use dpf::gen::{self, Rng};
use dpf::ir::{Packet, Pred};
use dpf::{Demux, JitGraph};

const RULES: usize = 10_000;
const CYCLES: usize = 1_000_000;
/// Allowed growth over the million cycles: allocator bookkeeping, not one byte per cycle.
const SLACK_KIB: i64 = 1024;

#[test]
fn a_million_insert_remove_cycles_leave_resident_memory_flat() {
    let mut rng = Rng::new(7);
    let flows = gen::flows(RULES + 100, &mut rng);
    let rules: Vec<Pred> = flows[..RULES].iter().map(gen::flow_pred).collect();
    let extra: Vec<Pred> = flows[RULES..].iter().map(gen::flow_pred).collect();
    let mut jit = JitGraph::new(&rules).unwrap();
    // Reach the steady state first: scratch buffers and the allocator's pools grown once.
    for i in 0..10_000 {
        jit.insert(RULES, &extra[i % extra.len()]).unwrap();
        jit.remove(RULES).unwrap();
    }
    let before = rss_bytes();
    assert!(before > 0, "/proc/self/statm is readable");
    for i in 0..CYCLES {
        jit.insert(RULES, &extra[i % extra.len()]).unwrap();
        jit.remove(RULES).unwrap();
    }
    let after = rss_bytes();
    let grown = (after as i64 - before as i64) / 1024;
    println!(
        "{CYCLES} insert/remove cycles: RSS before {} KiB, after {} KiB ({grown:+} KiB), recompiles {}",
        before / 1024,
        after / 1024,
        jit.recompiles()
    );
    assert!(grown <= SLACK_KIB, "resident memory grew {grown} KiB");
    assert_eq!(jit.recompiles(), 0, "same-shape changes regenerated code");
    // The graph is intact: each extra rule's flow matches only while the rule is in.
    let packets = gen::packets(&flows[RULES..], 200, &mut rng);
    jit.insert(RULES, &extra[0]).unwrap();
    let matched = packets
        .iter()
        .filter(|d| jit.first_match(&Packet::new(d, d.len() as u32)) == Some(RULES))
        .count();
    assert!(
        matched > 0,
        "the re-inserted rule matches its flow's packets"
    );
    jit.remove(RULES).unwrap();
    assert!(packets
        .iter()
        .all(|d| jit.first_match(&Packet::new(d, d.len() as u32)) != Some(RULES)));
}
