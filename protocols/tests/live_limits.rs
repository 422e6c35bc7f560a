//! The limits of a running stack (`erl/test/live_limits_test.erl`), on OTP and on our VM: ICMP
//! errors cut off by the token bucket, an incomplete datagram dropped at the reassembly
//! timeout, ARP giving up on an absent host and dropping its queue, cache entries expiring.

mod common;

use common::{field, run_otp, run_vm, sources_with_tests};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(300);

fn check(out: &str) {
    for (name, want) in [
        // 50 datagrams to a closed port, a burst of 5 and no refill: 5 errors, 45 refused.
        ("icmp_errors_sent_and_limited", "{5,45}"),
        ("icmp_errors_received", "5"),
        ("reasm_held", "true"),
        ("reasm_timed_out", "true"),
        ("reasm_released", "{0,0}"),
        ("arp_gave_up", "true"),
        ("arp_dropped_queued", "3"),
        ("arp_pending_after", "0"),
        ("arp_entry_learned", "[{192,0,2,11}]"),
        ("arp_entry_expired", "true"),
    ] {
        assert_eq!(field(out, name), want, "{name} in:\n{out}");
    }
}

#[test]
fn live_limits_on_otp() {
    let files = sources_with_tests(&["test_util", "live_limits_test"]);
    check(&run_otp(&files, "live_limits_test", LIMIT));
}

#[test]
fn live_limits_on_our_vm() {
    let files = sources_with_tests(&["test_util", "live_limits_test"]);
    check(&run_vm(&files, "live_limits_test", LIMIT));
}
