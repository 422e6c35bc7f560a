//! The `dpf` command: filter, replay and split captures with many pcap-filter rules in one
//! pass. Each subcommand lives in `dpf::cli::<name>`; this file only dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dpf::cli;

// Rule compilation allocates a node per predicate; see dpf::alloc for why mimalloc.
#[global_allocator]
static GLOBAL: dpf::alloc::MiAlloc = dpf::alloc::MiAlloc;

extern "C" fn bounded_resident_set() {
    dpf::alloc::bounded_resident_set();
}

/// `split` must run in bounded memory, and mimalloc reserves its arena at the first
/// allocation, before `main`: this sets it up when the program is loaded, before the C
/// runtime's and mimalloc's own constructors (prioritised `.init_array` entries run first, in
/// priority order) and before Rust's runtime allocates anything.
#[used]
#[unsafe(link_section = ".init_array.00101")]
static BOUNDED_RESIDENT_SET: extern "C" fn() = bounded_resident_set;

#[derive(Parser)]
#[command(
    name = "dpf",
    version,
    about = "Packet filters with tcpdump's language: many rules, one pass",
    long_about = "Packet filters with tcpdump's language (pcap-filter(7)): check expressions, \
                  filter a capture like `tcpdump -r IN -w OUT EXPR`, and replay or split a \
                  capture through a file of named rules in one pass."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Check filter expressions; errors point at the offending span.
    Check(cli::check::Args),
    /// Write the packets an expression accepts (tcpdump -r IN -w OUT EXPR).
    Filter(cli::filter::Args),
    /// Which rules match each packet: per-packet JSON lines or a summary.
    Replay(cli::replay::Args),
    /// One pass, one output capture per rule.
    Split(cli::split::Args),
    /// Show a rule file at each stage of the pipeline.
    Compile(cli::compile::Args),
    /// Write a synthetic trace of N TCP flows plus noise, and one 4-tuple rule per flow.
    Gen(cli::gen::Args),
    /// Measure the JIT against the graph interpreter, libpcap and a hand-written demux.
    Bench(cli::bench::Args),
}

fn main() -> ExitCode {
    // No big stack: the library walks long rules in loops and bounds nesting in the parser
    // (`tests/cli_small_stack.rs` runs every command on a 2 MiB main thread).
    run(Cli::parse().cmd)
}

fn run(cmd: Cmd) -> ExitCode {
    let result = match cmd {
        Cmd::Check(a) => cli::check::run(a),
        Cmd::Filter(a) => cli::filter::run(a),
        Cmd::Replay(a) => cli::replay::run(a),
        Cmd::Split(a) => cli::split::run(a),
        Cmd::Compile(a) => cli::compile::run(a),
        Cmd::Gen(a) => cli::gen::run(a),
        Cmd::Bench(a) => cli::bench::run(a),
    };
    result.unwrap_or_else(|e| {
        eprintln!("dpf: error: {e}");
        ExitCode::FAILURE
    })
}
