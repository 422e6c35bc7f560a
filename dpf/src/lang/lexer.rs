//! The scanner: libpcap's flex rules, reproduced as longest-match with ties going to the rule
//! listed first, so that `tcp-syn` is a number, `tcpx` a name, `001122334455` a MAC address and
//! `1-1024` one name (a port range) exactly as tcpdump sees them.

use super::FilterError;
use std::ops::Range;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A keyword (`host`, `tcp`, `and`...), by its canonical spelling.
    Kw(Kw),
    /// A number (decimal, 0x hex, 0 octal) or a named constant (`tcp-syn`, `icmptype`).
    Num(u32),
    /// `a.b`, `a.b.c`, `a.b.c.d`: an IPv4 address or network, possibly abbreviated.
    Hid(String),
    /// An IPv6 address.
    Hid6(String),
    /// A MAC address in any of libpcap's spellings.
    Eid(String),
    /// `$xx`: an ARCnet address.
    Aid(String),
    /// A name (host name, port or protocol name, `1-1024`); a `\name` escape gives the name.
    Id(String),
    /// One of `+ - * / % : [ ] ! < > ( ) & | ^ =`.
    Punct(char),
    Geq,
    Leq,
    Neq,
    Lsh,
    Rsh,
}

/// Keywords of the filter language. `Link` covers `link`, `ether`, `ppp`, `slip`, `fddi`, `tr`,
/// `wlan`; `Not` is both `not` and `!` (the scanner returns `!` for `not`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kw {
    Dst,
    Src,
    Link,
    Arp,
    Rarp,
    Ip,
    Sctp,
    Tcp,
    Udp,
    Icmp,
    Igmp,
    Igrp,
    Pim,
    Vrrp,
    Carp,
    Radio,
    Ip6,
    Icmp6,
    Ah,
    Esp,
    Atalk,
    Aarp,
    Decnet,
    Lat,
    Sca,
    Moprc,
    Mopdl,
    Iso,
    Esis,
    Isis,
    L1,
    L2,
    Iih,
    Lsp,
    Snp,
    Csnp,
    Psnp,
    Clnp,
    Stp,
    Ipx,
    Netbeui,
    Host,
    Net,
    Mask,
    Port,
    Portrange,
    Proto,
    Protochain,
    Gateway,
    Type,
    Subtype,
    Dir,
    Addr1,
    Addr2,
    Addr3,
    Addr4,
    Ra,
    Ta,
    Less,
    Greater,
    Byte,
    Broadcast,
    Multicast,
    And,
    Or,
    Not,
    Len,
    Inbound,
    Outbound,
    Ifindex,
    Vlan,
    Mpls,
    Pppoed,
    Pppoes,
    Geneve,
    Lane,
    Llc,
    Metac,
    Bcc,
    Oam,
    Oamf4,
    Oamf4ec,
    Oamf4sc,
    Sc,
    Ilmic,
    Vpi,
    Vci,
    Connectmsg,
    Metaconnect,
    PfIfname,
    PfRset,
    PfRnr,
    PfSrnr,
    PfReason,
    PfAction,
    Fisu,
    Lssu,
    Msu,
    Hfisu,
    Hlssu,
    Hmsu,
    Sio,
    Opc,
    Dpc,
    Sls,
    Hsio,
    Hopc,
    Hdpc,
    Hsls,
}

