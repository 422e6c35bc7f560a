//! `dpf bench` runs every backend (the JIT, the graph interpreter, the hand-written demux and
//! libpcap's programs in order) over the same trace in interleaved rounds, refuses to print a
//! row whose backends disagree (it compares checksums of their answers), and prints one row
//! per rule count in the order given, the ratio column relative to the first row.

mod e2e_common;
use e2e_common::*;

#[test]
fn every_backend_runs_and_every_rule_count_gets_a_row() {
    let o = dpf(&[
        "bench",
        "--flows",
        "1,10,100",
        "--packets",
        "2000",
        "--reps",
        "2",
        "--no-extras",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("best of 2 rounds"), "{out}");
    // Every loop asks for its packets ahead by default, as a receive loop does.
    assert!(
        out.contains("every backend prefetching 8 packets ahead"),
        "{out}"
    );
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() >= 8 && w[0].parse::<usize>().is_ok())
        .collect();
    let ns: Vec<&str> = rows.iter().map(|w| w[0]).collect();
    assert_eq!(ns, ["1", "10", "100"], "{out}");
    for w in &rows {
        // jit, graph, hand and libpcap: positive ns/packet figures.
        for t in &w[1..5] {
            let v: f64 = t.parse().unwrap_or_else(|_| panic!("{t} in {w:?}"));
            assert!(v > 0.0 && v.is_finite(), "{w:?}");
        }
    }
    assert_eq!(rows[0][7], "1.00", "jit/jit(1) of the first row: {out}");
}

#[test]
fn a_benchmark_of_nothing_is_refused() {
    for (opt, what) in [("--packets", "packets"), ("--reps", "reps")] {
        let o = dpf(&["bench", opt, "0", "--no-extras", "--flows", "1"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{opt} 0: {err}");
        assert!(
            err.contains(what) && err.contains("at least 1"),
            "{opt} 0: {err}"
        );
        assert!(o.stdout.is_empty(), "{opt} 0 printed a table");
    }
}
