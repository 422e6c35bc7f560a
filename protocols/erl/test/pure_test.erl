%% The pure protocol functions, exercised alone. Prints one "name: value" line per check; the
%% Rust test runs this on OTP and on our VM, requires identical output, and checks the lines
%% that state facts (and parses the "frame" lines with etherparse).
-module(pure_test).
-export([main/0]).

-define(MAC_A, <<2, 0, 0, 0, 0, 1>>).
-define(MAC_B, <<2, 0, 0, 0, 0, 2>>).
-define(IP_A, {192, 0, 2, 1}).
-define(IP_B, {192, 0, 2, 2}).

main() ->
    checksum(),
    ethernet(),
    arp_wire(),
    arp_cache_checks(),
    ipv4_wire(),
    fragmentation(),
    reassembly_limits(),
    icmp_wire(),
    udp_wire(),
    token_bucket_checks(),
    frames_for_etherparse(),
    ok.

show(N, T) -> test_util:show(N, T).
show_s(N, Text) -> io:format("~s: ~s~n", [N, Text]).

checksum() ->
    %% RFC 1071's worked example: the one's-complement sum of these bytes is ddf2.
    Data = <<16#00, 16#01, 16#f2, 16#03, 16#f4, 16#f5, 16#f6, 16#f7>>,
    show("csum_rfc1071_sum", 16#FFFF - inet_csum:checksum(Data)),
    show("csum_odd_length", inet_csum:checksum(<<1, 2, 3>>)),
    show("csum_iolist_equals_binary",
         inet_csum:checksum([<<1, 2>>, [<<3, 4>>, <<5, 6, 7>>]]) =:= inet_csum:checksum(<<1, 2, 3, 4, 5, 6, 7>>)),
    Big = list_to_binary([I rem 251 || I <- lists:seq(1, 60001)]),
    show("csum_60001_bytes", inet_csum:checksum(Big)),
    show("csum_60001_bytes_16bit_reference", ref_checksum(Big)).

%% A plain 16-bit-at-a-time checksum, to cross-check the 32-bit-word one.
ref_checksum(Bin) -> 16#FFFF - ref_fold(ref_sum(Bin, 0)).
ref_sum(<<A:16, R/binary>>, S) -> ref_sum(R, S + A);
ref_sum(<<A>>, S) -> S + (A bsl 8);
ref_sum(<<>>, S) -> S.
ref_fold(S) when S > 16#FFFF -> ref_fold((S band 16#FFFF) + (S bsr 16));
ref_fold(S) -> S.

ethernet() ->
    Payload = <<"payload">>,
    Plain = iolist_to_binary(eth:build(#{dst => ?MAC_B, src => ?MAC_A, type => 16#0800}, Payload)),
    show("eth_plain_len_padded", byte_size(Plain)),
    {ok, P1} = eth:parse(Plain),
    show("eth_plain_parsed", {maps:get(dst, P1), maps:get(src, P1), maps:get(vlans, P1),
                              maps:get(type, P1), binary:part(maps:get(payload, P1), 0, 7)}),
    One = iolist_to_binary(eth:build(#{dst => ?MAC_B, src => ?MAC_A, type => 16#0806,
                                       vlans => [#{vid => 100, pcp => 5}]}, Payload)),
    {ok, P2} = eth:parse(One),
    show("eth_vlan_parsed", {maps:get(vlans, P2), maps:get(type, P2)}),
    show_s("eth_vlan_hex_head", test_util:hex(binary:part(One, 0, 18))),
    Two = iolist_to_binary(eth:build(#{dst => ?MAC_B, src => ?MAC_A, type => 16#0800,
                                       vlans => [#{tpid => 16#88A8, vid => 7},
                                                 #{vid => 4094, dei => 1}]}, Payload)),
    {ok, P3} = eth:parse(Two),
    show("eth_qinq_parsed", {maps:get(vlans, P3), maps:get(type, P3)}),
    Three = <<?MAC_B/binary, ?MAC_A/binary, 16#8100:16, 1:16, 16#8100:16, 2:16, 16#8100:16, 3:16,
              16#0800:16>>,
    show("eth_three_tags", eth:parse(Three)),
    show("eth_short", eth:parse(<<1, 2, 3>>)),
    show("eth_llc", eth:parse(<<?MAC_B/binary, ?MAC_A/binary, 46:16, 0:368>>)),
    show("eth_tag_truncated", eth:parse(<<?MAC_B/binary, ?MAC_A/binary, 16#81, 0, 0>>)),
    show_s("eth_mac_string", eth:mac_to_string(<<2, 0, 16#ab, 0, 0, 16#ff>>)).

arp_wire() ->
    Req = arp:request(?MAC_A, ?IP_A, ?IP_B),
    show_s("arp_request_hex", test_util:hex(Req)),
    show("arp_request_parsed", arp:parse(Req)),
    Rep = arp:reply(?MAC_B, ?IP_B, ?MAC_A, ?IP_A),
    show("arp_reply_parsed", arp:parse(<<Rep/binary, 0:144>>)),   % with Ethernet padding
    show("arp_short", arp:parse(binary:part(Rep, 0, 20))),
    show("arp_not_ipv4", arp:parse(<<1:16, 16#86DD:16, 6, 16, 1:16, 0:352>>)).

arp_cache_checks() ->
    C0 = arp_cache:new(#{arp_ttl_ms => 1000, arp_retry_ms => 100, arp_retries => 3,
                         arp_queue_len => 4, arp_queue_bytes => 1000}),
    {C1, Rel0} = arp_cache:insert(C0, ?IP_B, ?MAC_B, 0),
    show("arp_cache_insert_released", Rel0),
    show("arp_cache_lookup_999", arp_cache:lookup(C1, ?IP_B, 999)),
    show("arp_cache_lookup_1000_expired", arp_cache:lookup(C1, ?IP_B, 1000)),
    {C1b, _} = arp_cache:tick(C1, 1000),
    show("arp_cache_entries_after_expiry", arp_cache:entries(C1b, 1000)),
    %% Pending queue: the first packet asks for a request; the queue keeps the newest 4.
    Ip = {192, 0, 2, 9},
    {A1, C2, D1} = arp_cache:enqueue(C1, Ip, <<"p1">>, 0),
    Step = fun(N, {_, Acc, _}) ->
                   arp_cache:enqueue(Acc, Ip, list_to_binary(["p", integer_to_list(N)]), 0)
           end,
    {A6, C3, D6} = lists:foldl(Step, {x, C2, 0}, lists:seq(2, 6)),
    show("arp_queue_first_action", {A1, D1}),
    show("arp_queue_sixth_action", {A6, D6}),
    show("arp_queue_pending", arp_cache:pending(C3)),
    {_, Released} = arp_cache:insert(C3, Ip, ?MAC_B, 50),
    show("arp_queue_released_oldest_first", Released),
    %% A byte bound: 3 packets of 400 bytes do not fit in 1,000.
    {_, Cb1, _} = arp_cache:enqueue(C1, Ip, binary:copy(<<1>>, 400), 0),
    {_, Cb2, _} = arp_cache:enqueue(Cb1, Ip, binary:copy(<<2>>, 400), 0),
    {_, Cb3, Db} = arp_cache:enqueue(Cb2, Ip, binary:copy(<<3>>, 400), 0),
    show("arp_queue_byte_bound", {arp_cache:pending(Cb3), Db}),
    %% Retries every 100 ms; after 3 requests in all, give up and drop the queue.
    show("arp_deadline", arp_cache:next_deadline(C3)),
    {T1, Act1} = arp_cache:tick(C3, 99),
    {T2, Act2} = arp_cache:tick(T1, 100),
    {T3, Act3} = arp_cache:tick(T2, 200),
    {T4, Act4} = arp_cache:tick(T3, 300),
    show("arp_ticks", [Act1, Act2, Act3, Act4]),
    show("arp_after_give_up", {arp_cache:pending(T4), arp_cache:next_deadline(T4)}),
    %% want/3: a lookup with nothing queued.
    {W1, Cw} = arp_cache:want(C1, Ip, 0),
    {W2, _} = arp_cache:want(Cw, Ip, 10),
    show("arp_want", {W1, W2}),
    %% The entry limit evicts the entry expiring first.
    Cs = arp_cache:new(#{arp_max_entries => 2, arp_ttl_ms => 1000}),
    {Cs1, _} = arp_cache:insert(Cs, {10, 0, 0, 1}, ?MAC_A, 0),
    {Cs2, _} = arp_cache:insert(Cs1, {10, 0, 0, 2}, ?MAC_A, 10),
    {Cs3, _} = arp_cache:insert(Cs2, {10, 0, 0, 3}, ?MAC_A, 20),
    show("arp_max_entries", [I || {I, _, _} <- arp_cache:entries(Cs3, 20)]).

ipv4_wire() ->
    Hdr = #{src => ?IP_A, dst => ?IP_B, proto => 17, ttl => 64, id => 16#1234},
    H = ipv4:header(Hdr, 12),
    show_s("ipv4_header_hex", test_util:hex(H)),
    show("ipv4_header_valid", inet_csum:valid(H)),
    Pkt = iolist_to_binary(ipv4:build(Hdr#{df => true, tos => 16#10}, <<"hello, world">>)),
    {ok, P} = ipv4:parse(<<Pkt/binary, 0, 0, 0, 0>>),   % trailing Ethernet padding is cut
    show("ipv4_parsed", maps:without([payload], P)),
    show("ipv4_payload", maps:get(payload, P)),
    <<Pre:10/binary, C:16, Post/binary>> = Pkt,
    show("ipv4_bad_checksum", ipv4:parse(<<Pre/binary, (C bxor 1):16, Post/binary>>)),
    show("ipv4_truncated", ipv4:parse(binary:part(Pkt, 0, 25))),
    show("ipv4_short", ipv4:parse(<<16#45, 0, 0>>)),
    show("ipv4_version6", ipv4:parse(<<16#60, 0:312>>)),
    show("ipv4_ihl_4", ipv4:parse(<<16#44, 0, 20:16, 0:128>>)),
    %% Options are skipped: a 24-byte header with a NOP/NOP/EOL option word.
    Opt0 = <<16#46, 0, 28:16, 7:16, 0:16, 64, 17, 0:16, 192, 0, 2, 1, 192, 0, 2, 2, 1, 1, 0, 0>>,
    Csum = inet_csum:checksum(Opt0),
    <<OPre:10/binary, _:16, OPost/binary>> = Opt0,
    WithOpt = <<OPre/binary, Csum:16, OPost/binary, "abcd">>,
    {ok, PO} = ipv4:parse(WithOpt),
    show("ipv4_options_skipped", {maps:get(header_len, PO), maps:get(payload, PO)}),
    show("ipv4_subnet", {ipv4:same_subnet(?IP_A, {192, 0, 2, 200}, 24),
                         ipv4:same_subnet(?IP_A, {192, 0, 3, 1}, 24),
                         ipv4:broadcast_addr(?IP_A, 24), ipv4:broadcast_addr({10, 1, 2, 3}, 8)}).

datagram(Len) -> list_to_binary([(I * 7) band 255 || I <- lists:seq(1, Len)]).

fragmentation() ->
    Data = datagram(60000),
    Hdr = #{src => ?IP_A, dst => ?IP_B, proto => 17, id => 99},
    {ok, Frags} = ipv4:fragment(Hdr, Data, 1500),
    Parsed = [begin {ok, P} = ipv4:parse(iolist_to_binary(F)), P end || F <- Frags],
    show("frag_count", length(Frags)),
    show("frag_sizes_first_last", {iolist_size(hd(Frags)), iolist_size(lists:last(Frags))}),
    show("frag_offsets_multiple_of_8", lists:all(fun(#{offset := O}) -> O rem 8 =:= 0 end, Parsed)),
    show("frag_mf_flags", {lists:usort([M || #{mf := M} <- lists:droplast(Parsed)]),
                           maps:get(mf, lists:last(Parsed))}),
    show("frag_all_fit_mtu", lists:all(fun(F) -> iolist_size(F) =< 1500 end, Frags)),
    show("frag_df_refused", ipv4:fragment(Hdr#{df => true}, Data, 1500)),
    show("frag_too_large", ipv4:fragment(Hdr, datagram(65516), 1500)),
    show("frag_small_mtu", length(element(2, ipv4:fragment(Hdr, datagram(100), 68)))),
    show("frag_fits_one", length(element(2, ipv4:fragment(Hdr, datagram(1480), 1500)))),
    %% Reassembly in three orders: in order, reversed, shuffled; every one yields Data.
    Orders = [{"in_order", Parsed}, {"reversed", lists:reverse(Parsed)},
              {"shuffled", test_util:shuffle(Parsed, 42)}],
    [begin
         {Result, R} = feed(ipv4_reasm:new(#{}), Frags1, 0),
         show("reasm_" ++ Name,
              {Result =:= complete_last, payload_of(R) =:= Data, ipv4_reasm:stats(element(1, R))})
     end || {Name, Frags1} <- Orders],
    %% Duplicates are ignored and overlaps drop the datagram.
    [F1, F2 | _] = Parsed,
    R0 = ipv4_reasm:new(#{}),
    {incomplete, Ra} = ipv4_reasm:add(R0, F1, 0),
    {incomplete, Rb} = ipv4_reasm:add(Ra, F1, 0),
    show("reasm_duplicate", ipv4_reasm:stats(Rb)),
    Overlapping = F2#{offset := maps:get(offset, F2) - 8},
    {dropped, Why, Rc} = ipv4_reasm:add(Rb, Overlapping, 0),
    show("reasm_overlap", {Why, ipv4_reasm:stats(Rc)}),
    %% Timeout: a datagram missing a fragment is dropped 30 s after its first fragment.
    {_, {Rt, _}} = feed(ipv4_reasm:new(#{}), tl(Parsed), 1000),
    show("reasm_deadline", ipv4_reasm:next_deadline(Rt)),
    {Rt1, E1} = ipv4_reasm:expire(Rt, 30999),
    {Rt2, E2} = ipv4_reasm:expire(Rt1, 31000),
    show("reasm_timeout", {E1, E2, ipv4_reasm:stats(Rt2), ipv4_reasm:next_deadline(Rt2)}),
    %% After the timeout the late first fragment starts a new datagram, not a complete one.
    show("reasm_late_fragment", element(1, ipv4_reasm:add(Rt2, hd(Parsed), 31001))).

%% Feeds fragments; returns {complete_last | incomplete | {complete_early, N}, {R, Whole}}.
feed(R, Frags, Now) -> feed(R, Frags, Now, none).
feed(R, [], _Now, Whole) ->
    {case Whole of none -> incomplete; _ -> complete_last end, {R, Whole}};
feed(R, [F | Rest], Now, none) ->
    case ipv4_reasm:add(R, F, Now) of
        {complete, W, R2} when Rest =:= [] -> feed(R2, [], Now, W);
        {complete, _, R2} -> {{complete_early, length(Rest)}, {R2, none}};
        {incomplete, R2} -> feed(R2, Rest, Now, none);
        {dropped, Reason, R2} -> {{dropped, Reason}, {R2, none}}
    end.

payload_of({_, none}) -> none;
payload_of({_, #{payload := P}}) -> P.

reassembly_limits() ->
    Frag = fun(Id, Off, Len, Mf) ->
                   #{src => ?IP_A, dst => ?IP_B, proto => 17, id => Id, offset => Off, mf => Mf,
                     ttl => 64, tos => 0, df => false, header_len => 20,
                     total_len => 20 + Len, payload => binary:copy(<<(Id band 255)>>, Len)}
           end,
    %% Max datagrams in flight: 100 first fragments of distinct datagrams, limit 64: the
    %% oldest 36 are evicted.
    R0 = ipv4_reasm:new(#{reasm_max_datagrams => 64}),
    R1 = lists:foldl(fun(Id, R) -> element(2, ipv4_reasm:add(R, Frag(Id, 0, 8, true), 0)) end,
                     R0, lists:seq(1, 100)),
    show("flood_max_datagrams", {ipv4_reasm:in_flight(R1), maps:get(evicted, ipv4_reasm:stats(R1))}),
    %% The newest datagram completes; the evicted first one starts over.
    {complete, W1, _} = ipv4_reasm:add(R1, Frag(100, 8, 8, false), 0),
    show("flood_newest_completes", byte_size(maps:get(payload, W1))),
    show("flood_oldest_evicted", element(1, ipv4_reasm:add(R1, Frag(1, 8, 8, false), 0))),
    %% Total byte cap: 10,000 bytes, 8 fragments of 1,480 bytes: the 2 oldest are evicted.
    Rb0 = ipv4_reasm:new(#{reasm_total_bytes => 10000}),
    Rb1 = lists:foldl(fun(Id, R) -> element(2, ipv4_reasm:add(R, Frag(Id, 0, 1480, true), 0)) end,
                      Rb0, lists:seq(1, 8)),
    Sb = ipv4_reasm:stats(Rb1),
    show("flood_total_bytes", {maps:get(held_bytes, Sb), maps:get(in_flight, Sb), maps:get(evicted, Sb)}),
    %% A datagram that alone passes the byte total is dropped, whatever else is held.
    Rs0 = ipv4_reasm:new(#{reasm_total_bytes => 2000}),
    {incomplete, Rs1} = ipv4_reasm:add(Rs0, Frag(3, 0, 1480, true), 0),
    show("flood_datagram_over_total", element(2, ipv4_reasm:add(Rs1, Frag(3, 1480, 1480, true), 0))),
    show("flood_fragment_over_total", element(2, ipv4_reasm:add(Rs0, Frag(4, 0, 2008, true), 0))),
    %% Per-datagram cap: a fragment reaching past reasm_max_bytes is refused.
    Rc0 = ipv4_reasm:new(#{reasm_max_bytes => 4000}),
    {incomplete, Rc1} = ipv4_reasm:add(Rc0, Frag(5, 0, 2000, true), 0),
    show("flood_per_datagram", element(1, ipv4_reasm:add(Rc1, Frag(5, 2000, 2008, true), 0)) =:= dropped),
    show("flood_offset_past_64k", element(2, ipv4_reasm:add(Rc0, Frag(6, 65528, 8, false), 0))),
    show("flood_unaligned", element(2, ipv4_reasm:add(Rc0, Frag(7, 0, 13, true), 0))),
    %% Two last fragments disagreeing on the length drop the datagram.
    {incomplete, Rd1} = ipv4_reasm:add(Rc0, Frag(8, 16, 8, false), 0),
    show("flood_inconsistent", element(2, ipv4_reasm:add(Rd1, Frag(8, 32, 8, false), 0))).

icmp_wire() ->
    Req = iolist_to_binary(icmp:echo_request(16#abcd, 7, <<"ping data">>)),
    show_s("icmp_echo_request_hex", test_util:hex(Req)),
    show("icmp_echo_request_parsed", icmp:parse(Req)),
    Rep = iolist_to_binary(icmp:echo_reply(16#abcd, 7, <<"ping data">>)),
    show("icmp_echo_reply_parsed", icmp:parse(Rep)),
    <<T, Cd, Cs:16, Rest/binary>> = Rep,
    show("icmp_bad_checksum", icmp:parse(<<T, Cd, (Cs bxor 16#100):16, Rest/binary>>)),
    show("icmp_short", icmp:parse(<<8, 0>>)),
    Orig = iolist_to_binary([ipv4:header(#{src => ?IP_A, dst => ?IP_B, proto => 17}, 100),
                             datagram(100)]),
    Un = iolist_to_binary(icmp:dest_unreachable(port, Orig)),
    {ok, PU} = icmp:parse(Un),
    show("icmp_unreachable", {byte_size(Un), maps:get(code, PU),
                              maps:get(original, PU) =:= binary:part(Orig, 0, 28)}).

udp_wire() ->
    U = iolist_to_binary(udp:build(?IP_A, ?IP_B, 5000, 7, <<"echo me">>)),
    show_s("udp_hex", test_util:hex(U)),
    show("udp_parsed", udp:parse(?IP_A, ?IP_B, U)),
    show("udp_wrong_pseudo_header", udp:parse(?IP_A, {192, 0, 2, 3}, U)),
    <<H:6/binary, _:16, D/binary>> = U,
    show("udp_zero_checksum_accepted", udp:parse(?IP_A, {192, 0, 2, 3}, <<H/binary, 0:16, D/binary>>)),
    show("udp_bad_length", udp:parse(?IP_A, ?IP_B, <<1:16, 2:16, 4:16, 0:16>>)),
    show("udp_truncated", udp:parse(?IP_A, ?IP_B, <<1:16, 2:16, 100:16, 0:16>>)),
    show("udp_short", udp:parse(?IP_A, ?IP_B, <<1, 2, 3>>)),
    %% Data whose checksum would be zero is sent as 16#FFFF.
    show("udp_checksum_never_zero", lists:all(fun(N) ->
        <<_:48, C:16, _/binary>> = iolist_to_binary(udp:build(?IP_A, ?IP_B, 1, 2, <<N:16>>)),
        C =/= 0 end, lists:seq(0, 65535, 97))).

token_bucket_checks() ->
    B0 = token_bucket:new(10, 3, 0),   % 10 per second, burst 3
    {Outcomes, B1} = lists:mapfoldl(fun(_, B) -> token_bucket:take(B, 0) end, B0, lists:seq(1, 5)),
    show("tb_burst", [element(1, {O, x}) || O <- Outcomes]),
    {O2, B2} = token_bucket:take(B1, 99),
    {O3, B3} = token_bucket:take(B2, 100),
    {O4, _} = token_bucket:take(B3, 100),
    show("tb_refill", {O2, O3, O4}),
    show("tb_cap", token_bucket:tokens(B3, 100000)).

%% Frames for the Rust side to parse with etherparse: "frame NAME HEX".
frames_for_etherparse() ->
    Eth = fun(Type, Vl, P) -> eth:build(#{dst => ?MAC_B, src => ?MAC_A, type => Type, vlans => Vl}, P) end,
    Udp = udp:build(?IP_A, ?IP_B, 5000, 7, <<"echo me">>),
    Ip = fun(Proto, P) -> ipv4:build(#{src => ?IP_A, dst => ?IP_B, proto => Proto, id => 77, ttl => 61}, P) end,
    frame("arp_request", Eth(16#0806, [], arp:request(?MAC_A, ?IP_A, ?IP_B))),
    frame("arp_reply", Eth(16#0806, [], arp:reply(?MAC_A, ?IP_A, ?MAC_B, ?IP_B))),
    frame("icmp_echo_request", Eth(16#0800, [], Ip(1, icmp:echo_request(16#1234, 3, datagram(56))))),
    frame("icmp_echo_reply", Eth(16#0800, [], Ip(1, icmp:echo_reply(16#1234, 3, datagram(56))))),
    frame("udp", Eth(16#0800, [], Ip(17, Udp))),
    frame("udp_vlan", Eth(16#0800, [#{vid => 100, pcp => 3}], Ip(17, Udp))),
    frame("udp_qinq", Eth(16#0800, [#{tpid => 16#88A8, vid => 10}, #{vid => 20}], Ip(17, Udp))),
    %% A 3,000-byte UDP datagram in fragments: the Rust side reassembles and checks the UDP
    %% checksum over the whole.
    {ok, Frags} = ipv4:fragment(#{src => ?IP_A, dst => ?IP_B, proto => 17, id => 4242},
                                udp:build(?IP_A, ?IP_B, 40000, 9, datagram(3000)), 1500),
    [frame("udp_fragment", Eth(16#0800, [], F)) || F <- Frags],
    ok.

frame(Name, IoData) ->
    io:format("frame ~s ~s~n", [Name, test_util:hex(IoData)]).