fn keyword(w: &str) -> Option<Kw> {
    use Kw::*;
    Some(match w {
        "dst" => Dst,
        "src" => Src,
        "link" | "ether" | "ppp" | "slip" | "fddi" | "tr" | "wlan" => Link,
        "arp" => Arp,
        "rarp" => Rarp,
        "ip" => Ip,
        "sctp" => Sctp,
        "tcp" => Tcp,
        "udp" => Udp,
        "icmp" => Icmp,
        "igmp" => Igmp,
        "igrp" => Igrp,
        "pim" => Pim,
        "vrrp" => Vrrp,
        "carp" => Carp,
        "radio" => Radio,
        "ip6" => Ip6,
        "icmp6" => Icmp6,
        "ah" => Ah,
        "esp" => Esp,
        "atalk" => Atalk,
        "aarp" => Aarp,
        "decnet" => Decnet,
        "lat" => Lat,
        "sca" => Sca,
        "moprc" => Moprc,
        "mopdl" => Mopdl,
        "iso" => Iso,
        "esis" | "es-is" => Esis,
        "isis" | "is-is" => Isis,
        "l1" => L1,
        "l2" => L2,
        "iih" => Iih,
        "lsp" => Lsp,
        "snp" => Snp,
        "csnp" => Csnp,
        "psnp" => Psnp,
        "clnp" => Clnp,
        "stp" => Stp,
        "ipx" => Ipx,
        "netbeui" => Netbeui,
        "host" => Host,
        "net" => Net,
        "mask" => Mask,
        "port" => Port,
        "portrange" => Portrange,
        "proto" => Proto,
        "protochain" => Protochain,
        "gateway" => Gateway,
        "type" => Type,
        "subtype" => Subtype,
        "direction" | "dir" => Dir,
        "address1" | "addr1" => Addr1,
        "address2" | "addr2" => Addr2,
        "address3" | "addr3" => Addr3,
        "address4" | "addr4" => Addr4,
        "ra" => Ra,
        "ta" => Ta,
        "less" => Less,
        "greater" => Greater,
        "byte" => Byte,
        "broadcast" => Broadcast,
        "multicast" => Multicast,
        "and" => And,
        "or" => Or,
        "not" => Not,
        "len" | "length" => Len,
        "inbound" => Inbound,
        "outbound" => Outbound,
        "ifindex" => Ifindex,
        "vlan" => Vlan,
        "mpls" => Mpls,
        "pppoed" => Pppoed,
        "pppoes" => Pppoes,
        "geneve" => Geneve,
        "lane" => Lane,
        "llc" => Llc,
        "metac" => Metac,
        "bcc" => Bcc,
        "oam" => Oam,
        "oamf4" => Oamf4,
        "oamf4ec" => Oamf4ec,
        "oamf4sc" => Oamf4sc,
        "sc" => Sc,
        "ilmic" => Ilmic,
        "vpi" => Vpi,
        "vci" => Vci,
        "connectmsg" => Connectmsg,
        "metaconnect" => Metaconnect,
        "on" | "ifname" => PfIfname,
        "rset" | "ruleset" => PfRset,
        "rnr" | "rulenum" => PfRnr,
        "srnr" | "subrulenum" => PfSrnr,
        "reason" => PfReason,
        "action" => PfAction,
        "fisu" => Fisu,
        "lssu" | "lsu" => Lssu,
        "msu" => Msu,
        "hfisu" => Hfisu,
        "hlssu" => Hlssu,
        "hmsu" => Hmsu,
        "sio" => Sio,
        "opc" => Opc,
        "dpc" => Dpc,
        "sls" => Sls,
        "hsio" => Hsio,
        "hopc" => Hopc,
        "hdpc" => Hdpc,
        "hsls" => Hsls,
        _ => return None,
    })
}

