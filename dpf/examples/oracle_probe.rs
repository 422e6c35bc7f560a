//! Developer tool: compares our verdicts with libpcap's for the expressions given as arguments,
//! over every capture in ../shared/pcaps of the supported link types, and prints differences.
//!
//!     cargo run -p dpf --example oracle_probe -- 'tcp port 80' 'vlan and ip'

#[path = "../tests/support/mod.rs"]
mod support;

use support::{compare, load_groups, Outcome};

fn main() {
    let exprs: Vec<String> = std::env::args().skip(1).collect();
    let groups = load_groups(|l| dpf::compile("", l).is_ok());
    for e in &exprs {
        for g in &groups {
            let out = compare(g, e, |x, l| {
                dpf::compile(x, l)
                    .map(|p| move |pk: &dpf::ir::Packet| p.matches(pk))
                    .map_err(|e| e.msg)
            });
            match out {
                Outcome::Compared { packets, diffs } => {
                    println!(
                        "{e:?} link {}: {packets} packets, {} diffs",
                        g.link.0,
                        diffs.len()
                    );
                    for d in diffs.iter().take(5) {
                        println!(
                            "   {}#{}: ours {} libpcap {}",
                            d.file.display(),
                            d.packet,
                            d.ours,
                            d.libpcap
                        );
                    }
                }
                Outcome::LibpcapRejects {
                    we_reject,
                    libpcap_msg,
                } => println!(
                    "{e:?} link {}: libpcap rejects ({libpcap_msg}); we {}",
                    g.link.0,
                    if we_reject { "reject too" } else { "ACCEPT" }
                ),
                Outcome::WeReject { msg } => {
                    println!(
                        "{e:?} link {}: WE REJECT ({msg}), libpcap accepts",
                        g.link.0
                    )
                }
            }
        }
    }
}
