//! The libpcap differential: every expression of the accept corpus, on every capture of every
//! supported link type in ../shared/pcaps, must get libpcap's verdict packet for packet; every
//! expression of the reject corpus must be rejected by both.

mod support;

use dpf::ir::Packet;
use dpf::LinkType;
use support::{compare, corpus, load_groups, Outcome};

fn ours(expr: &str, link: LinkType) -> Result<impl Fn(&Packet) -> bool, String> {
    dpf::compile(expr, link)
        .map(|p| move |pk: &Packet| p.matches(pk))
        .map_err(|e| e.msg)
}

fn supported(l: LinkType) -> bool {
    dpf::compile("", l).is_ok()
}

#[test]
fn accept_corpus_matches_libpcap_on_every_capture() {
    let exprs = corpus("accept.txt");
    assert!(exprs.len() >= 300, "corpus too small: {}", exprs.len());
    let groups = load_groups(supported);
    let eth = groups
        .iter()
        .filter(|g| g.link == LinkType::ETHERNET)
        .map(|g| g.traces.len())
        .sum::<usize>();
    assert!(eth >= 400, "expected 400+ Ethernet captures, found {eth}");
    let mut failures = Vec::new();
    let mut compared = 0usize;
    for e in &exprs {
        for g in &groups {
            match compare(g, e, ours) {
                Outcome::Compared { packets, diffs } => {
                    compared += packets;
                    for d in diffs.iter().take(3) {
                        failures.push(format!(
                            "{e:?} on {} packet {}: ours {} libpcap {}",
                            d.file.display(),
                            d.packet,
                            d.ours,
                            d.libpcap
                        ));
                    }
                }
                Outcome::LibpcapRejects {
                    we_reject,
                    libpcap_msg,
                } => {
                    if g.link == LinkType::ETHERNET {
                        failures.push(format!(
                            "{e:?}: corpus says libpcap accepts it on Ethernet, but: {libpcap_msg}"
                        ));
                    } else if !we_reject {
                        failures.push(format!(
                            "{e:?} on link type {}: libpcap rejects ({libpcap_msg}), we accept",
                            g.link.0
                        ));
                    }
                }
                Outcome::WeReject { msg } => {
                    if g.link == LinkType::ETHERNET {
                        failures.push(format!("{e:?}: we reject ({msg}), libpcap accepts"));
                    }
                }
            }
        }
    }
    assert!(
        compared > 1_000_000,
        "too few verdicts compared: {compared}"
    );
    assert!(
        failures.is_empty(),
        "{} disagreements with libpcap:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn reject_corpus_is_rejected_by_both() {
    let exprs = corpus("reject.txt");
    let groups = load_groups(|l| l == LinkType::ETHERNET);
    let g = &groups[0];
    let mut failures = Vec::new();
    for e in &exprs {
        let theirs = support::LibpcapFilter::compile(&g.compiler, e);
        let mine = dpf::compile(e, LinkType::ETHERNET);
        if theirs.is_ok() {
            failures.push(format!("{e:?}: libpcap accepts it (corpus is wrong)"));
        }
        if mine.is_ok() {
            failures.push(format!("{e:?}: we accept it, libpcap does not"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The whole accept corpus as one rule set per link type, through every backend: the merged
/// graph's interpreter and the JIT must give, for every packet, exactly the rules that the
/// reference (whose verdicts equal libpcap's, by the test above) gives.
#[test]
fn accept_corpus_as_one_rule_set_agrees_on_every_backend() {
    use dpf::Demux;
    let exprs = corpus("accept.txt");
    let groups = load_groups(supported);
    let mut checked = 0usize;
    for g in &groups {
        let rules: Vec<_> = exprs
            .iter()
            .filter_map(|e| dpf::compile(e, g.link).ok())
            .collect();
        let linear = dpf::Linear::new(rules.clone());
        let graph = dpf::graph::Graph::new(&rules);
        let jit = dpf::jit::JitGraph::new(&rules).expect("JIT compiles the corpus");
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        for tr in &g.traces {
            for (i, (data, wl)) in tr.packets.iter().enumerate() {
                let p = Packet::new(data, *wl);
                linear.all_matches(&p, &mut a);
                graph.all_matches(&p, &mut b);
                jit.all_matches(&p, &mut c);
                assert_eq!(
                    a,
                    b,
                    "graph differs on {} packet {}",
                    tr.path.display(),
                    i + 1
                );
                assert_eq!(
                    a,
                    c,
                    "JIT differs on {} packet {}",
                    tr.path.display(),
                    i + 1
                );
                assert_eq!(linear.first_match(&p), jit.first_match(&p));
                checked += 1;
            }
        }
    }
    assert!(checked > 9_000, "only {checked} packets checked");
}
