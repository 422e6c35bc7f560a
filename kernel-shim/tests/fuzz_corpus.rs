//! Replays the corpora of the shim's fuzz targets (fuzz/corpus/<target>/) through the same entry
//! points the fuzzers call, so every input a fuzzer saved stays a regression test.

use std::path::Path;

fn replay(target: &str, f: impl Fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in &entries {
        let data = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        f(&data);
    }
    entries.len()
}

#[test]
fn shim_frames_corpus_keeps_invariants() {
    let n = replay("shim_frames", kernel_shim::fuzz::shim_frames);
    assert!(n >= 40, "expected a seeded corpus, found {n} inputs");
}

#[test]
fn shim_wake_corpus_never_panics() {
    let n = replay("shim_wake", kernel_shim::fuzz::shim_wake);
    assert!(n >= 40, "expected a seeded corpus, found {n} inputs");
}
