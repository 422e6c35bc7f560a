//! The rule cache against a full compile on every corpus expression that has literals it
//! abstracts (`host A.B.C.D`, `port N`): each expression and variants of it with other
//! literals, drawn from a pool that collides with the constants lowering makes (protocol
//! numbers, ethertypes, zero, equal literals), go through one `RuleCompiler` per link type,
//! so later variants are filled into templates built by earlier ones. Every result, accepted
//! or refused, must be `dpf::compile`'s.

use dpf::rulecache::RuleCompiler;
use dpf::LinkType;

const HOSTS: [&str; 8] = [
    "0.0.0.0",
    "0.0.8.0",
    "0.0.0.6",
    "10.0.0.1",
    "192.0.2.1",
    "255.255.255.255",
    "0.0.134.221",
    "198.51.100.7",
];
const PORTS: [&str; 9] = ["0", "6", "17", "53", "80", "2048", "34525", "65535", "1"];

/// `expr` with each literal the cache abstracts replaced by `pick(kind, index)`.
fn substitute(expr: &str, mut pick: impl FnMut(bool, usize) -> String) -> (String, usize) {
    let words: Vec<&str> = expr.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    let mut n = 0;
    for (i, w) in words.iter().enumerate() {
        let prev = if i > 0 { words[i - 1] } else { "" };
        // A literal may carry a closing parenthesis: `host 10.0.0.1)`.
        let core = w.trim_end_matches(')');
        let tail = &w[core.len()..];
        let is_host = prev == "host"
            && core.split('.').count() == 4
            && core
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        let is_port =
            prev == "port" && !core.is_empty() && core.bytes().all(|b| b.is_ascii_digit());
        if is_host || is_port {
            out.push(format!("{}{tail}", pick(is_host, n)));
            n += 1;
        } else {
            out.push((*w).to_string());
        }
    }
    (out.join(" "), n)
}

fn corpus() -> Vec<String> {
    let mut all = Vec::new();
    for f in ["tests/corpus/accept.txt", "tests/corpus/reject.txt"] {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f}: {e}"));
        all.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from),
        );
    }
    all
}

#[test]
fn corpus_expressions_and_their_variants_equal_a_full_compile() {
    let exprs: Vec<String> = corpus()
        .into_iter()
        .filter(|e| substitute(e, |_, _| String::new()).1 > 0)
        .collect();
    assert!(
        exprs.len() >= 80,
        "only {} corpus expressions with literals",
        exprs.len()
    );
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut checked = 0;
    let mut hits = 0;
    for link in [LinkType::ETHERNET, LinkType::LINUX_SLL, LinkType::RAW] {
        let mut rc = RuleCompiler::new(link);
        for e in &exprs {
            let mut variants = vec![e.clone()];
            for _ in 0..6 {
                variants.push(
                    substitute(e, |host, _| {
                        if host {
                            HOSTS[next(HOSTS.len())].to_string()
                        } else {
                            PORTS[next(PORTS.len())].to_string()
                        }
                    })
                    .0,
                );
            }
            // All literals equal to one another.
            variants.push(substitute(e, |host, _| if host { "10.0.0.1" } else { "80" }.into()).0);
            for v in &variants {
                assert_eq!(rc.compile(v), dpf::compile(v, link), "{link:?}: {v}");
                checked += 1;
            }
        }
        hits += rc.hits();
    }
    println!("{checked} rules, {hits} filled into templates");
    assert!(
        hits > checked / 4,
        "templates used for only {hits} of {checked} rules"
    );
}
