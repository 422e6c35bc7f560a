//! The Erlang protocol stack on our VM against smoltcp over the simulated wire, as
//! `exo run --nic sim` sets it up: smoltcp (an independent implementation) at 192.0.2.2
//! answers ARP, ping and UDP echo; the stack at 192.0.2.1 must resolve it and be resolved.
//! Clean wire: every round trip on the first try. Lossy wire (10% loss, 10% reordering, two
//! seeds): every round trip completes with bounded retries.

mod common;

use annex::config::{NetArgs, NetConfig};
use annex::host::{PduHost, SharedPeer};
use annex::peer::SmolPeer;
use kernel_shim::nic::sim::{Clock, SimWire, WireConfig};
use std::cell::RefCell;
use std::net::Ipv4Addr;
use std::rc::Rc;

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

/// smoltcp is the client: 20 pings to the Erlang stack and 20 datagrams to its UDP echo
/// server, through `loss` and `reorder`, resent every 300 ms until answered.
fn smoltcp_asks(loss: f64, reorder: f64, seed: u64) -> (usize, usize, u64, String) {
    let (ours, theirs) = SimWire::pair(
        WireConfig {
            seed,
            loss,
            reorder,
            ..WireConfig::default()
        },
        Clock::real(),
    );
    let stack_ip = Ipv4Addr::new(192, 0, 2, 1);
    let cfg = NetConfig {
        ip: Some(stack_ip),
        prefix_len: 24,
        ..NetConfig::default()
    };
    let smol = Rc::new(RefCell::new(
        SmolPeer::new(
            theirs,
            [0x02, 0, 0, 0, 0, 0x22],
            Ipv4Addr::new(192, 0, 2, 2),
            24,
            7,
        )
        .with_client(stack_ip, 7, 20),
    ));
    let mut host: PduHost<u64> = PduHost::new(Some(Box::new(ours)), cfg).unwrap();
    host.add_peer(Box::new(SharedPeer(smol.clone())));
    let mut vm = vm::embed::Vm::new();
    annex::natives::install(&mut vm, Rc::new(RefCell::new(host)));
    for f in common::stack_files(&["sim_stack.erl"]) {
        vm.load_file(&f).unwrap();
    }
    let out = vm.run("sim_stack", "serve_until_done", false);
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    let s = smol.borrow();
    let c = s.client.as_ref().unwrap();
    (
        c.pinged.len(),
        c.echoed.len(),
        c.sent,
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    )
}

#[test]
fn smoltcp_pings_and_echoes_through_the_erlang_stack() {
    let (pinged, echoed, sent, out) = smoltcp_asks(0.0, 0.0, 1);
    assert_eq!((pinged, echoed), (20, 20));
    assert_eq!(out, "served: rx_copied 0");
    // On a clean wire only the first round may need resending (smoltcp resolves the stack's
    // MAC by ARP and drops what it queued meanwhile).
    assert!(sent <= 40, "{sent} rounds sent");
    let (pinged, echoed, sent, out) = smoltcp_asks(0.1, 0.1, 7);
    assert_eq!((pinged, echoed), (20, 20), "lossy wire");
    assert_eq!(out, "served: rx_copied 0");
    assert!(sent > 20, "the lossy wire forced resends ({sent} rounds)");
}
