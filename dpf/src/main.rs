use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dpf::cli;

#[derive(Parser)]
#[command(
    name = "dpf",
    version,
    about = "Packet filters with tcpdump's language: many rules, one pass"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write a synthetic trace of N TCP flows plus noise, and one 4-tuple rule per flow.
    Gen(cli::gen::Args),
    /// Measure the JIT against the graph interpreter, libpcap and a hand-written demux.
    Bench(cli::bench::Args),
}

fn main() -> ExitCode {
    let result = match Cli::parse().cmd {
        Cmd::Gen(a) => cli::gen::run(a),
        Cmd::Bench(a) => cli::bench::run(a),
    };
    result.unwrap_or_else(|e| {
        eprintln!("dpf: error: {e}");
        ExitCode::FAILURE
    })
}
