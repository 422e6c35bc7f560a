//! The ping benchmark's responders answer correctly (the pinger checks every reply's
//! addresses, payload and checksum with smoltcp's parser), so its figures measure real work.

use annex::bench::{
    ping_erlang, ping_rust, stack_sources, RustResponder, PING_RESPONDER, PING_STACK,
};
use std::time::Duration;

#[test]
fn every_responder_answers_every_ping_correctly() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../protocols/erl");
    let mut stack = stack_sources(&dir).unwrap();
    stack.push(("ping_stack.erl".into(), PING_STACK.into()));
    let stack: Vec<(&str, &str)> = stack
        .iter()
        .map(|(p, s)| (p.as_str(), s.as_str()))
        .collect();
    for window in [1, 8] {
        let s = ping_erlang("stack", &stack, "ping_stack", 200, window, 56).unwrap();
        let e = ping_erlang(
            "erlang",
            &[("ping_responder.erl", PING_RESPONDER)],
            "ping_responder",
            200,
            window,
            56,
        )
        .unwrap();
        for r in [
            s,
            e,
            ping_rust(
                RustResponder::Smoltcp,
                200,
                window,
                56,
                Duration::from_secs(20),
            ),
            ping_rust(
                RustResponder::Reflector,
                200,
                window,
                56,
                Duration::from_secs(20),
            ),
        ] {
            assert_eq!((r.replies, r.bad), (200, 0), "{r:?}");
            // At most the first window, sent before the responder listened or resolved the
            // pinger's MAC, is sent again.
            assert!(r.sent <= 200 + window, "retries on a clean wire: {r:?}");
            assert!(r.cpu > Duration::ZERO);
        }
    }
}