/// Named constants the scanner turns into numbers.
fn named_number(w: &str) -> Option<u32> {
    Some(match w {
        "icmptype" => 0,
        "icmpcode" => 1,
        "icmp-echoreply" => 0,
        "icmp-unreach" => 3,
        "icmp-sourcequench" => 4,
        "icmp-redirect" => 5,
        "icmp-echo" => 8,
        "icmp-routeradvert" => 9,
        "icmp-routersolicit" => 10,
        "icmp-timxceed" => 11,
        "icmp-paramprob" => 12,
        "icmp-tstamp" => 13,
        "icmp-tstampreply" => 14,
        "icmp-ireq" => 15,
        "icmp-ireqreply" => 16,
        "icmp-maskreq" => 17,
        "icmp-maskreply" => 18,
        "icmp6type" => 0,
        "icmp6code" => 1,
        "icmp6-destinationunreach" => 1,
        "icmp6-packettoobig" => 2,
        "icmp6-timeexceeded" => 3,
        "icmp6-parameterproblem" => 4,
        "icmp6-echo" => 128,
        "icmp6-echoreply" => 129,
        "icmp6-multicastlistenerquery" => 130,
        "icmp6-multicastlistenerreportv1" => 131,
        "icmp6-multicastlistenerdone" => 132,
        "icmp6-routersolicit" => 133,
        "icmp6-routeradvert" => 134,
        "icmp6-neighborsolicit" => 135,
        "icmp6-neighboradvert" => 136,
        "icmp6-redirect" => 137,
        "icmp6-routerrenum" => 138,
        "icmp6-nodeinformationquery" => 139,
        "icmp6-nodeinformationresponse" => 140,
        "icmp6-ineighbordiscoverysolicit" => 141,
        "icmp6-ineighbordiscoveryadvert" => 142,
        "icmp6-multicastlistenerreportv2" => 143,
        "icmp6-homeagentdiscoveryrequest" => 144,
        "icmp6-homeagentdiscoveryreply" => 145,
        "icmp6-mobileprefixsolicit" => 146,
        "icmp6-mobileprefixadvert" => 147,
        "icmp6-certpathsolicit" => 148,
        "icmp6-certpathadvert" => 149,
        "icmp6-multicastrouteradvert" => 151,
        "icmp6-multicastroutersolicit" => 152,
        "icmp6-multicastrouterterm" => 153,
        "tcpflags" => 13,
        "tcp-fin" => 0x01,
        "tcp-syn" => 0x02,
        "tcp-rst" => 0x04,
        "tcp-push" => 0x08,
        "tcp-ack" => 0x10,
        "tcp-urg" => 0x20,
        "tcp-ece" => 0x40,
        "tcp-cwr" => 0x80,
        _ => return None,
    })
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub span: Range<usize>,
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

/// Length of the longest match of `[0-9]+|0[xX][0-9A-Fa-f]+` at the start of `s`.
fn match_n(s: &[u8]) -> usize {
    if s.len() >= 3 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X') && is_hex(s[2]) {
        let mut i = 3;
        while i < s.len() && is_hex(s[i]) {
            i += 1;
        }
        return i;
    }
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// Longest match of `N(\.N){1,3}`.
fn match_hid(s: &[u8]) -> usize {
    let mut best = 0;
    let mut i = match_n(s);
    if i == 0 {
        return 0;
    }
    for _ in 0..3 {
        if i < s.len() && s[i] == b'.' {
            let n = match_n(&s[i + 1..]);
            if n == 0 {
                break;
            }
            i += 1 + n;
            best = i;
        } else {
            break;
        }
    }
    best
}

/// Longest match of `B` (1 or 2 hex digits).
fn match_b(s: &[u8]) -> usize {
    s.iter().take(2).take_while(|c| is_hex(**c)).count()
}

/// Longest match of libpcap's MAC patterns: `B:B:B:B:B:B`, `B-B-...`, `B.B.B.B.B.B`,
/// `B2.B2.B2` (four hex digits each) or twelve hex digits.
fn match_mac(s: &[u8]) -> usize {
    let mut best = 0;
    for sep in [b':', b'-', b'.'] {
        // Try every way of taking 1 or 2 digits per group; flex would find the longest.
        fn rec(s: &[u8], i: usize, group: usize, sep: u8, best: &mut usize) {
            for len in [1usize, 2] {
                if i + len <= s.len() && s[i..i + len].iter().all(|c| is_hex(*c)) {
                    let j = i + len;
                    if group == 5 {
                        *best = (*best).max(j);
                    } else if j < s.len() && s[j] == sep {
                        rec(s, j + 1, group + 1, sep, best);
                    }
                }
            }
        }
        rec(s, 0, 0, sep, &mut best);
    }
    // B2.B2.B2
    let b2 = |i: usize| i + 4 <= s.len() && s[i..i + 4].iter().all(|c| is_hex(*c));
    if b2(0) && s.get(4) == Some(&b'.') && b2(5) && s.get(9) == Some(&b'.') && b2(10) {
        best = best.max(14);
    }
    if s.len() >= 12 && s[..12].iter().all(|c| is_hex(*c)) {
        best = best.max(12);
    }
    best
}

/// Is `s` an IPv6 address as libpcap's V6 patterns spell it (hex groups of 1-4 digits, at most
/// one `::`, optionally ending in a dotted quad of `N`s)?
fn is_v6(s: &[u8]) -> bool {
    let text = match std::str::from_utf8(s) {
        Ok(t) => t,
        Err(_) => return false,
    };
    let (head, tail_v4) = match text.rfind(':') {
        Some(p) if text[p + 1..].contains('.') => (&text[..=p], Some(&text[p + 1..])),
        _ => (text, None),
    };
    if let Some(v4) = tail_v4 {
        if match_hid(v4.as_bytes()) != v4.len() || v4.split('.').count() != 4 {
            return false;
        }
    }
    let groups_wanted = if tail_v4.is_some() { 6 } else { 8 };
    let head = if tail_v4.is_some() {
        // Keep a trailing "::" intact, drop a single trailing ':' separator.
        if head.ends_with("::") {
            head
        } else {
            &head[..head.len() - 1]
        }
    } else {
        head
    };
    let group_ok = |g: &str| !g.is_empty() && g.len() <= 4 && g.bytes().all(is_hex);
    if let Some(p) = head.find("::") {
        let (a, b) = (&head[..p], &head[p + 2..]);
        if b.contains("::") {
            return false;
        }
        let ga: Vec<&str> = if a.is_empty() {
            vec![]
        } else {
            a.split(':').collect()
        };
        let gb: Vec<&str> = if b.is_empty() {
            vec![]
        } else {
            b.split(':').collect()
        };
        if !ga.iter().chain(gb.iter()).all(|g| group_ok(g)) {
            return false;
        }
        // "::" stands for at least one group; flex's patterns allow 0..=7 explicit groups.
        ga.len() + gb.len() < groups_wanted
    } else {
        let g: Vec<&str> = head.split(':').collect();
        g.len() == groups_wanted && g.iter().all(|g| group_ok(g))
    }
}

fn match_v6(s: &[u8]) -> usize {
    let run = s
        .iter()
        .take_while(|c| is_hex(**c) || **c == b':' || **c == b'.')
        .count();
    if !s[..run].contains(&b':') {
        return 0;
    }
    (2..=run).rev().find(|&n| is_v6(&s[..n])).unwrap_or(0)
}

/// `{B}:+({B}:+)+`: something that looks like a broken MAC address.
fn match_bogus_ether(s: &[u8]) -> usize {
    let mut i = match_b(s);
    if i == 0 {
        return 0;
    }
    let colons = |i: usize| s[i..].iter().take_while(|c| **c == b':').count();
    let c = colons(i);
    if c == 0 {
        return 0;
    }
    i += c;
    let mut best = 0;
    loop {
        let b = match_b(&s[i..]);
        if b == 0 {
            break;
        }
        let c = colons(i + b);
        if c == 0 {
            break;
        }
        i += b + c;
        best = i;
    }
    best
}

/// `[A-Za-z0-9]([-_.A-Za-z0-9]*[.A-Za-z0-9])?`
fn match_id(s: &[u8]) -> usize {
    if s.is_empty() || !s[0].is_ascii_alphanumeric() {
        return 0;
    }
    let mut n = 1 + s[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(**c, b'-' | b'_' | b'.'))
        .count();
    while n > 1 && matches!(s[n - 1], b'-' | b'_') {
        n -= 1;
    }
    n
}

/// Length of the keyword or named constant at the start of `s`, if the whole word is one.
fn match_word<T>(s: &[u8], f: impl Fn(&str) -> Option<T>) -> Option<(usize, T)> {
    // Keywords are made of [a-z0-9-]; find the longest prefix that is one.
    let run = s
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
        .count();
    (1..=run).rev().find_map(|n| {
        std::str::from_utf8(&s[..n])
            .ok()
            .and_then(&f)
            .map(|t| (n, t))
    })
}

pub fn lex(src: &str) -> Result<Vec<Token>, FilterError> {
    lex_with(src, true)
}

/// The scanner; `quick` enables [`quick_token`] (the tests compare both ways).
fn lex_with(src: &str, quick: bool) -> Result<Vec<Token>, FilterError> {
    let s = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if matches!(c, b' ' | b'\r' | b'\n' | b'\t') {
            i += 1;
            continue;
        }
        let rest = &s[i..];
        if let Some((len, tok)) = quick.then(|| quick_token(src, i)).flatten() {
            out.push(Token {
                tok,
                span: i..i + len,
            });
            i += len;
            continue;
        }
        // Candidates in flex rule order; the longest wins, the earliest on a tie.
        let mut best: Option<(usize, Tok)> = None;
        let offer = |len: usize, tok: Tok, best: &mut Option<(usize, Tok)>| {
            if len > 0 && best.as_ref().is_none_or(|(l, _)| len > *l) {
                *best = Some((len, tok));
            }
        };
        if let Some((n, kw)) = match_word(rest, keyword) {
            offer(n, Tok::Kw(kw), &mut best);
        }
        if rest.starts_with(b"&&") {
            offer(2, Tok::Kw(Kw::And), &mut best);
        }
        if rest.starts_with(b"||") {
            offer(2, Tok::Kw(Kw::Or), &mut best);
        }
        if b"+-*/%:[]!<>()&|^=".contains(&c) {
            offer(1, Tok::Punct(c as char), &mut best);
        }
        for (pat, tok) in [
            (&b">="[..], Tok::Geq),
            (b"<=", Tok::Leq),
            (b"!=", Tok::Neq),
            (b"==", Tok::Punct('=')),
            (b"<<", Tok::Lsh),
            (b">>", Tok::Rsh),
        ] {
            if rest.starts_with(pat) {
                offer(2, tok, &mut best);
            }
        }
        if c == b'$' {
            let b = match_b(&rest[1..]);
            if b > 0 {
                offer(1 + b, Tok::Aid(src[i..i + 1 + b].to_string()), &mut best);
            }
        }
        let mac = match_mac(rest);
        if mac > 0 {
            offer(mac, Tok::Eid(src[i..i + mac].to_string()), &mut best);
        }
        let n = match_n(rest);
        if n > 0 {
            offer(n, Tok::Num(0), &mut best); // value computed below
        }
        let hid = match_hid(rest);
        if hid > 0 {
            offer(hid, Tok::Hid(src[i..i + hid].to_string()), &mut best);
        }
        let v6 = match_v6(rest);
        if v6 > 0 {
            offer(v6, Tok::Hid6(src[i..i + v6].to_string()), &mut best);
        }
        let bogus = match_bogus_ether(rest);
        if bogus > 0 {
            offer(bogus, Tok::Eid(String::new()), &mut best);
        }
        if let Some((n, v)) = match_word(rest, named_number) {
            offer(n, Tok::Num(v), &mut best);
        }
        let id = match_id(rest);
        if id > 0 {
            offer(id, Tok::Id(src[i..i + id].to_string()), &mut best);
        }
        if c == b'\\' {
            let n = rest[1..]
                .iter()
                .take_while(|c| !matches!(**c, b' ' | b'!' | b'(' | b')' | b'\n' | b'\t'))
                .count();
            if n > 0 {
                // The escape's name may hold any bytes; keep it whole even if not UTF-8-aligned.
                let end = i + 1 + n;
                let name = String::from_utf8_lossy(&s[i + 1..end]).into_owned();
                offer(1 + n, Tok::Id(name), &mut best);
            }
        }
        let Some((len, mut tok)) = best else {
            let ch_len = src[i..].chars().next().map_or(1, |c| c.len_utf8());
            return Err(FilterError::new(
                format!("unexpected character {:?}", &src[i..i + ch_len]),
                i..i + ch_len,
            ));
        };
        let span = i..i + len;
        match &mut tok {
            Tok::Num(v) if n == len && named_number_len(rest) != Some(len) => {
                *v = parse_number(&src[span.clone()])
                    .map_err(|m| FilterError::new(m, span.clone()))?;
            }
            Tok::Eid(e) if e.is_empty() => {
                return Err(FilterError::new(
                    format!("bogus ethernet address {}", &src[span.clone()]),
                    span,
                ));
            }
            _ => {}
        }
        out.push(Token { tok, span });
        i += len;
    }
    Ok(out)
}

