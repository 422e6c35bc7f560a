//! Compiling many rules of one shape: a rule file of 10,000 lines usually holds one expression
//! with different addresses and ports (`tcp and src host A and src port P and dst host B and
//! dst port Q`). Parsing, lowering and above all the libpcap-optimiser model
//! ([`crate::optimize`]) cost tens of microseconds per rule; a [`RuleCompiler`] pays them once
//! per *shape* and fills the constants of every further rule of that shape into a template.
//!
//! What is abstracted, and why the result is exactly [`crate::compile`]'s:
//! - Only literals whose meaning is the identity: a dotted-quad IPv4 address right after the
//!   keyword `host`, and a decimal port (0-65535) right after `port`. Such a literal becomes
//!   the constant of the atoms it generates and nothing else (no ranges, masks or regimes:
//!   `ether proto 100` and `ether proto 2048` lower differently, so protocol numbers are not
//!   abstracted). The shape key is the text with those literals replaced by placeholders, plus,
//!   per literal, which other literals it equals and whether it is zero.
//! - The template is built from two lowerings: the rule itself and a copy whose literals are
//!   all changed (equalities kept). The two predicates must be identical except for atom
//!   constants that are exactly the first and the second value of one literal: those are the
//!   template's holes. Anything else (a derived constant, a structure that moved) makes the
//!   shape uncacheable, and such rules are compiled in full.
//! - The optimiser model's decisions depend on constants only through which of them are equal
//!   (and which are zero, for `jset`). So a template also records, per literal, which fixed
//!   constant of the unoptimised predicate it equals, if any; a rule whose literals relate
//!   differently to those constants is compiled in full.

use rustc_hash::FxHashMap;
use std::ops::Range;

use crate::ir::{Pred, Val};
use crate::lang::FilterError;
use crate::lower::{apply_optimiser, lower_unoptimised};
use crate::LinkType;

/// Literals per rule beyond which a rule is not templated (large host lists are rarely
/// repeated, and their predicates are too deep to copy cheaply).
const MAX_LITERALS: usize = 32;
/// Template attempts per shape key before it is given up as uncacheable.
const MAX_ATTEMPTS: u8 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Host,
    Port,
}

/// A rule's text split into its shape key and its abstracted literals.
#[derive(Default)]
struct Scan {
    key: Vec<u8>,
    vals: Vec<u32>,
    kinds: Vec<Kind>,
    spans: Vec<Range<usize>>,
}

enum Slot {
    Template(Template),
    /// Template building failed this many times.
    Pending(u8),
    Uncacheable,
}

struct Template {
    /// The compiled predicate of the rule that built the template.
    out: Pred,
    /// Per atom of `out` in preorder: the literal whose value is its constant, if any.
    holes: Vec<Option<u16>>,
    /// Sorted distinct constants of the unoptimised predicate that no literal supplies.
    fixed: Vec<u32>,
    /// Per literal: the index in `fixed` of the constant it equals.
    guard: Vec<Option<usize>>,
}

/// Compiles rule expressions for one link type, reusing the work of earlier rules of the same
/// shape (see the module documentation). `compile(expr)` always equals
/// [`crate::compile`]`(expr, link)`.
///
/// ```
/// use dpf::{rulecache::RuleCompiler, LinkType};
/// let mut c = RuleCompiler::new(LinkType::ETHERNET);
/// let a = c.compile("tcp and src host 10.0.0.1 and dst port 80").unwrap();
/// let b = c.compile("tcp and src host 10.0.0.2 and dst port 443").unwrap();
/// assert_eq!(c.hits(), 1);
/// assert_eq!(b, dpf::compile("tcp and src host 10.0.0.2 and dst port 443", LinkType::ETHERNET).unwrap());
/// # let _ = a;
/// ```
pub struct RuleCompiler {
    link: LinkType,
    cache: FxHashMap<Vec<u8>, Slot>,
    hits: usize,
    /// Reused for every rule's scan (no allocation per rule on a template hit).
    scratch: Scan,
}

impl RuleCompiler {
    pub fn new(link: LinkType) -> Self {
        RuleCompiler {
            link,
            cache: FxHashMap::default(),
            hits: 0,
            scratch: Scan::default(),
        }
    }

    /// Rules filled into a template rather than compiled in full.
    pub fn hits(&self) -> usize {
        self.hits
    }

    /// Parses and lowers `expr`; the result is [`crate::compile`]'s.
    pub fn compile(&mut self, expr: &str) -> Result<Pred, FilterError> {
        let mut s = std::mem::take(&mut self.scratch);
        let r = self.compile_with(expr, &mut s);
        self.scratch = s;
        r
    }

