//! Per-rule counts and the end-of-run summary of `dpf replay` and `dpf split`: a table on a
//! terminal, or the same figures as JSON.

use std::io::{self, Write};
use std::time::Duration;

use serde_json::json;

/// Packets and bytes (wire length) per rule, and those no rule matched.
pub struct Tally {
    pub names: Vec<String>,
    pub packets: Vec<u64>,
    pub bytes: Vec<u64>,
    pub unmatched_packets: u64,
    pub unmatched_bytes: u64,
    pub total_packets: u64,
    pub total_bytes: u64,
}

impl Tally {
    pub fn new(names: Vec<String>) -> Self {
        let n = names.len();
        Tally {
            names,
            packets: vec![0; n],
            bytes: vec![0; n],
            unmatched_packets: 0,
            unmatched_bytes: 0,
            total_packets: 0,
            total_bytes: 0,
        }
    }

    /// Records one packet of wire length `len` matched by `rules`.
    #[inline]
    pub fn add(&mut self, rules: &[usize], len: u32) {
        self.total_packets += 1;
        self.total_bytes += len as u64;
        if rules.is_empty() {
            self.unmatched_packets += 1;
            self.unmatched_bytes += len as u64;
        }
        for &r in rules {
            self.packets[r] += 1;
            self.bytes[r] += len as u64;
        }
    }

    fn share(&self, n: u64) -> f64 {
        if self.total_packets == 0 {
            0.0
        } else {
            100.0 * n as f64 / self.total_packets as f64
        }
    }

    fn rate(&self, elapsed: Duration) -> f64 {
        let s = elapsed.as_secs_f64();
        if s > 0.0 {
            self.total_packets as f64 / s
        } else {
            0.0
        }
    }

    /// The summary as a table: per rule packets, bytes and share of all packets, then the
    /// throughput.
    pub fn write_table(&self, out: &mut dyn Write, elapsed: Duration) -> io::Result<()> {
        let w = self
            .names
            .iter()
            .map(|n| n.len())
            .chain([11])
            .max()
            .unwrap_or(11);
        writeln!(
            out,
            "{:<w$}  {:>12}  {:>14}  {:>7}",
            "rule", "packets", "bytes", "share"
        )?;
        let rows = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), self.packets[i], self.bytes[i]))
            .chain([("(unmatched)", self.unmatched_packets, self.unmatched_bytes)]);
        for (name, p, b) in rows {
            writeln!(out, "{name:<w$}  {p:>12}  {b:>14}  {:>6.2}%", self.share(p))?;
        }
        writeln!(
            out,
            "{} packets, {} bytes in {:.3} s: {:.0} packets/s",
            self.total_packets,
            self.total_bytes,
            elapsed.as_secs_f64(),
            self.rate(elapsed)
        )
    }

    /// The same figures as one JSON object.
    pub fn to_json(&self, elapsed: Duration) -> serde_json::Value {
        let rules: Vec<_> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                json!({"name": n, "packets": self.packets[i], "bytes": self.bytes[i],
                       "share": self.share(self.packets[i])})
            })
            .collect();
        json!({
            "packets": self.total_packets,
            "bytes": self.total_bytes,
            "rules": rules,
            "unmatched": {"packets": self.unmatched_packets, "bytes": self.unmatched_bytes,
                          "share": self.share(self.unmatched_packets)},
            "seconds": elapsed.as_secs_f64(),
            "packets_per_second": self.rate(elapsed),
        })
    }
}
