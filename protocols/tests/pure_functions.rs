//! The pure protocol functions (`erl/test/pure_test.erl`) on OTP and on our VM: identical
//! output, facts checked against independent computations (etherparse's headers and
//! checksums, arithmetic done here), and the frames they build parsed by etherparse.

mod common;

use common::{field, frames, hex, oracle, run_otp, run_vm, sources_with_tests};
use etherparse::{
    ArpEthIpv4Packet, ArpOperation, IcmpEchoHeader, Icmpv4Header, Icmpv4Type, IpNumber, Ipv4Header,
    UdpHeader,
};
use std::sync::OnceLock;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(180);

/// (OTP's output, our VM's output), computed once for all the tests of this file.
fn outputs() -> &'static (String, String) {
    static OUT: OnceLock<(String, String)> = OnceLock::new();
    OUT.get_or_init(|| {
        let files = sources_with_tests(&["test_util", "pure_test"]);
        let otp = run_otp(&files, "pure_test", LIMIT);
        let ours = run_vm(&files, "pure_test", LIMIT);
        (otp, ours)
    })
}

fn ours() -> &'static str {
    &outputs().1
}

const IP_A: [u8; 4] = [192, 0, 2, 1];
const IP_B: [u8; 4] = [192, 0, 2, 2];
const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 1];

#[test]
fn otp_and_our_vm_print_the_same() {
    let (otp, ours) = outputs();
    assert!(otp.lines().count() > 80, "too little output:\n{otp}");
    common::assert_same_output(otp, ours, "pure_test");
}

#[test]
fn internet_checksum_matches_rfc1071_and_a_16_bit_reference() {
    // RFC 1071 section 3's example sums to ddf2.
    assert_eq!(field(ours(), "csum_rfc1071_sum"), format!("{}", 0xddf2));
    assert_eq!(
        field(ours(), "csum_60001_bytes"),
        field(ours(), "csum_60001_bytes_16bit_reference")
    );
    assert_eq!(field(ours(), "csum_iolist_equals_binary"), "true");
    // <<1,2,3>> sums as 0x0102 + 0x0300 = 0x0402; complemented: 0xfbfd.
    assert_eq!(field(ours(), "csum_odd_length"), format!("{}", 0xfbfd));
}

#[test]
fn ipv4_header_equals_etherparse_header() {
    let mut h = Ipv4Header::new(12, 64, IpNumber::UDP, IP_A, IP_B).unwrap();
    h.identification = 0x1234;
    h.dont_fragment = false;
    h.header_checksum = h.calc_header_checksum();
    assert_eq!(field(ours(), "ipv4_header_hex"), hex(&h.to_bytes()));
}

#[test]
fn arp_icmp_udp_bytes_equal_etherparse_bytes() {
    let arp = ArpEthIpv4Packet {
        operation: ArpOperation::REQUEST,
        sender_mac: MAC_A,
        sender_ipv4: IP_A,
        target_mac: [0; 6],
        target_ipv4: IP_B,
    };
    assert_eq!(field(ours(), "arp_request_hex"), hex(&arp.to_bytes()));

    let data = b"ping data";
    let icmp = Icmpv4Header::with_checksum(
        Icmpv4Type::EchoRequest(IcmpEchoHeader { id: 0xabcd, seq: 7 }),
        data,
    );
    let mut want = icmp.to_bytes().to_vec();
    want.extend_from_slice(data);
    assert_eq!(field(ours(), "icmp_echo_request_hex"), hex(&want));

    let ip = Ipv4Header::new(15, 64, IpNumber::UDP, IP_A, IP_B).unwrap();
    let udp = UdpHeader::with_ipv4_checksum(5000, 7, &ip, b"echo me").unwrap();
    let mut want = udp.to_bytes().to_vec();
    want.extend_from_slice(b"echo me");
    assert_eq!(field(ours(), "udp_hex"), hex(&want));
}

#[test]
fn vlan_tags_round_trip() {
    let o = ours();
    assert_eq!(field(o, "eth_plain_len_padded"), "60");
    assert_eq!(
        field(o, "eth_vlan_parsed"),
        "{[#{dei => 0,pcp => 5,tpid => 33024,vid => 100}],2054}"
    );
    // 802.1Q TPID 8100, PCP 5 + VID 100 = a064, then the ARP type.
    assert!(field(o, "eth_vlan_hex_head").ends_with("8100a0640806"));
    assert_eq!(
        field(o, "eth_qinq_parsed"),
        "{[#{dei => 0,pcp => 0,tpid => 34984,vid => 7},#{dei => 1,pcp => 0,tpid => 33024,vid => 4094}],2048}"
    );
    assert_eq!(
        field(o, "eth_three_tags"),
        "{error,{eth,too_many_vlan_tags}}"
    );
    assert_eq!(
        field(o, "eth_tag_truncated"),
        "{error,{eth,truncated_vlan_tag}}"
    );
    assert_eq!(
        field(o, "eth_llc"),
        "{error,{eth,{ieee_802_3_length_field,46}}}"
    );
}

