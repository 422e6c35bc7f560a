//! Two Erlang netstacks over the Erlang fake link (`erl/test/two_stacks_test.erl`), on OTP and
//! on our VM: ARP both ways, 20 pings, UDP echo, a 60,000-byte datagram fragmented and
//! reassembled, port unreachable, then loss and reordering. Every frame the stacks put on
//! the lossless wire is checked by etherparse.

mod common;

use common::{field, frames, oracle, run_otp, run_vm, sources_with_tests, without_frames};
use std::sync::OnceLock;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(300);

fn outputs() -> &'static (String, String) {
    static OUT: OnceLock<(String, String)> = OnceLock::new();
    OUT.get_or_init(|| {
        let files = sources_with_tests(&["test_util", "two_stacks_test"]);
        let otp = run_otp(&files, "two_stacks_test", LIMIT);
        let ours = run_vm(&files, "two_stacks_test", LIMIT);
        (otp, ours)
    })
}

/// The checks hold on both VMs (each line is asserted on each output).
fn both() -> [&'static str; 2] {
    let (otp, ours) = outputs();
    [otp.as_str(), ours.as_str()]
}

#[test]
fn otp_and_our_vm_print_the_same_results() {
    let (otp, ours) = outputs();
    common::assert_same_output(
        &without_frames(otp),
        &without_frames(ours),
        "two_stacks_test",
    );
}

#[test]
fn arp_resolves_both_ways() {
    for o in both() {
        assert_eq!(field(o, "arp_a_resolves_b"), "{ok,<<2,0,0,0,0,11>>}");
        // B learned A from A's request (RFC 826: the target adds the sender).
        assert_eq!(
            field(o, "arp_b_knows_a"),
            "[{{192,0,2,10},<<2,0,0,0,0,10>>}]"
        );
        assert_eq!(field(o, "arp_b_resolves_a"), "{ok,<<2,0,0,0,0,10>>}");
        assert_eq!(field(o, "arp_unknown_times_out"), "{error,timeout}");
    }
}

#[test]
fn twenty_pings_each_way_are_answered() {
    for o in both() {
        assert_eq!(field(o, "ping_a_to_b"), "20");
        assert_eq!(field(o, "ping_b_to_a"), "20");
        assert_eq!(field(o, "ping_nobody"), "0");
        let a = field(o, "a_stats");
        let b = field(o, "b_stats");
        assert!(a.contains("icmp_echo_replies_rx => 20"), "{a}");
        assert!(b.contains("icmp_echo_replies_sent => 20"), "{b}");
    }
}

#[test]
fn udp_echo_round_trips_small_and_60000_byte_datagrams() {
    for o in both() {
        // ~w prints "hello, echo" as its bytes.
        assert_eq!(
            field(o, "udp_echo_small"),
            "{ok,{{192,0,2,11},7,<<104,101,108,108,111,44,32,101,99,104,111>>}}"
        );
        assert_eq!(field(o, "udp_echo_60000"), "{{192,0,2,11},7,true,60000}");
        assert_eq!(field(o, "udp_echo_port_in_use"), "{error,eaddrinuse}");
        assert_eq!(field(o, "udp_ephemeral_port"), "true");
        assert_eq!(field(o, "udp_too_big"), "{error,emsgsize}");
        // One reassembly each way: the request at B, the echo at A.
        assert!(field(o, "a_stats").contains("reasm_reassembled => 1"));
        assert!(field(o, "b_stats").contains("reasm_reassembled => 1"));
        assert!(field(o, "a_stats").contains("reasm_in_flight => 0"));
    }
}

#[test]
fn a_closed_port_answers_icmp_port_unreachable() {
    for o in both() {
        assert_eq!(field(o, "udp_recv_timeout"), "{error,timeout}");
        let b = field(o, "b_stats");
        assert!(
            b.contains("udp_no_port => 1") && b.contains("icmp_unreachable_sent => 1"),
            "{b}"
        );
        assert!(field(o, "a_stats").contains("icmp_unreachable_rx => 1"));
    }
}

