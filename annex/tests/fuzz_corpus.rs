//! Replays the `annex_pdu` fuzz target's corpus (fuzz/corpus/annex_pdu/) through the same
//! entry point the fuzzer calls, so every input it saved stays a regression test.

use std::path::Path;

#[test]
fn annex_pdu_corpus_keeps_the_books() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/annex_pdu");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in &entries {
        let data = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        annex::fuzz::pdu_ops(&data);
    }
    assert!(
        entries.len() >= 40,
        "expected a seeded corpus, found {}",
        entries.len()
    );
}
