//! The syntax tree of a pcap-filter expression, close to libpcap's grammar: qualifiers are kept
//! as written (with libpcap's carry-over already applied), and meaning is left to the lowering.

use crate::ir::ArithOp;
use std::ops::Range;

pub type Span = Range<usize>;

/// A protocol qualifier (`pname` in libpcap's grammar).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    Link,
    Ip,
    Arp,
    Rarp,
    Sctp,
    Tcp,
    Udp,
    Icmp,
    Igmp,
    Igrp,
    Pim,
    Vrrp,
    Carp,
    Atalk,
    Aarp,
    Decnet,
    Lat,
    Sca,
    Mopdl,
    Moprc,
    Ip6,
    Icmp6,
    Ah,
    Esp,
    Iso,
    Esis,
    Isis,
    IsisL1,
    IsisL2,
    IsisIih,
    IsisLsp,
    IsisSnp,
    IsisPsnp,
    IsisCsnp,
    Clnp,
    Stp,
    Ipx,
    Netbeui,
    Radio,
}

impl Proto {
    pub fn name(self) -> &'static str {
        use Proto::*;
        match self {
            Link => "link",
            Ip => "ip",
            Arp => "arp",
            Rarp => "rarp",
            Sctp => "sctp",
            Tcp => "tcp",
            Udp => "udp",
            Icmp => "icmp",
            Igmp => "igmp",
            Igrp => "igrp",
            Pim => "pim",
            Vrrp => "vrrp",
            Carp => "carp",
            Atalk => "atalk",
            Aarp => "aarp",
            Decnet => "decnet",
            Lat => "lat",
            Sca => "sca",
            Mopdl => "mopdl",
            Moprc => "moprc",
            Ip6 => "ip6",
            Icmp6 => "icmp6",
            Ah => "ah",
            Esp => "esp",
            Iso => "iso",
            Esis => "esis",
            Isis => "isis",
            IsisL1 => "l1",
            IsisL2 => "l2",
            IsisIih => "iih",
            IsisLsp => "lsp",
            IsisSnp => "snp",
            IsisPsnp => "psnp",
            IsisCsnp => "csnp",
            Clnp => "clnp",
            Stp => "stp",
            Ipx => "ipx",
            Netbeui => "netbeui",
            Radio => "radio",
        }
    }
}

/// A qualifier slot: given, left to its default, or undefined (libpcap's `qerr`: an id that
/// follows a term which carries no qualifiers, such as `tcp and 80`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot<T> {
    Default,
    Undef,
    Is(T),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    Src,
    Dst,
    SrcOrDst,
    SrcAndDst,
    Addr1,
    Addr2,
    Addr3,
    Addr4,
    Ra,
    Ta,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Addr {
    Host,
    Net,
    Port,
    Portrange,
    Proto,
    Protochain,
    Gateway,
}

/// libpcap's `struct qual`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Qual {
    pub proto: Slot<Proto>,
    pub dir: Slot<Dir>,
    pub addr: Slot<Addr>,
}

impl Qual {
    pub const ERR: Qual = Qual {
        proto: Slot::Undef,
        dir: Slot::Undef,
        addr: Slot::Undef,
    };
}

/// The value part of a qualified primitive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Id {
    Num(u32),
    /// `a.b.c.d` (or abbreviated `a.b`, `a.b.c`).
    V4(String),
    /// `a.b.c.d/len`
    V4Len(String, u32),
    /// `a.b.c.d mask m.m.m.m`
    V4Mask(String, String),
    V6(String),
    V6Len(String, u32),
    Mac(String),
    Arcnet(String),
    Name(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOp {
    And,
    Or,
    Lt,
    Gt,
    Eq,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelOp {
    Gt,
    Ge,
    Eq,
    Le,
    Lt,
    Ne,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arith {
    Num(u32),
    Len,
    /// `proto[index]` or `proto[index:size]`.
    Load {
        proto: Proto,
        index: Box<Arith>,
        size: u32,
        span: Span,
    },
    Bin(ArithOp, Box<Arith>, Box<Arith>, Span),
    Neg(Box<Arith>),
}

/// Primitives that take no qualified id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Other {
    Broadcast(Slot<Proto>),
    Multicast(Slot<Proto>),
    Less(u32),
    Greater(u32),
    Byte(u32, ByteOp, u32),
    Vlan(Option<u32>),
    Mpls(Option<u32>),
    Pppoed,
    Pppoes(Option<u32>),
    Geneve(Option<u32>),
    Inbound,
    Outbound,
    Ifindex(u32),
    /// `llc`, `llc i|s|u`, `llc <subtype>`: the subtype as written.
    Llc(Option<String>),
    /// A primitive we parse but that applies only to link types or platforms we do not
    /// support (ATM, MTP, pflog, 802.11 fields, LLC, batman...): lowering rejects it by name.
    Unsupported(&'static str),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// The empty expression: accepts everything.
    Empty,
    /// Operands in source order, evaluated left to right (at least two). A run of one
    /// operator is one flat list, however long, so that nothing downstream recurses per
    /// operand; a switch of operator groups what came before (`a and b or c` is
    /// `Or[And[a, b], c]`), since `and` and `or` have equal precedence, left to right.
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// A qualified id: `src host 1.2.3.4`, or a bare `5.6.7.8` that took the previous
    /// qualifiers.
    Qualified {
        q: Qual,
        id: Id,
        span: Span,
    },
    /// A protocol name alone: `tcp`, `ip6`, `arp`.
    Proto(Proto, Span),
    Rel(Arith, RelOp, Arith, Span),
    Other(Other, Span),
}

impl Expr {
    /// `self and rhs` (`is_and`) or `self or rhs`, appending to `self` when it is already a
    /// list of that operator: `a or b or c` is one `Or` of three operands.
    pub fn chain(self, is_and: bool, rhs: Expr) -> Expr {
        match (self, is_and) {
            (Expr::And(mut v), true) => {
                v.push(rhs);
                Expr::And(v)
            }
            (Expr::Or(mut v), false) => {
                v.push(rhs);
                Expr::Or(v)
            }
            (e, true) => Expr::And(vec![e, rhs]),
            (e, false) => Expr::Or(vec![e, rhs]),
        }
    }
}