#[test]
fn bad_input_gives_errors_naming_the_layer() {
    let o = ours();
    for (name, want) in [
        ("eth_short", "{error,{eth,{short_frame,3}}}"),
        ("arp_short", "{error,{arp,{short_packet,20}}}"),
        ("arp_not_ipv4", "{error,{arp,{unsupported,1,34525,6,16}}}"),
        ("ipv4_bad_checksum", "{error,{ipv4,bad_header_checksum}}"),
        ("ipv4_truncated", "{error,{ipv4,{truncated,32,25}}}"),
        ("ipv4_short", "{error,{ipv4,{short_packet,3}}}"),
        ("ipv4_version6", "{error,{ipv4,{bad_version,6}}}"),
        ("ipv4_ihl_4", "{error,{ipv4,{bad_header_length,16}}}"),
        ("icmp_bad_checksum", "{error,{icmp,bad_checksum}}"),
        ("icmp_short", "{error,{icmp,{short_message,2}}}"),
        ("udp_wrong_pseudo_header", "{error,{udp,bad_checksum}}"),
        ("udp_bad_length", "{error,{udp,{bad_length,4}}}"),
        ("udp_truncated", "{error,{udp,{truncated,100,8}}}"),
        ("udp_short", "{error,{udp,{short_datagram,3}}}"),
    ] {
        assert_eq!(field(o, name), want, "{name}");
    }
    // Options are skipped, not parsed: the payload starts after the 24-byte header.
    assert_eq!(field(o, "ipv4_options_skipped"), "{24,<<97,98,99,100>>}");
    assert_eq!(
        field(o, "udp_zero_checksum_accepted").split(',').next(),
        Some("{ok")
    );
}

#[test]
fn a_60000_byte_datagram_fragments_by_mtu_and_reassembles_in_any_order() {
    let o = ours();
    // 1,480 payload bytes per fragment (1,500 less the header, a multiple of 8).
    let n = 60000usize.div_ceil(1480);
    assert_eq!(field(o, "frag_count"), n.to_string());
    let last = 60000 - (n - 1) * 1480 + 20;
    assert_eq!(
        field(o, "frag_sizes_first_last"),
        format!("{{1500,{last}}}")
    );
    assert_eq!(field(o, "frag_offsets_multiple_of_8"), "true");
    assert_eq!(field(o, "frag_mf_flags"), "{[true],false}");
    assert_eq!(field(o, "frag_all_fit_mtu"), "true");
    assert_eq!(
        field(o, "frag_df_refused"),
        "{error,{ipv4,{needs_fragmentation_but_df,60000,1500}}}"
    );
    assert_eq!(
        field(o, "frag_too_large"),
        "{error,{ipv4,{datagram_too_large,65516}}}"
    );
    // MTU 68 carries 48 payload bytes per fragment: 100 bytes need 3.
    assert_eq!(field(o, "frag_small_mtu"), "3");
    assert_eq!(field(o, "frag_fits_one"), "1");
    for order in ["in_order", "reversed", "shuffled"] {
        let v = field(o, &format!("reasm_{order}"));
        assert!(v.starts_with("{true,true,"), "{order}: {v}");
        assert!(
            v.contains("reassembled => 1") && v.contains("held_bytes => 0"),
            "{order}: {v}"
        );
    }
    assert!(field(o, "reasm_duplicate").contains("duplicates => 1"));
    assert!(field(o, "reasm_overlap").starts_with("{overlap,"));
}

#[test]
fn reassembly_times_out_thirty_seconds_after_the_first_fragment() {
    let o = ours();
    assert_eq!(field(o, "reasm_deadline"), "31000");
    let v = field(o, "reasm_timeout");
    assert!(
        v.starts_with("{[],[{{192,0,2,1},{192,0,2,2},17,99}],"),
        "{v}"
    );
    assert!(
        v.contains("timeouts => 1") && v.contains("held_bytes => 0") && v.ends_with(",infinity}"),
        "{v}"
    );
    assert_eq!(field(o, "reasm_late_fragment"), "incomplete");
}

#[test]
fn fragment_floods_hit_the_limits() {
    let o = ours();
    // 100 datagrams started, 64 held: the 36 oldest evicted, the newest still completes.
    assert_eq!(field(o, "flood_max_datagrams"), "{64,36}");
    assert_eq!(field(o, "flood_newest_completes"), "16");
    assert_eq!(field(o, "flood_oldest_evicted"), "incomplete");
    // 10,000-byte total, 1,480-byte fragments: 6 held, 2 evicted.
    assert_eq!(
        field(o, "flood_total_bytes"),
        format!("{{{},6,2}}", 6 * 1480)
    );
    assert_eq!(field(o, "flood_datagram_over_total"), "memory_limit");
    assert_eq!(field(o, "flood_fragment_over_total"), "memory_limit");
    assert_eq!(field(o, "flood_per_datagram"), "true");
    assert_eq!(field(o, "flood_offset_past_64k"), "{too_large,65536}");
    assert_eq!(field(o, "flood_unaligned"), "{unaligned_fragment,13}");
    assert_eq!(field(o, "flood_inconsistent"), "inconsistent_length");
}

