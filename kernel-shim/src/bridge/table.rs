//! The demultiplexer the shim updates in place: rules live at fixed numbers (lower wins), a
//! rule can be inserted into any free number or at the end, and removed. With the JIT backend a
//! rule whose shape already exists is a table update in dpf's graph, not a recompilation.
//!
//! dpf's graph keeps no trailing free numbers (removing the last rule shrinks it), so "the end"
//! is always [`DemuxTable::slots`]; the linear backend mirrors that.

use super::Backend;
use dpf::ir::{Packet, Pred};
use dpf::{Demux, Graph, JitGraph};

// One per shim, read on every frame: a box would add a pointer chase per frame.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Jit(JitGraph),
    Graph(Graph),
    /// Every rule tried in number order (dpf::Linear's semantics, with free numbers).
    Linear(Vec<Option<Pred>>),
}

/// An incrementally updated demultiplexer over numbered rules.
pub struct DemuxTable {
    inner: Inner,
    /// Native code generations: the first compile and every new shape (JIT only).
    compiles: u64,
}

impl DemuxTable {
    /// An empty table of this backend.
    pub fn new(backend: Backend) -> DemuxTable {
        Self::from_rules(backend, Vec::new())
    }

    /// A table holding `rules` at numbers 0.. (index 0 wins): what a full rebuild produces.
    pub fn from_rules(backend: Backend, rules: Vec<Pred>) -> DemuxTable {
        let inner = match backend {
            // Built for updates: installs and removals of a known shape never regenerate code.
            Backend::Jit => match JitGraph::for_updates(rules.clone()) {
                Ok(j) => Inner::Jit(j),
                Err(_) => Inner::Graph(Graph::from_rules(rules)),
            },
            Backend::Graph => Inner::Graph(Graph::from_rules(rules)),
            Backend::Linear => Inner::Linear(rules.into_iter().map(Some).collect()),
        };
        let compiles = u64::from(matches!(inner, Inner::Jit(_)));
        DemuxTable { inner, compiles }
    }

    /// Rule numbers in use or free below the end: a new rule may take any free one or the end.
    pub fn slots(&self) -> usize {
        match &self.inner {
            Inner::Jit(j) => j.graph().rule_slots(),
            Inner::Graph(g) => g.rule_slots(),
            Inner::Linear(l) => l.len(),
        }
    }

    /// Native code generations so far (0 for the interpreted backends).
    pub fn compiles(&self) -> u64 {
        match &self.inner {
            Inner::Jit(j) => self.compiles + j.recompiles() as u64,
            _ => self.compiles,
        }
    }

    /// Puts `p` at number `id`, which must be free or the end. `Err` names what went wrong
    /// (a number in use: a bug of the caller); the table is unchanged then.
    pub fn insert(&mut self, id: usize, p: Pred) -> Result<(), String> {
        match &mut self.inner {
            Inner::Jit(j) => match j.insert_owned(id, p.clone()) {
                Ok(_) => Ok(()),
                Err(e) if j.graph().rule(id).is_some() => Err(e.to_string()),
                Err(_) => {
                    // Code generation failed: keep the rules, interpret the graph.
                    let mut g = interpreted_copy(j);
                    g.insert_owned(id, p)
                        .map(|_| ())
                        .map_err(|e| e.to_string())?;
                    self.compiles += j.recompiles() as u64;
                    self.inner = Inner::Graph(g);
                    Ok(())
                }
            },
            Inner::Graph(g) => g.insert_owned(id, p).map(|_| ()).map_err(|e| e.to_string()),
            Inner::Linear(l) => {
                if id < l.len() && l[id].is_none() {
                    l[id] = Some(p);
                    Ok(())
                } else if id == l.len() {
                    l.push(Some(p));
                    Ok(())
                } else {
                    Err(format!("rule number {id} is in use or beyond the end"))
                }
            }
        }
    }

    /// Frees number `id`.
    pub fn remove(&mut self, id: usize) {
        match &mut self.inner {
            Inner::Jit(j) => {
                j.remove(id);
            }
            Inner::Graph(g) => {
                g.remove(id);
            }
            Inner::Linear(l) => {
                if id < l.len() {
                    l[id] = None;
                }
                while matches!(l.last(), Some(None)) {
                    l.pop();
                }
            }
        }
    }

    /// The lowest-numbered rule accepting the packet.
    #[inline]
    pub fn first_match(&self, p: &Packet) -> Option<usize> {
        match &self.inner {
            Inner::Jit(j) => j.first_match(p),
            Inner::Graph(g) => g.first_match(p),
            Inner::Linear(l) => l
                .iter()
                .position(|r| r.as_ref().is_some_and(|r| r.matches(p))),
        }
    }
}

/// The JIT's rules, at the same numbers, in an interpreted graph.
fn interpreted_copy(j: &JitGraph) -> Graph {
    let g = j.graph();
    let n = g.rule_slots();
    let rules = (0..n)
        .map(|i| g.rule(i).cloned().unwrap_or(Pred::False))
        .collect();
    let mut out = Graph::from_rules(rules);
    for i in 0..n {
        if g.rule(i).is_none() {
            out.remove(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use dpf::ir::Rel;

    fn port(k: u32) -> Pred {
        Pred::atom(36, 2, u32::MAX, Rel::Eq, k)
    }

    fn pkt(port: u16) -> Vec<u8> {
        let mut f = vec![0u8; 60];
        f[36..38].copy_from_slice(&port.to_be_bytes());
        f
    }

    #[test]
    fn holes_are_reused_and_the_end_shrinks_on_every_backend() {
        for b in [Backend::Jit, Backend::Graph, Backend::Linear] {
            let mut t = DemuxTable::new(b);
            for k in 0..4 {
                t.insert(k, port(100 + k as u32)).unwrap();
            }
            t.remove(1);
            assert_eq!(t.slots(), 4, "{b:?}: a hole below the end stays");
            assert!(t.insert(2, port(7)).is_err(), "{b:?}: number in use");
            t.insert(1, port(7)).unwrap();
            let f = pkt(7);
            assert_eq!(t.first_match(&Packet::new(&f, 60)), Some(1), "{b:?}");
            t.remove(3);
            assert_eq!(t.slots(), 3, "{b:?}: the end shrinks");
            let f = pkt(103);
            assert_eq!(t.first_match(&Packet::new(&f, 60)), None, "{b:?}");
        }
    }

    #[test]
    fn same_shape_inserts_do_not_recompile() {
        let mut t = DemuxTable::new(Backend::Jit);
        t.insert(0, port(1)).unwrap();
        let after_first = t.compiles();
        for k in 1..200 {
            t.insert(k, port(k as u32 + 1)).unwrap();
        }
        for k in (1..200).step_by(2) {
            t.remove(k);
        }
        assert_eq!(t.compiles(), after_first);
    }
}
