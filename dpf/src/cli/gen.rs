//! `dpf gen`: a synthetic trace and its per-flow rule file (see [`crate::gen`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::gen::{flows, packets, rules_text, write_pcap, Rng};

/// Write a synthetic Ethernet capture: N known TCP flows (80% of packets) plus noise (TCP to
/// unknown ports, UDP, ARP, ICMP, IPv6), and one 4-tuple rule per flow.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Number of known TCP flows (and rules).
    #[arg(long, default_value_t = 1000)]
    pub flows: usize,
    /// Number of packets to write.
    #[arg(long, default_value_t = 20000)]
    pub packets: usize,
    /// Output capture (pcap).
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// Output rule file, one `connN: tcp and src host ...` line per flow.
    #[arg(long)]
    pub rules: PathBuf,
    /// Seed of the generator (the same seed gives the same files).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn run(a: Args) -> super::Outcome {
    run_inner(a).map_err(super::CliError)
}

fn run_inner(a: Args) -> Result<ExitCode, String> {
    if a.flows > 250 * 64_000 {
        return Err(format!(
            "--flows {}: at most {} distinct flows exist in 198.51.100.0/24",
            a.flows,
            250 * 64_000
        ));
    }
    let mut rng = Rng::new(a.seed);
    let fl = flows(a.flows, &mut rng);
    let pk = packets(&fl, a.packets, &mut rng);
    let out = File::create(&a.output).map_err(|e| format!("{}: {e}", a.output.display()))?;
    let mut w = BufWriter::new(out);
    write_pcap(&mut w, &pk).map_err(|e| format!("{}: {e}", a.output.display()))?;
    w.flush()
        .map_err(|e| format!("{}: {e}", a.output.display()))?;
    std::fs::write(&a.rules, rules_text(&fl)).map_err(|e| format!("{}: {e}", a.rules.display()))?;
    eprintln!(
        "wrote {} packets to {} and {} rules to {}",
        pk.len(),
        a.output.display(),
        fl.len(),
        a.rules.display()
    );
    Ok(ExitCode::SUCCESS)
}