/// Ends a token for [`quick_token`]: whitespace, a parenthesis or the end of the text. No rule
/// of the scanner continues a match across these bytes.
fn is_delim(c: Option<&u8>) -> bool {
    matches!(c, None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'(' | b')'))
}

/// The three tokens that make up long address lists (`host 10.0.0.1 or host 10.0.0.2 ...`),
/// recognised without trying every scanner rule: a lower-case keyword, a dotted quad of
/// decimal numbers, a decimal number of at most 11 digits, each followed by a delimiter. In
/// each case every other rule matches no longer (they would need `:`, `-`, `_`, a hex letter
/// run of 12, or a longer word), and ties go to the rule this returns, so the result is the
/// general scanner's; the lexer tests compare both on such inputs. `None`: use the general path.
fn quick_token(src: &str, i: usize) -> Option<(usize, Tok)> {
    let s = &src.as_bytes()[i..];
    let c = s[0];
    if c.is_ascii_lowercase() {
        let n = s.iter().take_while(|c| c.is_ascii_lowercase()).count();
        if !is_delim(s.get(n)) {
            return None;
        }
        return keyword(&src[i..i + n]).map(|kw| (n, Tok::Kw(kw)));
    }
    if !c.is_ascii_digit() {
        return None;
    }
    // Decimal digits, at most 3 dots between non-empty digit runs.
    let mut dots = 0;
    let mut n = 0;
    let mut run = 0;
    while let Some(&b) = s.get(n) {
        if b.is_ascii_digit() {
            run += 1;
        } else if b == b'.' && run > 0 && dots < 3 {
            dots += 1;
            run = 0;
        } else {
            break;
        }
        n += 1;
    }
    if run == 0 || !is_delim(s.get(n)) {
        return None;
    }
    match dots {
        // A leading 0 is octal (and may be an error): leave it to the general path.
        0 if n <= 11 && c != b'0' => parse_number(&src[i..i + n]).ok().map(|v| (n, Tok::Num(v))),
        3 => Some((n, Tok::Hid(src[i..i + n].to_string()))),
        _ => None,
    }
}

