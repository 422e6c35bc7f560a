//! Large unions filed operand by operand: `host A or host B or ...` with 10,000 hosts.
//!
//! The DNF of a union is the concatenation of its operands' DNFs. A long union is mostly one
//! operand *form* repeated with other constants: flattened, a host set is 30,000 operands of
//! three forms (`ether proto ip and (ip src A or ip dst A)`, the same for ARP and RARP). Each
//! form's terms are computed once and recorded against its operand's atom occurrences (the
//! [`template`] signature: what the DNF and the facts look at is which abstracted constants are
//! equal and whether they fit, and the other constants literally); every further operand of the
//! form is filed by reading its constants at the recorded positions. No 60,000-term vector, no
//! per-operand DNF, and the same terms, keys, residues and filing order as [`Graph::file_terms`]
//! (the graph tests compare the two, node by node).

use super::template::{signature_into, SigScratch};
use super::*;

/// Unions with fewer operands take the general path.
const MIN_OPERANDS: usize = 64;
/// Distinct operand forms recorded per rule; a union of all-different operands stops
/// recording (its operands are then split one by one, as the general path would).
const MAX_FORMS: usize = 256;

/// One term of a form: its shape, where its key words and residual literals come from.
struct FormTerm {
    loads: Vec<(Load, u32)>,
    key: Vec<usize>,
    resid: Vec<LitRef>,
}

/// The terms of one operand form.
struct Form {
    /// Terms of the DNF including unsatisfiable ones (they count towards the rule's budget).
    raw_terms: usize,
    /// The satisfiable terms, in DNF order.
    terms: Vec<FormTerm>,
    /// The switch node of each term, once filed.
    shapes: Vec<Option<usize>>,
    /// Operands of this form in the rule: room reserved in each term's table up front.
    uses: usize,
}

enum Plan {
    /// An operand of a recorded form, its atom occurrences at `occ..occ + n` of the plan's
    /// occurrence buffer.
    Form { form: usize, occ: usize, n: usize },
    /// An operand split the general way.
    Terms(Vec<Term>),
}

/// The key literals of a term (the first equality per masked load, at most
/// [`MAX_KEY_WORDS`], sorted by load) into `key_lits`; returns the rest (the residue).
pub(super) fn split_term(t: &Term, key_lits: &mut Vec<Atom>) -> Vec<Lit> {
    key_lits.clear();
    let mut resid = Vec::new();
    for l in &t.lits {
        match l {
            Lit::Atom(a)
                if a.rel == Rel::Eq
                    && key_lits.len() < MAX_KEY_WORDS
                    && !key_lits
                        .iter()
                        .any(|b| b.load == a.load && b.mask == a.mask) =>
            {
                key_lits.push(*a)
            }
            _ => resid.push(l.clone()),
        }
    }
    key_lits.sort_by_key(|a| (a.load, a.mask));
    resid
}

impl Form {
    /// The form of an operand whose DNF is `terms` and atom occurrences `occ`; `None` when a
    /// literal is not an occurrence (then the operand is split the general way).
    fn record(terms: &[Term], occ: &[Atom], f: &mut Facts) -> Option<Form> {
        let mut key_lits = Vec::with_capacity(MAX_KEY_WORDS);
        let mut out = Vec::new();
        for t in terms {
            if !f.load_term(t) {
                continue;
            }
            let resid = split_term(t, &mut key_lits);
            let key = key_lits
                .iter()
                .map(|a| template::find_occurrence(occ, a).map(|r| r.occ))
                .collect::<Option<Vec<usize>>>()?;
            let resid = resid
                .iter()
                .map(|l| match l {
                    Lit::Atom(a) => template::find_occurrence(occ, a),
                    Lit::Cmp(..) => None,
                })
                .collect::<Option<Vec<LitRef>>>()?;
            out.push(FormTerm {
                loads: key_lits.iter().map(|a| (a.load, a.mask)).collect(),
                key,
                resid,
            });
        }
        Some(Form {
            raw_terms: terms.len(),
            shapes: vec![None; out.len()],
            terms: out,
            uses: 0,
        })
    }
}

