//! The Erlang protocol stack on our VM against smoltcp over the simulated wire, as
//! `exo run --nic sim` sets it up: smoltcp (an independent implementation) at 192.0.2.2
//! answers ARP, ping and UDP echo; the stack at 192.0.2.1 must resolve it and be resolved.
//! Clean wire: every round trip on the first try. Lossy wire (10% loss, 10% reordering, two
//! seeds): every round trip completes with bounded retries.

mod common;

use annex::config::NetArgs;

fn run(entry: &str, faults: &[(&str, &str)], seed: u64) -> String {
    let mut args = NetArgs {
        nic: Some("sim".into()),
        ip: Some("192.0.2.1/24".into()),
        seed: Some(seed),
        ..Default::default()
    };
    for (k, v) in faults {
        match *k {
            "loss" => args.loss = Some(v.to_string()),
            "reorder" => args.reorder = Some(v.to_string()),
            _ => unreachable!("test fault {k}"),
        }
    }
    let setup = args.resolve().unwrap();
    let files = common::stack_files(&["sim_stack.erl"]);
    let out = annex::run::run_files(&files, "sim_stack", entry, false, &setup, false).unwrap();
    assert_eq!(
        out.exit_code,
        0,
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn clean_wire_every_round_trip_first_time() {
    assert_eq!(run("clean", &[], 1), "clean: ping 20/20 udp 20/20 big ok");
}

#[test]
fn lossy_reordering_wire_every_round_trip_with_retries() {
    for seed in [3, 11] {
        assert_eq!(
            run("lossy", &[("loss", "0.1"), ("reorder", "0.1")], seed),
            "lossy: ping 20/20 udp 20/20 rx_copied 0",
            "seed {seed}"
        );
    }
}