fn named_number_len(s: &[u8]) -> Option<usize> {
    match_word(s, named_number).map(|(n, _)| n)
}

/// libpcap's `stoulen`: `0x` hex, leading `0` octal, else decimal; overflow is an error.
pub fn parse_number(t: &str) -> Result<u32, String> {
    let (digits, radix) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (h, 16)
    } else if t.len() > 1 && t.starts_with('0') {
        (&t[1..], 8)
    } else {
        (t, 10)
    };
    let mut n: u64 = 0;
    for ch in digits.chars() {
        let d = ch.to_digit(radix).ok_or_else(|| {
            let kind = match radix {
                16 => "hex",
                8 => "octal",
                _ => "decimal",
            };
            format!("number {t} contains non-{kind} digit")
        })?;
        n = n * radix as u64 + d as u64;
        if n > u32::MAX as u64 {
            return Err(format!("number {t} overflows 32 bits"));
        }
    }
    Ok(n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn longest_match_with_rule_order() {
        assert_eq!(toks("tcp-syn"), vec![Tok::Num(2)]);
        assert_eq!(toks("tcpx"), vec![Tok::Id("tcpx".into())]);
        assert_eq!(toks("ip6"), vec![Tok::Kw(Kw::Ip6)]);
        assert_eq!(toks("1-1024"), vec![Tok::Id("1-1024".into())]);
        assert_eq!(toks("001122334455"), vec![Tok::Eid("001122334455".into())]);
        assert_eq!(toks("10.0.0.1"), vec![Tok::Hid("10.0.0.1".into())]);
        assert_eq!(toks("0x10"), vec![Tok::Num(16)]);
        assert_eq!(toks("010"), vec![Tok::Num(8)]);
        assert_eq!(toks("\\tcp"), vec![Tok::Id("tcp".into())]);
        assert_eq!(toks("a:b:c:d:e:f"), vec![Tok::Eid("a:b:c:d:e:f".into())]);
        assert_eq!(toks("::1"), vec![Tok::Hid6("::1".into())]);
        assert_eq!(toks("fe80::1:2"), vec![Tok::Hid6("fe80::1:2".into())]);
        assert_eq!(
            toks("::ffff:1.2.3.4"),
            vec![Tok::Hid6("::ffff:1.2.3.4".into())]
        );
        assert_eq!(
            toks("ip[0]>=1&&!tcp"),
            vec![
                Tok::Kw(Kw::Ip),
                Tok::Punct('['),
                Tok::Num(0),
                Tok::Punct(']'),
                Tok::Geq,
                Tok::Num(1),
                Tok::Kw(Kw::And),
                Tok::Punct('!'),
                Tok::Kw(Kw::Tcp)
            ]
        );
    }

    #[test]
    fn the_quick_path_gives_the_general_scanners_tokens() {
        let words = [
            "host",
            "or",
            "and",
            "not",
            "src",
            "dst",
            "net",
            "port",
            "ether",
            "tcp",
            "ip6",
            "hostx",
            "icmptype",
            "tcpflags",
            "deadbeefcafe",
            "abcdef",
            "10.0.0.1",
            "10.1",
            "10.1.2",
            "1.2.3.4.5",
            "010.1.2.3",
            "255.255.255.255",
            "256.1.1.1",
            "0",
            "7",
            "099",
            "08",
            "80",
            "65535",
            "4294967295",
            "4294967296",
            "12345678901",
            "123456789012",
            "1234.5678.9abc",
            "1.2.3.4:80",
            "1-1024",
            "1.2.3.4-5",
            "0x10",
            "a:b:c:d:e:f",
            "::1",
            "fe80::1",
            "1.2",
            "1..2",
            "1.",
            ".1",
            "10.0.0.1x",
            "tcp-syn",
            "l1",
        ];
        let seps = [" ", "(", ")", "\t", " or ", "", "/", "[", "-", ":", "."];
        for a in words {
            for sep in seps {
                for b in words {
                    let src = format!("{a}{sep}{b}");
                    let quick = lex_with(&src, true)
                        .map(|v| v.into_iter().map(|t| (t.tok, t.span)).collect::<Vec<_>>());
                    let general = lex_with(&src, false)
                        .map(|v| v.into_iter().map(|t| (t.tok, t.span)).collect::<Vec<_>>());
                    assert_eq!(quick, general, "{src:?}");
                }
            }
        }
    }

    #[test]
    fn bad_numbers_and_characters_are_errors() {
        assert!(lex("099").is_err());
        assert!(lex("4294967296").is_err());
        assert_eq!(toks("4294967295"), vec![Tok::Num(u32::MAX)]);
        assert!(lex("host @").is_err());
        assert!(lex("1:2:3").is_err());
    }
}