impl Graph {
    /// Files rule `id`, a large union (confirmed by `Guarded`), operand by operand. `None`
    /// (nothing filed) when `p` is not such a union, or when its DNF would exceed the rule's
    /// term budget: the general path then decides, exactly as before.
    /// `size`: `p`'s number of nodes.
    pub(super) fn file_union(&mut self, id: usize, p: &Pred, size: usize) -> Option<RuleKeys> {
        if !matches!(p, Pred::Or(..)) {
            return None;
        }
        let limit = limit_for_size(size);
        // The operands in the order `dnf` takes them (the chain flattened left to right).
        let mut operands = Vec::new();
        let mut stack = vec![p];
        while let Some(q) = stack.pop() {
            match q {
                Pred::Or(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                o => operands.push(o),
            }
        }
        if operands.len() < MIN_OPERANDS {
            return None;
        }
        // Plan every operand before filing anything: the budget is only known at the end.
        let mut scratch = SigScratch::default();
        let mut by_sig: FxHashMap<Vec<u32>, usize> = FxHashMap::default();
        let mut forms: Vec<Form> = Vec::new();
        let mut occs: Vec<Atom> = Vec::with_capacity(operands.len() * 4);
        let mut plans = Vec::with_capacity(operands.len());
        let mut f = Facts::default();
        let mut total = 0usize;
        for o in operands {
            let signed = signature_into(o, &mut scratch);
            let known = signed.then(|| by_sig.get(&scratch.sig).copied()).flatten();
            let form = match known {
                Some(i) => Some(i),
                None => {
                    let d = dnf(o, limit)?;
                    let rec = (signed && forms.len() < MAX_FORMS)
                        .then(|| Form::record(&d, &scratch.occ, &mut f))
                        .flatten();
                    match rec {
                        Some(form) => {
                            forms.push(form);
                            by_sig.insert(scratch.sig.clone(), forms.len() - 1);
                            Some(forms.len() - 1)
                        }
                        None => {
                            total += d.len();
                            plans.push(Plan::Terms(d));
                            None
                        }
                    }
                }
            };
            if let Some(i) = form {
                total += forms[i].raw_terms;
                forms[i].uses += 1;
                plans.push(Plan::Form {
                    form: i,
                    occ: occs.len(),
                    n: scratch.occ.len(),
                });
                occs.extend_from_slice(&scratch.occ);
            }
            if total > limit {
                return None;
            }
        }
        let mut keys = Vec::with_capacity(total);
        let mut key_lits = Vec::with_capacity(MAX_KEY_WORDS);
        for plan in plans {
            match plan {
                Plan::Form { form, occ, n } => {
                    let occ = &occs[occ..occ + n];
                    for ti in 0..forms[form].terms.len() {
                        let s = match forms[form].shapes[ti] {
                            Some(s) => s,
                            None => {
                                let s = self.shape_for(forms[form].terms[ti].loads.clone());
                                self.shapes[s].table.reserve(forms[form].uses);
                                forms[form].shapes[ti] = Some(s);
                                s
                            }
                        };
                        let ft = &forms[form].terms[ti];
                        let key: Vec<u32> = ft.key.iter().map(|&i| occ[i].k).collect();
                        let resid = ft.resid.iter().map(|r| Lit::Atom(r.atom(occ))).collect();
                        self.file(
                            s,
                            &key,
                            Entry {
                                rule: id as u32,
                                resid,
                                confirm: Confirm::Guarded,
                            },
                        );
                        keys.push((s, key));
                    }
                }
                Plan::Terms(d) => {
                    for t in &d {
                        if !f.load_term(t) {
                            continue;
                        }
                        let resid = split_term(t, &mut key_lits);
                        let key: Vec<u32> = key_lits.iter().map(|a| a.k).collect();
                        let s = self.shape_for(key_lits.iter().map(|a| (a.load, a.mask)).collect());
                        self.file(
                            s,
                            &key,
                            Entry {
                                rule: id as u32,
                                resid,
                                confirm: Confirm::Guarded,
                            },
                        );
                        keys.push((s, key));
                    }
                }
            }
        }
        Some(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LinkType;

    /// Everything a graph's answers depend on for rule 0: its switch nodes, their tables with
    /// the entries behind each key, and where the rule was filed.
    fn snapshot(g: &Graph, keys: &RuleKeys) -> Vec<String> {
        let mut out = vec![format!("{keys:?}")];
        for s in g.shapes() {
            out.push(format!("{:?}", s.loads));
            let mut rows: Vec<String> = s
                .table
                .iter()
                .map(|(k, v)| {
                    if v & DIRECT != 0 {
                        format!("{k:?} direct {}", v & !DIRECT)
                    } else {
                        format!("{k:?} {:?}", g.list(v))
                    }
                })
                .collect();
            rows.sort();
            out.extend(rows);
        }
        out
    }

    /// Files `p` both ways on fresh graphs; returns whether the union path took it.
    fn same_as_general(p: &Pred) -> bool {
        let mut fast = Graph::default();
        let size = dnf::pred_size(p);
        let taken = fast.file_union(0, p, size);
        let mut general = Graph::default();
        let keys = general.file_terms(0, p, false, size, None);
        match taken {
            Some(k) => {
                assert_eq!(snapshot(&fast, &k), snapshot(&general, &keys));
                true
            }
            None => {
                assert!(fast.shapes().is_empty(), "a refused union files nothing");
                false
            }
        }
    }

    fn rule(text: &str) -> Pred {
        crate::compile(text, LinkType::ETHERNET).unwrap()
    }

    fn list(n: u32, f: impl Fn(u32) -> String) -> String {
        (0..n).map(f).collect::<Vec<_>>().join(" or ")
    }

    #[test]
    fn host_net_and_port_sets_file_as_the_general_path_does() {
        let a = |i: u32| format!("10.{}.{}.{}", i % 4, i / 200, (i * 7) % 256);
        let cases = [
            list(300, |i| format!("host {}", a(i))),
            list(300, |i| format!("src host {}", a(i))),
            list(300, |i| format!("dst host {} or {}", a(i), a(i + 1))),
            list(600, |i| format!("arp host {}", a(i))),
            list(400, |i| format!("ip src and dst host {}", a(i))),
            list(200, |i| format!("net 10.{}.{}.0/24", i % 7, i)),
            list(200, |i| format!("net 10.{}", i)),
            list(200, |i| format!("port {}", 1000 + i)),
            list(250, |i| format!("tcp dst port {}", 1000 + i)),
            list(200, |i| format!("host 2001:db8::{i:x}")),
            list(400, |i| {
                format!("ether host 2:0:0:0:{:x}:{:x}", i >> 8, i & 0xff)
            }),
            // Mixed forms, repeated constants, constants equal across forms.
            list(400, |i| match i % 5 {
                0 => format!("host {}", a(i / 2)),
                1 => format!("port {}", i % 9),
                2 => format!("src net 10.{}.0.0/16", i % 3),
                3 => format!("host 2001:db8::{:x}", i % 11),
                _ => format!("udp src port {} or tcp[13] & 2 != 0", i % 4),
            }),
        ];
        // (Every case has over 1,500 tests, so the optimiser model leaves its `or` chain.)
        for text in &cases {
            assert!(same_as_general(&rule(text)), "{}", &text[..60]);
        }
    }

    #[test]
    fn what_the_union_path_refuses_is_left_to_the_general_path() {
        // Not a union at the top, or too short.
        assert!(!same_as_general(&rule(&format!(
            "tcp and ({})",
            list(100, |i| format!("host 10.0.0.{i}"))
        ))));
        assert!(!same_as_general(&rule(&format!(
            "not ({})",
            list(100, |i| format!("host 10.0.0.{i}"))
        ))));
        assert!(!same_as_general(&rule(&list(10, |i| format!(
            "host 10.0.0.{i}"
        )))));
        // Operands with general comparisons are split the general way, and agree.
        assert!(same_as_general(&rule(&list(100, |i| format!(
            "host 10.0.0.{i} or len > {i}"
        )))));
        // A union whose DNF is over its budget (products of disjunctions) is refused.
        let big = list(64, |i| {
            format!(
                "((port {i} or port {}) and (host 10.0.0.{i} or host 10.0.1.{i}) and (net 10.{i} or net 11.{i}))",
                i + 1
            )
        });
        let p = rule(&big);
        let fast = Graph::default()
            .file_union(0, &p, dnf::pred_size(&p))
            .is_some();
        let general = dnf(&p, dnf::default_limit(&p)).is_some();
        assert_eq!(fast, general);
        same_as_general(&p);
    }
}