    fn compile_with(&mut self, expr: &str, s: &mut Scan) -> Result<Pred, FilterError> {
        if !scan_into(expr, s) {
            return crate::compile(expr, self.link);
        }
        let attempts = match self.cache.get(&s.key) {
            Some(Slot::Template(t)) => {
                if let Some(p) = t.instantiate(&s.vals) {
                    self.hits += 1;
                    return Ok(p);
                }
                return crate::compile(expr, self.link);
            }
            Some(Slot::Uncacheable) => return crate::compile(expr, self.link),
            Some(Slot::Pending(n)) => *n,
            None => 0,
        };
        let (result, slot) = self.build(expr, s);
        let slot = match slot {
            Some(slot) => slot,
            None if attempts + 1 >= MAX_ATTEMPTS => Slot::Uncacheable,
            None => Slot::Pending(attempts + 1),
        };
        self.cache.insert(s.key.clone(), slot);
        result
    }

    /// Compiles `expr` in full and tries to make a template of it. `None` as the slot: this
    /// rule could not make one (another rule of the shape may).
    fn build(&self, expr: &str, s: &Scan) -> (Result<Pred, FilterError>, Option<Slot>) {
        let first = lower_parts(expr, self.link);
        let (pre, optimise, out) = match first {
            Ok(x) => x,
            Err(e) => return (Err(e), None),
        };
        let result = Ok(out.clone());
        let Some(vals2) = perturb(s) else {
            return (result, None);
        };
        let text2 = render(expr, s, &vals2);
        let same_key = scan(&text2).is_some_and(|s2| s2.key == s.key && s2.vals == vals2);
        if !same_key {
            return (result, None);
        }
        let Ok((pre2, optimise2, out2)) = lower_parts(&text2, self.link) else {
            return (result, Some(Slot::Uncacheable));
        };
        if optimise2 != optimise {
            return (result, Some(Slot::Uncacheable));
        }
        let mut pre_holes = Vec::new();
        if !diff(&pre, &pre2, &s.vals, &vals2, &mut pre_holes) {
            return (result, Some(Slot::Uncacheable));
        }
        let mut fixed = Vec::new();
        let mut i = 0;
        fixed_constants(&pre, &pre_holes, &mut i, &mut fixed);
        fixed.sort_unstable();
        fixed.dedup();
        let guard = guard_of(&fixed, &s.vals);
        if guard_of(&fixed, &vals2) != guard {
            return (result, None);
        }
        let mut holes = Vec::new();
        if !diff(&out, &out2, &s.vals, &vals2, &mut holes) {
            return (result, Some(Slot::Uncacheable));
        }
        let t = Template {
            out,
            holes,
            fixed,
            guard,
        };
        (result, Some(Slot::Template(t)))
    }
}

/// Parse, lower, optimise: the unoptimised predicate, whether the optimiser applies, the result.
fn lower_parts(expr: &str, link: LinkType) -> Result<(Pred, bool, Pred), FilterError> {
    let ast = crate::lang::parse(expr)?;
    let (pre, optimise) = lower_unoptimised(&ast, link)?;
    let out = apply_optimiser(pre.clone(), optimise)?;
    Ok((pre, optimise, out))
}

fn guard_of(fixed: &[u32], vals: &[u32]) -> Vec<Option<usize>> {
    vals.iter().map(|v| fixed.binary_search(v).ok()).collect()
}

impl Template {
    fn instantiate(&self, vals: &[u32]) -> Option<Pred> {
        let ok = vals
            .iter()
            .zip(&self.guard)
            .all(|(v, g)| self.fixed.binary_search(v).ok() == *g);
        if !ok {
            return None;
        }
        let mut i = 0;
        Some(fill(&self.out, &self.holes, vals, &mut i))
    }
}

/// How many levels [`fill`] recurses into both operands before it walks right spines in a
/// loop: plain recursion is the fast path for the usual small rules, the loop (which allocates)
/// keeps a 100,000-host rule off the stack.
const FILL_RECURSION: u32 = 48;

/// The template `p` with its holes filled from `vals`.
fn fill(p: &Pred, holes: &[Option<u16>], vals: &[u32], i: &mut usize) -> Pred {
    fill_within(p, holes, vals, i, FILL_RECURSION)
}

