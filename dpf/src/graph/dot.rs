//! Pictures of the graph: readable text ([`Graph::dump`]) and Graphviz DOT ([`Graph::to_dot`]).

use std::fmt::Write;

use super::{Confirm, Entry, Graph, DIRECT};
use crate::graph::dnf::Lit;

fn lit_text(l: &Lit) -> String {
    match l {
        Lit::Atom(a) => a.to_string(),
        Lit::Cmp(x, r, y) => format!("{x} {} {y}", r.symbol()),
    }
}

fn entry_text(e: &Entry) -> String {
    let mut s = format!("rule {}", e.rule);
    if !e.resid.is_empty() {
        let r: Vec<String> = e.resid.iter().map(lit_text).collect();
        let _ = write!(s, " if {}", r.join(" and "));
    }
    match &e.confirm {
        Confirm::Always => {}
        Confirm::Exact(p) => {
            let _ = write!(s, " then exactly {p}");
        }
        Confirm::Guarded => s.push_str(" (guarded: whole rule in bounds, else exact)"),
    }
    s
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Above this many keys per switch node, pictures show a summary instead of every key.
const SHOW_KEYS: usize = 32;

impl Graph {
    fn entries_of(&self, v: u32) -> Vec<String> {
        if v & DIRECT != 0 {
            vec![format!("rule {}", v & !DIRECT)]
        } else {
            self.list(v).iter().map(entry_text).collect()
        }
    }

    /// A readable listing: each switch node, its loads, and its keys with the rules they lead to.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        let live = self.rules.iter().filter(|r| r.is_some()).count();
        let _ = writeln!(
            out,
            "graph: {live} rules, {} switch nodes",
            self.shapes.len()
        );
        for (i, s) in self.shapes.iter().enumerate() {
            let loads: Vec<String> = s
                .loads
                .iter()
                .map(|(l, m)| {
                    if *m == u32::MAX {
                        l.to_string()
                    } else {
                        format!("{l} & {m:#x}")
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "switch {i} on ({}) [{} keys, table capacity {}]",
                if loads.is_empty() {
                    "nothing: always taken".to_string()
                } else {
                    loads.join(", ")
                },
                s.table.len(),
                s.table.capacity()
            );
            let mut keys: Vec<(&[u32], u32)> = s.table.iter().collect();
            keys.sort();
            for (k, v) in keys.iter().take(SHOW_KEYS) {
                let ks: Vec<String> = k.iter().map(|w| format!("{w:#x}")).collect();
                let _ = writeln!(
                    out,
                    "  ({}) -> {}",
                    ks.join(", "),
                    self.entries_of(*v).join("; ")
                );
            }
            if keys.len() > SHOW_KEYS {
                let _ = writeln!(out, "  ... {} more keys", keys.len() - SHOW_KEYS);
            }
        }
        out
    }

    /// The graph in Graphviz DOT: a root, one box per switch node (its loads), one edge per key
    /// to the rules it leads to (summarised beyond a few dozen keys).
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph dpf {\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n  packet [shape=circle];\n",
        );
        for (i, s) in self.shapes.iter().enumerate() {
            let loads: Vec<String> = s
                .loads
                .iter()
                .map(|(l, m)| {
                    if *m == u32::MAX {
                        l.to_string()
                    } else {
                        format!("{l} & {m:#x}")
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "  s{i} [shape=box,label=\"switch {i}\\n{}\\n{} keys\"];\n  packet -> s{i};",
                dot_escape(&loads.join("\\n")),
                s.table.len()
            );
            let mut keys: Vec<(&[u32], u32)> = s.table.iter().collect();
            keys.sort();
            for (j, (k, v)) in keys.iter().take(SHOW_KEYS).enumerate() {
                let ks: Vec<String> = k.iter().map(|w| format!("{w:#x}")).collect();
                let _ = writeln!(
                    out,
                    "  s{i}k{j} [shape=ellipse,label=\"{}\"];\n  s{i} -> s{i}k{j} [label=\"{}\"];",
                    dot_escape(&self.entries_of(*v).join("\\n")),
                    dot_escape(&ks.join(","))
                );
            }
            if keys.len() > SHOW_KEYS {
                let _ = writeln!(
                    out,
                    "  s{i}more [shape=note,label=\"{} more keys\"];\n  s{i} -> s{i}more;",
                    keys.len() - SHOW_KEYS
                );
            }
        }
        out.push_str("}\n");
        out
    }
}
