//! A live Erlang stack fed hostile frames (`erl/test/hostile_test.erl`) on OTP and on our VM:
//! every truncation of valid frames, 3,000 seeded mutations, random bytes, non-binary
//! messages and a 500-fragment flood. It must survive, stay within its reassembly limits and
//! still answer pings and echo a 60,000-byte datagram.

mod common;

use common::{field, run_otp, run_vm, sources_with_tests};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(300);

fn check(out: &str) {
    for (name, want) in [
        ("warmup_ping", "3"),
        ("seed_frames", "true"),
        ("alive", "true"),
        ("reasm_within_limits", "{true,true}"),
        ("flood_evicted_some", "true"),
        ("bad_input_counted", "true"),
        ("ping_after", "5"),
        ("echo_60000_after", "true"),
    ] {
        assert_eq!(field(out, name), want, "{name} in:\n{out}");
    }
}

#[test]
fn hostile_frames_on_otp() {
    let files = sources_with_tests(&["test_util", "hostile_test"]);
    check(&run_otp(&files, "hostile_test", LIMIT));
}

#[test]
fn hostile_frames_on_our_vm() {
    let files = sources_with_tests(&["test_util", "hostile_test"]);
    check(&run_vm(&files, "hostile_test", LIMIT));
}
