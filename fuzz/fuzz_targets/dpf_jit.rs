//! JIT == graph interpreter == linear reference, on rule sets and packets decoded from the
//! fuzzer's bytes. Rules are small predicate trees over atoms at offsets the packets reach
//! (absolute or after the IPv4 header length) and general comparisons with every arithmetic
//! operator, so reject paths (short packets, division by zero) are hit often.

#![no_main]

use dpf::ir::{ArithOp, Atom, Base, Load, Packet, Pred, Rel, Val};
use dpf::{Demux, Graph, JitGraph, Linear};
use libfuzzer_sys::fuzz_target;

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn word(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }
}

fn load(b: &mut Bytes) -> Load {
    let t = b.byte();
    Load {
        base: if t & 0x80 != 0 {
            Base::IpHdrLen {
                at: u32::from(t & 0x1f),
            }
        } else {
            Base::Abs
        },
        off: u32::from(b.byte() % 64),
        size: [1, 2, 4][usize::from(t % 3)],
    }
}

fn rel(b: &mut Bytes) -> Rel {
    [Rel::Eq, Rel::Ne, Rel::Lt, Rel::Le, Rel::Gt, Rel::Ge][usize::from(b.byte() % 6)]
}

fn konst(b: &mut Bytes) -> u32 {
    let t = b.byte();
    if t < 200 {
        u32::from(t % 4)
    } else {
        b.word()
    }
}

fn val(b: &mut Bytes, depth: u8) -> Val {
    match (b.byte() % 6, depth) {
        (0, _) | (_, 0) => Val::K(konst(b)),
        (1, _) => Val::Len,
        (2, _) => Val::Load(load(b)),
        (3, _) => Val::LoadInd {
            index: Box::new(val(b, depth - 1)),
            off: u32::from(b.byte() % 8),
            size: [1, 2, 4][usize::from(b.byte() % 3)],
        },
        (4, _) => Val::Neg(Box::new(val(b, depth - 1))),
        _ => {
            let op = [
                ArithOp::Add,
                ArithOp::Sub,
                ArithOp::Mul,
                ArithOp::Div,
                ArithOp::Mod,
                ArithOp::And,
                ArithOp::Or,
                ArithOp::Xor,
                ArithOp::Shl,
                ArithOp::Shr,
            ][usize::from(b.byte() % 10)];
            Val::Bin(op, Box::new(val(b, depth - 1)), Box::new(val(b, depth - 1)))
        }
    }
}

fn pred(b: &mut Bytes, depth: u8) -> Pred {
    match (b.byte() % 8, depth) {
        (0..=2, _) | (_, 0) => {
            let load = load(b);
            let mask = if b.byte() & 1 == 0 {
                u32::MAX
            } else {
                b.word()
            };
            Pred::Atom(Atom {
                load,
                mask,
                rel: rel(b),
                k: konst(b),
            })
        }
        (3, _) => Pred::Cmp(val(b, 2), rel(b), val(b, 2)),
        (4, _) => Pred::not(pred(b, depth - 1)),
        (5, _) => Pred::or(pred(b, depth - 1), pred(b, depth - 1)),
        (6, _) => Pred::True,
        _ => Pred::and(pred(b, depth - 1), pred(b, depth - 1)),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let nrules = 1 + usize::from(b.byte() % 8);
    let rules: Vec<Pred> = (0..nrules).map(|_| pred(&mut b, 4)).collect();
    let lin = Linear::new(rules.clone());
    let graph = Graph::new(&rules);
    // The path of large rule sets: every term filed once all rules are in.
    let late = Graph::from_rules_filed_at_end(rules.clone());
    let jit = JitGraph::new(&rules).expect("the JIT compiles every graph");
    // The rest of the input is packets: a length byte, then that many bytes.
    let (mut x, mut y, mut z) = (Vec::new(), Vec::new(), Vec::new());
    while !b.0.is_empty() {
        let n = usize::from(b.byte() % 96).min(b.0.len());
        let (pkt, rest) = b.0.split_at(n);
        b.0 = rest;
        let p = Packet::new(pkt, n as u32 + 4);
        let want = lin.first_match(&p);
        assert_eq!(graph.first_match(&p), want);
        assert_eq!(late.first_match(&p), want);
        assert_eq!(jit.first_match(&p), want);
        lin.all_matches(&p, &mut x);
        graph.all_matches(&p, &mut y);
        jit.all_matches(&p, &mut z);
        assert_eq!(y, x);
        late.all_matches(&p, &mut y);
        assert_eq!(y, x);
        assert_eq!(z, x);
    }
});