fn fill_within(p: &Pred, holes: &[Option<u16>], vals: &[u32], i: &mut usize, depth: u32) -> Pred {
    match p {
        Pred::Atom(a) => {
            let h = holes[*i];
            *i += 1;
            let mut a = *a;
            if let Some(j) = h {
                a.k = vals[j as usize];
            }
            Pred::Atom(a)
        }
        Pred::And(a, b) | Pred::Or(a, b) if depth > 0 => {
            let a = fill_within(a, holes, vals, i, depth - 1);
            let b = fill_within(b, holes, vals, i, depth - 1);
            if matches!(p, Pred::And(..)) {
                Pred::and(a, b)
            } else {
                Pred::or(a, b)
            }
        }
        Pred::And(..) | Pred::Or(..) => {
            // Right spine in a loop; recursion (out of budget, so through this arm again) only
            // into left operands, which nest as deep as the source does.
            let mut lefts = Vec::new();
            let mut cur = p;
            while let Pred::And(a, b) | Pred::Or(a, b) = cur {
                lefts.push((
                    matches!(cur, Pred::And(..)),
                    fill_within(a, holes, vals, i, 0),
                ));
                cur = b;
            }
            let mut acc = fill_within(cur, holes, vals, i, 0);
            while let Some((is_and, a)) = lefts.pop() {
                acc = if is_and {
                    Pred::and(a, acc)
                } else {
                    Pred::or(a, acc)
                };
            }
            acc
        }
        Pred::Not(a) => Pred::not(fill_within(a, holes, vals, i, depth.saturating_sub(1))),
        Pred::True | Pred::False | Pred::Cmp(..) => p.clone(),
    }
}

/// Walks `a` and `b` (lowerings of one text with literal values `va` and `vb`) in step: they
/// must be equal except for atom constants that are `va[j]` in `a` and `vb[j]` in `b`. Pushes,
/// per atom in preorder, the literal behind its constant.
fn diff(a: &Pred, b: &Pred, va: &[u32], vb: &[u32], holes: &mut Vec<Option<u16>>) -> bool {
    // Right spines in a loop, recursion only into left operands.
    let (mut a, mut b) = (a, b);
    loop {
        match (a, b) {
            (Pred::And(a1, a2), Pred::And(b1, b2)) | (Pred::Or(a1, a2), Pred::Or(b1, b2)) => {
                if !diff(a1, b1, va, vb, holes) {
                    return false;
                }
                (a, b) = (&**a2, &**b2);
            }
            (Pred::Not(x), Pred::Not(y)) => (a, b) = (&**x, &**y),
            _ => return diff_leaf(a, b, va, vb, holes),
        }
    }
}

fn diff_leaf(a: &Pred, b: &Pred, va: &[u32], vb: &[u32], holes: &mut Vec<Option<u16>>) -> bool {
    match (a, b) {
        (Pred::Atom(x), Pred::Atom(y)) => {
            if x.load != y.load || x.mask != y.mask || x.rel != y.rel {
                return false;
            }
            if x.k == y.k {
                holes.push(None);
                return true;
            }
            match (0..va.len()).find(|&j| va[j] == x.k && vb[j] == y.k) {
                Some(j) => {
                    holes.push(Some(j as u16));
                    true
                }
                None => false,
            }
        }
        (Pred::True, Pred::True) | (Pred::False, Pred::False) => true,
        (Pred::Cmp(..), Pred::Cmp(..)) => a == b,
        _ => false,
    }
}

/// Constants of `p` that no literal supplies: atom constants that are not holes, and every
/// constant inside general comparisons.
fn fixed_constants(p: &Pred, holes: &[Option<u16>], i: &mut usize, out: &mut Vec<u32>) {
    let mut p = p;
    loop {
        match p {
            Pred::And(a, b) | Pred::Or(a, b) => {
                fixed_constants(a, holes, i, out);
                p = b;
            }
            Pred::Not(a) => p = a,
            _ => return fixed_leaf(p, holes, i, out),
        }
    }
}

fn fixed_leaf(p: &Pred, holes: &[Option<u16>], i: &mut usize, out: &mut Vec<u32>) {
    match p {
        Pred::Atom(a) => {
            if holes[*i].is_none() {
                out.push(a.k);
            }
            *i += 1;
        }
        Pred::Cmp(x, _, y) => {
            val_constants(x, out);
            val_constants(y, out);
        }
        Pred::True | Pred::False | Pred::And(..) | Pred::Or(..) | Pred::Not(..) => {}
    }
}

fn val_constants(v: &Val, out: &mut Vec<u32>) {
    match v {
        Val::K(k) => out.push(*k),
        Val::LoadInd { index, .. } => val_constants(index, out),
        Val::Bin(_, a, b) => {
            val_constants(a, out);
            val_constants(b, out);
        }
        Val::Neg(a) => val_constants(a, out),
        _ => {}
    }
}

