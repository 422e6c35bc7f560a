//! Questions about filters that the kernel shim asks before installing one: can two filters both
//! accept some packet ([`may_overlap`]), and does one accept everything another does
//! ([`contains`])?
//!
//! Both reason on the filters' terms (their disjunctive normal form, see
//! [`crate::graph::dnf`]) with per-load interval facts (see [`crate::graph::facts`]).
//!
//! - **Exact** when the filters are (disjunctions of) conjunctions of equality, range and
//!   inequality constraints on the same masked loads: `tcp dst port 80` vs `tcp dst port 81`
//!   do not overlap; `tcp dst port 80 and src host 10.0.0.1` is contained in `tcp dst port 80`.
//! - **Conservative** otherwise: `may_overlap` answers `true` and `contains` answers `false`
//!   whenever it cannot prove the opposite. That happens for general comparisons
//!   (`ip[2:2] - 20 > len`), for constraints on loads that overlap without being equal
//!   (`ip[2:2]` against `ip[2]`), for masks that are not sub-masks of one another, and for
//!   filters whose normal form exceeds a size budget.
//!
//! BPF's reject rule is respected: `contains(outer, inner)` also requires that `outer` cannot
//! reject a packet that `inner` accepts (an `outer` that reads further into the packet than
//! `inner` does is not known to contain it).
//!
//! ```
//! use dpf::ir::{Pred, Rel};
//! use dpf::query::{contains, may_overlap};
//! let port = |p| Pred::atom(36, 2, u32::MAX, Rel::Eq, p);
//! let ip = Pred::atom(12, 2, u32::MAX, Rel::Eq, 0x0800);
//! let web = Pred::and(ip.clone(), port(80));
//! let ssh = Pred::and(ip.clone(), port(22));
//! assert!(!may_overlap(&web, &ssh));
//! assert!(may_overlap(&web, &ip));
//! assert!(contains(&ip, &web));
//! assert!(!contains(&web, &ip));
//! ```

use crate::graph::dnf::{default_limit, dnf, pred_size, Term};
use crate::graph::facts::{specialise, Facts};
use crate::ir::Pred;

/// Above this many nodes, `contains` does not specialise `outer` (it would recurse that deep).
const MAX_OUTER_NODES: usize = 4096;

/// Can some packet be accepted by both `a` and `b`? `false` only when provably impossible.
pub fn may_overlap(a: &Pred, b: &Pred) -> bool {
    let (Some(da), Some(db)) = (dnf(a, default_limit(a)), dnf(b, default_limit(b))) else {
        return true;
    };
    // Quadratic in the number of terms; beyond a budget, stay conservative.
    if da.len().saturating_mul(db.len()) > 4_000_000 {
        return true;
    }
    da.iter().any(|ta| {
        db.iter().any(|tb| {
            let mut lits = ta.lits.clone();
            lits.extend(tb.lits.iter().cloned());
            Facts::of_term(&Term { lits }).is_some()
        })
    })
}

/// Does every packet accepted by `inner` also get accepted by `outer`? `true` only when proven.
///
/// For each term of `inner` that can hold, `outer` is specialised to that term's facts; the
/// answer is `true` when every such specialisation folds to `true` without leaving a load
/// behind that could reject.
pub fn contains(outer: &Pred, inner: &Pred) -> bool {
    if pred_size(outer) > MAX_OUTER_NODES {
        return false;
    }
    let Some(di) = dnf(inner, default_limit(inner)) else {
        return false;
    };
    di.iter().all(|t| match Facts::of_term(t) {
        None => true,
        Some(f) => specialise(outer, &f) == Pred::True,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Base, Load, Rel};

    fn eq(off: u32, size: u8, k: u32) -> Pred {
        Pred::atom(off, size, u32::MAX, Rel::Eq, k)
    }
    fn ip() -> Pred {
        eq(12, 2, 0x0800)
    }
    fn tcp() -> Pred {
        Pred::and(ip(), eq(23, 1, 6))
    }
    fn dport(p: u32) -> Pred {
        Pred::Atom(crate::ir::Atom {
            load: Load {
                base: Base::IpHdrLen { at: 14 },
                off: 16,
                size: 2,
            },
            mask: u32::MAX,
            rel: Rel::Eq,
            k: p,
        })
    }

    #[test]
    fn distinct_ports_do_not_overlap() {
        let a = Pred::and(tcp(), dport(80));
        let b = Pred::and(tcp(), dport(81));
        assert!(!may_overlap(&a, &b));
        assert!(may_overlap(&a, &a));
        assert!(may_overlap(&a, &tcp()));
    }

    #[test]
    fn ranges_and_disjunctions() {
        let low = Pred::and(tcp(), Pred::atom(34, 2, u32::MAX, Rel::Lt, 1024));
        let high = Pred::and(tcp(), Pred::atom(34, 2, u32::MAX, Rel::Ge, 1024));
        assert!(!may_overlap(&low, &high));
        let either = Pred::or(low.clone(), high.clone());
        assert!(contains(&either, &low));
        assert!(contains(&either, &high));
        assert!(!contains(&low, &either));
        // A masked equality inside a range: 0x0400 & 0xff00 == 0x0400 is >= 1024.
        let masked = Pred::and(tcp(), Pred::atom(34, 2, 0xff00, Rel::Eq, 0x0400));
        assert!(may_overlap(&masked, &high));
    }

    #[test]
    fn connection_is_inside_listener() {
        let listener = Pred::and(tcp(), dport(80));
        let conn = Pred::and(listener.clone(), eq(26, 4, 0xc000_0201));
        assert!(contains(&listener, &conn));
        assert!(!contains(&conn, &listener));
        assert!(contains(&conn, &conn));
        assert!(contains(&Pred::True, &conn));
        assert!(contains(&conn, &Pred::False));
    }

    #[test]
    fn outer_that_reads_further_is_not_known_to_contain() {
        // inner: ip.  outer: ip and not pkt[1000] == 1, which rejects short packets.
        let outer = Pred::and(ip(), Pred::not(eq(1000, 1, 1)));
        assert!(!contains(&outer, &ip()));
        // But `ip or pkt[1000] == 1` contains ip: the right side is never reached for ip.
        let outer = Pred::or(ip(), eq(1000, 1, 1));
        assert!(contains(&outer, &ip()));
    }

    #[test]
    fn general_comparisons_are_conservative() {
        use crate::ir::Val;
        let c = Pred::Cmp(Val::Len, Rel::Gt, Val::K(100));
        let d = Pred::Cmp(Val::Len, Rel::Le, Val::K(100));
        let e = Pred::Cmp(Val::Len, Rel::Gt, Val::K(200));
        // A comparison and its negation exclude each other; anything else is not decided.
        assert!(!may_overlap(&c, &d));
        assert!(may_overlap(&c, &e));
        assert!(contains(&c, &c));
        assert!(!contains(&c, &e));
        assert!(!contains(&c, &d));
    }
}
