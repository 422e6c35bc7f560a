//! Replays the fuzz corpora of dpf's targets (fuzz/corpus/<target>/) through the same entry
//! points the fuzzers call, so every input a fuzzer ever saved stays a regression test.

use std::path::Path;

fn replay(target: &str, f: impl Fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        f(&data);
        n += 1;
    }
    n
}

#[test]
fn filter_parse_corpus_never_panics() {
    let n = replay("filter_parse", dpf::fuzz::filter_text);
    assert!(n >= 400, "expected a seeded corpus, found {n} inputs");
}