/// Other values for the literals: XOR with a constant per kind (a bijection, so equalities
/// hold), zeros left alone (they are part of the key). `None` when a value would become zero.
fn perturb(s: &Scan) -> Option<Vec<u32>> {
    s.vals
        .iter()
        .zip(&s.kinds)
        .map(|(&v, k)| {
            if v == 0 {
                return Some(0);
            }
            let x = match k {
                Kind::Host => v ^ 0x5a3c_9617,
                Kind::Port => v ^ 0x5a3c,
            };
            (x != 0).then_some(x)
        })
        .collect()
}

fn render(expr: &str, s: &Scan, vals: &[u32]) -> String {
    let mut out = String::with_capacity(expr.len() + 16);
    let mut at = 0;
    for ((span, &v), k) in s.spans.iter().zip(vals).zip(&s.kinds) {
        out.push_str(&expr[at..span.start]);
        match k {
            Kind::Host => {
                let b = v.to_be_bytes();
                out.push_str(&format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]));
            }
            Kind::Port => out.push_str(&v.to_string()),
        }
        at = span.end;
    }
    out.push_str(&expr[at..]);
    out
}

/// May a literal start or end next to this byte? Only at blanks and parentheses: anything
/// else (`/`, `-`, `:`, letters) would make the digits part of a larger token.
fn boundary(b: Option<&u8>) -> bool {
    b.is_none_or(|&c| c.is_ascii_whitespace() || c == b'(' || c == b')')
}

/// The word just before byte `at` (after blanks), if it is preceded by a boundary.
fn word_before(b: &[u8], at: usize) -> &[u8] {
    let mut end = at;
    while end > 0 && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    if end == at {
        return &[];
    }
    let mut start = end;
    while start > 0 && b[start - 1].is_ascii_alphanumeric() {
        start -= 1;
    }
    if start > 0 && !boundary(b.get(start - 1)) {
        return &[];
    }
    &b[start..end]
}

/// A decimal number without leading zeros (which `inet_aton` would read as octal).
fn decimal(s: &[u8], max: u32) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || (s.len() > 1 && s[0] == b'0') {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    (v <= u64::from(max)).then_some(v as u32)
}

fn dotted_quad(s: &[u8]) -> Option<u32> {
    let mut parts = s.split(|&c| c == b'.');
    let mut v = 0u32;
    for _ in 0..4 {
        v = v << 8 | decimal(parts.next()?, 255)?;
    }
    parts.next().is_none().then_some(v)
}

fn scan(expr: &str) -> Option<Scan> {
    let mut s = Scan::default();
    scan_into(expr, &mut s).then_some(s)
}

