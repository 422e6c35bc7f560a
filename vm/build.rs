// Embeds every `lib/*.erl` (the Erlang standard library that runs on this VM) into the
// crate, so the binary needs no files at run time. A missing or empty folder is fine.
use std::io::Write;

fn main() {
    // Read at run time: `env!` would freeze the directory of whichever checkout first compiled
    // this build script, and a target directory reused from another checkout would then embed
    // that checkout's (or no) library.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = std::path::Path::new(&manifest).join("lib");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<std::path::PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .map(|x| x == "erl" || x == "hrl")
                    .unwrap_or(false)
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("stdlib.rs");
    let mut f = std::fs::File::create(&out).expect("create stdlib.rs");
    writeln!(f, "/// (file name, source) of each bundled library module.").expect("write");
    writeln!(f, "pub static STDLIB: &[(&str, &str)] = &[").expect("write");
    for p in &files {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        writeln!(
            f,
            "    ({:?}, include_str!({:?})),",
            name,
            p.display().to_string()
        )
        .expect("write");
    }
    writeln!(f, "];").expect("write");
}
