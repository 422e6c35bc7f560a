//! Replays the fuzz corpus (`fuzz/corpus/erl_compile/*`) through `vm::fuzz_compile`, and
//! mutations of it, asserting that nothing panics; the seeds that are valid must compile.

use std::path::Path;

#[test]
fn corpus_replays_without_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/erl_compile");
    let mut n = 0;
    let mut compiled = 0;
    for e in std::fs::read_dir(&dir).expect("corpus folder exists") {
        let p = e.unwrap().path();
        let data = std::fs::read(&p).unwrap();
        if vm::fuzz_compile(&data) {
            compiled += 1;
        }
        // Every truncation and a few byte flips of each seed: bounded work, many error paths.
        for cut in (0..data.len()).step_by(7) {
            let _ = vm::fuzz_compile(&data[..cut]);
        }
        for i in (0..data.len()).step_by(13) {
            let mut d = data.clone();
            d[i] ^= 0x5a;
            let _ = vm::fuzz_compile(&d);
        }
        n += 1;
    }
    assert!(n >= 5, "corpus has {n} seeds");
    assert!(compiled >= 4, "only {compiled} of {n} seeds compile");
}

/// Replays `fuzz/corpus/erl_native/*` through `vm::fuzz_native`: each seed's module runs on
/// the interpreter and on native code, and the two outputs must be the same.
#[test]
fn native_corpus_agrees_with_the_interpreter() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/erl_native");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("corpus folder exists") {
        let data = std::fs::read(e.unwrap().path()).unwrap();
        if let Err(report) = vm::fuzz_native(&data) {
            panic!("native code and the interpreter differ:\n{report}");
        }
        n += 1;
    }
    assert!(n >= 5, "corpus has {n} seeds");
    assert!(
        vm::jit::compiled() >= n,
        "only {} functions compiled to native code for {n} seeds",
        vm::jit::compiled()
    );
}