#[test]
fn arp_cache_expires_queues_retries_and_gives_up() {
    let o = ours();
    assert_eq!(field(o, "arp_cache_lookup_999"), "{ok,<<2,0,0,0,0,2>>}");
    assert_eq!(field(o, "arp_cache_lookup_1000_expired"), "miss");
    assert_eq!(field(o, "arp_cache_entries_after_expiry"), "[]");
    assert_eq!(field(o, "arp_queue_first_action"), "{send_request,0}");
    assert_eq!(field(o, "arp_queue_sixth_action"), "{queued,1}");
    assert_eq!(field(o, "arp_queue_pending"), "[{{192,0,2,9},4,1}]");
    assert_eq!(
        field(o, "arp_queue_released_oldest_first"),
        "[<<112,51>>,<<112,52>>,<<112,53>>,<<112,54>>]"
    );
    assert_eq!(field(o, "arp_queue_byte_bound"), "{[{{192,0,2,9},2,1}],1}");
    assert_eq!(
        field(o, "arp_ticks"),
        "[[],[{request,{192,0,2,9}}],[{request,{192,0,2,9}}],[{give_up,{192,0,2,9},4}]]"
    );
    assert_eq!(field(o, "arp_after_give_up"), "{[],infinity}");
    assert_eq!(field(o, "arp_want"), "{send_request,pending}");
    assert_eq!(field(o, "arp_max_entries"), "[{10,0,0,2},{10,0,0,3}]");
}

#[test]
fn icmp_errors_are_rate_limited_by_a_token_bucket() {
    let o = ours();
    assert_eq!(field(o, "tb_burst"), "[ok,ok,ok,empty,empty]");
    // 10 tokens/s: one more after 100 ms, not after 99.
    assert_eq!(field(o, "tb_refill"), "{empty,ok,empty}");
    assert_eq!(field(o, "tb_cap"), "3");
    // Destination unreachable quotes the IP header and 8 bytes: 8 + 20 + 8 = 36 bytes.
    assert_eq!(field(o, "icmp_unreachable"), "{36,3,true}");
}

#[test]
fn frames_built_in_erlang_parse_with_etherparse() {
    let fs = frames(ours());
    assert!(fs.len() >= 9, "{} frames", fs.len());
    let mut fragments = Vec::new();
    for (name, bytes) in &fs {
        let seen = oracle::check_frame(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        match name.as_str() {
            "arp_request" | "arp_reply" => {
                let arp = seen.arp.expect("ARP");
                assert_eq!(arp.sender_mac, MAC_A);
                assert_eq!((arp.sender_ipv4, arp.target_ipv4), (IP_A, IP_B));
                let op = if name == "arp_request" {
                    ArpOperation::REQUEST
                } else {
                    ArpOperation::REPLY
                };
                assert_eq!(arp.operation, op);
            }
            "icmp_echo_request" | "icmp_echo_reply" => {
                let (t, data) = seen.icmp.expect("ICMP");
                let echo = IcmpEchoHeader { id: 0x1234, seq: 3 };
                let want = if name == "icmp_echo_request" {
                    Icmpv4Type::EchoRequest(echo)
                } else {
                    Icmpv4Type::EchoReply(echo)
                };
                assert_eq!(t, want);
                assert_eq!(data.len(), 56);
                let ip = seen.ipv4.expect("IPv4");
                assert_eq!((ip.time_to_live, ip.identification), (61, 77));
            }
            "udp" | "udp_vlan" | "udp_qinq" => {
                let want_vlans: &[u16] = match name.as_str() {
                    "udp" => &[],
                    "udp_vlan" => &[100],
                    _ => &[10, 20],
                };
                assert_eq!(seen.vlans, want_vlans, "{name}");
                assert_eq!(seen.udp, Some((5000, 7, b"echo me".to_vec())));
            }
            "udp_fragment" => {
                assert!(seen.fragment);
                fragments.push(bytes.clone());
            }
            other => panic!("unexpected frame {other}"),
        }
    }
    assert_eq!(fragments.len(), 3008usize.div_ceil(1480));
    let whole = oracle::reassemble_udp(&fragments).expect("etherparse reassembles");
    assert_eq!(whole.len(), 1);
    let (sp, dp, data) = &whole[0];
    assert_eq!((*sp, *dp, data.len()), (40000, 9, 3000));
    // The test module's datagram(N): byte I (1-based) is I*7 mod 256.
    assert!(data
        .iter()
        .enumerate()
        .all(|(i, b)| *b == ((i + 1) * 7 % 256) as u8));
}