/// [`scan`] into reused buffers; false when the rule is not templated.
fn scan_into(expr: &str, s: &mut Scan) -> bool {
    let b = expr.as_bytes();
    s.key.clear();
    s.vals.clear();
    s.kinds.clear();
    s.spans.clear();
    if b.iter().any(|&c| c < 3) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() && (i == 0 || boundary(b.get(i - 1))) {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            let lit = if boundary(b.get(j)) {
                match word_before(b, i) {
                    b"host" => dotted_quad(&b[i..j]).map(|v| (v, Kind::Host)),
                    b"port" => decimal(&b[i..j], 0xffff).map(|v| (v, Kind::Port)),
                    _ => None,
                }
            } else {
                None
            };
            match lit {
                Some((v, k)) => {
                    s.key.push(1);
                    s.key.push(k as u8);
                    s.vals.push(v);
                    s.kinds.push(k);
                    s.spans.push(i..j);
                }
                None => s.key.extend_from_slice(&b[i..j]),
            }
            i = j;
        } else {
            // Copy up to the next digit that starts a number in one go.
            let mut j = i + 1;
            while j < b.len() && !(b[j].is_ascii_digit() && boundary(b.get(j - 1))) {
                j += 1;
            }
            s.key.extend_from_slice(&b[i..j]);
            i = j;
        }
    }
    if s.vals.is_empty() || s.vals.len() > MAX_LITERALS {
        return false;
    }
    // Which literals are equal to which (first equal literal's index), and which are zero.
    s.key.push(2);
    for (j, v) in s.vals.iter().enumerate() {
        let class = s.vals[..j].iter().position(|w| w == v).unwrap_or(j) as u16;
        s.key.extend_from_slice(&class.to_le_bytes());
        s.key.push(u8::from(*v == 0));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(c: &mut RuleCompiler, e: &str) {
        let want = crate::compile(e, c.link);
        assert_eq!(c.compile(e), want, "{e}");
    }

    #[test]
    fn flow_rules_after_the_first_are_filled_into_a_template() {
        let mut c = RuleCompiler::new(LinkType::ETHERNET);
        for i in 0..50u32 {
            let e = format!(
                "tcp and src host 198.51.100.{} and src port {} and dst host 192.0.2.1 and dst port {}",
                i + 1,
                1024 + 7 * i,
                [80, 443, 8080][i as usize % 3]
            );
            check(&mut c, &e);
        }
        assert_eq!(c.hits(), 49);
    }

    #[test]
    fn equal_literals_zero_and_collisions_with_fixed_constants_stay_exact() {
        let mut c = RuleCompiler::new(LinkType::ETHERNET);
        for e in [
            "src port 80 and dst port 80",
            "src port 80 and dst port 81",
            "src port 81 and dst port 81",
            "src port 0 and dst port 81",
            "src port 82 and dst port 0",
            "port 6 and ip proto 6",
            "port 7 and ip proto 6",
            "port 6 and ip proto 6",
            "host 10.0.0.1 or host 10.0.0.1",
            "host 10.0.0.1 or host 10.0.0.2",
            "host 0.0.0.0",
            "host 0.0.8.0 and ether proto 2048",
            "host 0.0.8.6 and ether proto 2048",
            "host 0.0.8.0 and ether proto 2048",
            "(host 10.1.2.3) and not port 22",
            "(host 10.1.2.4) and not port 23",
            "host 10.1.2.3/32 or port 1",
            "host 010.1.2.3",
            "port 65535",
            "port 65536",
            "port 99999",
            "portrange 1-2",
            "tcp port 80 or udp port 53",
            "tcp port 81 or udp port 54",
            "tcp port 81 or udp port 81",
            "host 192.0.2.1 and tcp[13] & 2 != 0",
            "host 192.0.2.2 and tcp[13] & 2 != 0",
            "ip host 1.2.3.4",
            "ip6 host 1.2.3.4",
            "ether host 1.2.3.4",
            "host 1.2.3.4 and len < 100",
        ] {
            check(&mut c, e);
            check(&mut c, e);
        }
    }

    #[test]
    fn other_link_types_compile_through_the_cache_too() {
        for link in [LinkType(113), LinkType(101), LinkType(0)] {
            let mut c = RuleCompiler::new(link);
            for i in 1..5 {
                check(
                    &mut c,
                    &format!("udp and host 10.0.0.{i} and port {}", 50 + i),
                );
            }
        }
    }

    /// Random rules of many shapes with literals drawn from a small pool that collides with
    /// the constants lowering generates (protocol numbers, ethertypes, zero): every result must
    /// be `compile`'s, whether it came from a template or not.
    #[test]
    fn random_shapes_and_colliding_literals_equal_a_full_compile() {
        let shapes = [
            "tcp and src host H and src port P and dst host H and dst port P",
            "host H and port P",
            "src host H or dst host H",
            "udp and (port P or port P) and not host H",
            "ip and host H and tcp[13] & 2 != 0 and dst port P",
            "host H and ether proto 2048 and port P",
            "ip6 or host H or port P",
            "(host H and port P) or (host H and port P)",
            "vlan and host H and port P",
            "tcp dst port P and ip proto 6 and host H",
            "sctp port P or udp port P",
            "not port P and not host H",
            // Fixed constants on the literals' own loads: equal or not decides what the
            // optimiser model folds.
            "ip[12:4] = 167772161 and host H",
            "tcp[0:2] = 80 and port P",
            "tcp[2:2] != 80 and (port P or host H)",
        ];
        let hosts = [
            "0.0.8.0",
            "0.0.0.6",
            "10.0.0.1",
            "10.0.0.2",
            "192.0.2.1",
            "255.255.255.255",
            "0.0.0.0",
            "0.0.134.221",
            "0.0.0.17",
            "0.0.31.255",
        ];
        let ports = [
            "0", "6", "17", "80", "2048", "34525", "65535", "1", "2", "8191",
        ];
        let mut rng = crate::gen::Rng::new(7);
        for link in [LinkType::ETHERNET, LinkType::LINUX_SLL, LinkType::RAW] {
            let mut c = RuleCompiler::new(link);
            for _ in 0..1500 {
                let shape = shapes[rng.range(0, shapes.len() as u64) as usize];
                let mut e = String::new();
                for ch in shape.chars() {
                    match ch {
                        'H' => e.push_str(hosts[rng.range(0, hosts.len() as u64) as usize]),
                        'P' => e.push_str(ports[rng.range(0, ports.len() as u64) as usize]),
                        c => e.push(c),
                    }
                }
                check(&mut c, &e);
            }
            assert!(c.hits() > 100, "templates barely used: {} hits", c.hits());
        }
    }
}
