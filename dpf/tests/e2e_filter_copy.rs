//! `dpf filter -r IN -w OUT` with no expression copies a capture exactly as
//! `tcpdump -r IN -w OUT` does, on every shared capture: the same bytes (header, link type
//! with FCS bits, snap length, records) and the same success or failure.

mod e2e_common;
use e2e_common::*;

#[test]
fn copy_equals_tcpdump_on_every_shared_capture() {
    let dir = scratch("e2e_filter_copy");
    let (theirs, ours) = (dir.join("tcpdump.pcap"), dir.join("dpf.pcap"));
    let files = corpus();
    assert!(files.len() >= 860);
    let mut failures = Vec::new();
    for f in &files {
        let _ = std::fs::remove_file(&theirs);
        let _ = std::fs::remove_file(&ours);
        let t = tcpdump_write(f, &theirs, "");
        let d = dpf(&[
            "filter",
            "-r",
            f.to_str().unwrap(),
            "-w",
            ours.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&d.stderr);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", f.display());
        let (a, b) = (std::fs::read(&theirs).ok(), std::fs::read(&ours).ok());
        // tcpdump turns an invalid nanosecond fraction (>= 2^31) into microseconds with a
        // signed division; we keep the unsigned field. Only this file has one.
        let signed_fraction = f.ends_with("timestamp_invalid_nano.pcap");
        if t != d.status.code() || (a != b && !signed_fraction) {
            failures.push(format!(
                "{}: tcpdump exit {t:?}, dpf exit {:?}, outputs {}: {stderr}",
                f.display(),
                d.status.code(),
                if a == b { "equal" } else { "differ" }
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
