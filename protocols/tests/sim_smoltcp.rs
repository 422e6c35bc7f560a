//! The stack over the annex's `pdu` on the simulated wire against smoltcp (ARP, ICMP echo, UDP
//! echo on port 7): what `exo run ... --nic sim` runs, driven through `annex::run`. On a clean
//! wire: 20/20 pings with no byte copied inside the VM on the ping path, the UDP echo, ICMP
//! port unreachable from smoltcp, zero receive-path copies in the shim. With 10% loss and
//! reordering: most pings answered, UDP echo through retries.

mod common;

use annex::config::NetArgs;
use common::{field, sources_with_tests};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(300);

fn run(function: &str, loss: Option<&str>, reorder: Option<&str>) -> String {
    let args = NetArgs {
        nic: Some("sim".into()),
        ip: Some("192.0.2.1/24".into()),
        loss: loss.map(str::to_string),
        reorder: reorder.map(str::to_string),
        seed: Some(2024),
        ..NetArgs::default()
    };
    let setup = args.resolve().expect("valid --nic sim options");
    let files = sources_with_tests(&["test_util", "sim_test"]);
    let f = function.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    // The VM is not Send: build it on the thread that runs it.
    std::thread::spawn(move || {
        let out = annex::run::run_files(&files, "sim_test", &f, false, &setup, false);
        let _ = tx.send(out);
    });
    let out = rx
        .recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("sim_test:{function}() took over {LIMIT:?}"))
        .expect("the VM and the simulated wire start");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.exit_code,
        0,
        "sim_test:{function}() failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn against_smoltcp_on_a_clean_wire() {
    let o = run("main", None, None);
    for (name, want) in [
        ("resolve", "ok"),
        ("ping", "20"),
        ("vm_copied_bytes_during_pings", "0"),
        (
            "udp_echo",
            "{ok,{{192,0,2,2},7,<<104,101,108,108,111,32,115,109,111,108,116,99,112>>}}",
        ),
        ("unreachable_rx", "true"),
        ("pdu_rx_copied_bytes", "0"),
        ("pdu_frames_both_ways", "{true,true}"),
    ] {
        assert_eq!(field(&o, name), want, "{name} in:\n{o}");
    }
}

#[test]
fn against_smoltcp_with_loss_and_reordering() {
    let o = run("lossy", Some("0.1"), Some("0.1"));
    for (name, want) in [
        ("resolve", "ok"),
        ("ping_most_answered", "true"),
        ("udp_echo_with_retries", "ok"),
    ] {
        assert_eq!(field(&o, name), want, "{name} in:\n{o}");
    }
}