#[test]
fn loss_and_reordering() {
    for o in both() {
        assert_eq!(field(o, "lossy_ping_accounting"), "true");
        assert_eq!(
            field(o, "lossy_wire_dropped_and_reordered_some"),
            "{true,true}"
        );
        assert_eq!(field(o, "reorder_echo_60000"), "true");
        assert_eq!(field(o, "reorder_wire_reordered_many"), "true");
    }
}

#[test]
fn bad_configs_are_refused_with_reasons() {
    for o in both() {
        assert_eq!(
            field(o, "config_missing_ip"),
            "{error,{netstack,{missing_config,ip}}}"
        );
        assert_eq!(
            field(o, "config_bad_mac"),
            "{error,{netstack,{bad_config,mac,<<1,2>>}}}"
        );
        assert_eq!(
            field(o, "config_bad_prefix"),
            "{error,{netstack,{bad_config,prefix_len,33}}}"
        );
        assert_eq!(
            field(o, "config_not_map"),
            "{error,{netstack,{config_not_a_map,nothing}}}"
        );
        assert_eq!(
            field(o, "config_bad_link_arg"),
            "{error,{netstack,{link_open,fake_link,{fake_link,{bad_filter,nowhere}}}}}"
        );
    }
}

#[test]
fn serve_entry_points_start_echo_and_ping() {
    for o in both() {
        assert!(o.contains("serve: ready ip=192.0.2.10 mac=02:00:00:00:00:0a udp_echo=7\n"));
        assert!(o.contains("serve: ping 3/3\n"));
        assert_eq!(
            field(o, "serve_echo"),
            "{ok,{{192,0,2,10},7,<<115,101,114,118,101,100>>}}"
        );
        assert_eq!(field(o, "serve_no_gw"), "{error,no_gw}");
    }
}

#[test]
fn every_frame_on_the_wire_parses_with_etherparse() {
    for o in both() {
        let fs = frames(o);
        assert!(fs.len() > 100, "only {} frames", fs.len());
        let (mut icmp, mut udp, mut frag) = (0, 0, Vec::new());
        // (sender side, operation, target address) of each ARP frame.
        let mut arp = Vec::new();
        for (side, bytes) in &fs {
            let seen =
                oracle::check_frame(bytes).unwrap_or_else(|e| panic!("frame from {side}: {e}"));
            let mac = if side == "a" {
                [2, 0, 0, 0, 0, 0xa]
            } else {
                [2, 0, 0, 0, 0, 0xb]
            };
            assert_eq!(seen.src_mac, mac);
            if let Some(a) = &seen.arp {
                arp.push((side.as_str(), a.operation, a.target_ipv4));
            } else if seen.icmp.is_some() {
                icmp += 1;
            } else if seen.udp.is_some() {
                udp += 1;
            } else if seen.fragment {
                frag.push(bytes.clone());
            }
        }
        // A asks for B and for the absent .99; B answers A and, having learned A from its
        // request, never asks for A. (Retries may repeat a request on a loaded machine.)
        use etherparse::ArpOperation;
        let req_b = arp
            .iter()
            .filter(|a| **a == ("a", ArpOperation::REQUEST, [192, 0, 2, 11]))
            .count();
        let req_99 = arp
            .iter()
            .filter(|a| **a == ("a", ArpOperation::REQUEST, [192, 0, 2, 99]))
            .count();
        let reply = arp
            .iter()
            .filter(|a| **a == ("b", ArpOperation::REPLY, [192, 0, 2, 10]))
            .count();
        assert!(req_b >= 1 && req_99 >= 1 && reply == req_b, "{arp:?}");
        assert_eq!(arp.len(), req_b + req_99 + reply, "{arp:?}");
        // 40 echo requests and replies each way, plus one port unreachable.
        assert!(icmp >= 81, "{icmp} ICMP frames");
        // "hello, echo" there and back, and the datagram to port 9.
        assert_eq!(udp, 3);
        // The 60,000-byte datagram there and back: 41 fragments each way.
        assert_eq!(frag.len(), 82);
        let whole = oracle::reassemble_udp(&frag).expect("etherparse reassembles");
        assert_eq!(whole.len(), 2);
        for (_, _, data) in &whole {
            assert_eq!(data.len(), 60000);
            assert!(data
                .iter()
                .enumerate()
                .all(|(i, b)| *b == ((i + 1) % 256) as u8));
        }
    }
}
