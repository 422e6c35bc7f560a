%% The netstack process: Ethernet, ARP, IPv4, ICMP and UDP tied together over a link module.
%%
%% One plain Erlang process per stack (no OTP behaviours). It owns the link handle, the ARP
%% cache, the reassembly buffers, the ICMP rate limiter and the table of UDP sockets; the
%% protocol modules it calls are pure. Frames arrive as {pdu, Handle, Frame}; requests from
%% the socket API arrive as calls (call/2). Timers run only while something waits (an ARP
%% resolution, a datagram in reassembly), so an idle stack sleeps.
%%
%% The link module (config key link, default pdu) provides open(Filter) -> {ok, H} | {error, R},
%% send(H, IoData) -> ok | {error, R}, close(H), and delivers {pdu, H, Frame} to the process
%% that opened it. See docs/protocols.md for every config key.
-module(netstack).
-export([start/1, stop/1, call/2, call/3, stats/1, arp_entries/1, resolve/3, info/1]).

-define(PROTO_ICMP, 1).
-define(PROTO_UDP, 17).
-define(EPHEMERAL_LOW, 49152).
-define(CALL_TIMEOUT, 5000).

%% Starts a stack from a config map (pdu:config()'s keys plus the optional ones in
%% docs/protocols.md). Returns {ok, Pid} once the link is open, or {error, Reason}.
start(Config) when is_map(Config) ->
    case check_config(Config) of
        ok ->
            Parent = self(),
            Ref = make_ref(),
            Pid = spawn(fun() -> init(Parent, Ref, Config) end),
            MRef = erlang:monitor(process, Pid),
            receive
                {Ref, ok} ->
                    erlang:demonitor(MRef, [flush]),
                    maybe_register(Config, Pid),
                    {ok, Pid};
                {Ref, {error, _} = Error} ->
                    erlang:demonitor(MRef, [flush]),
                    Error;
                {'DOWN', MRef, process, Pid, Reason} ->
                    {error, {netstack, {init_failed, Reason}}}
            end;
        Error ->
            Error
    end;
start(Config) ->
    {error, {netstack, {config_not_a_map, Config}}}.

maybe_register(#{name := Name}, Pid) when is_atom(Name) -> register(Name, Pid);
maybe_register(_, _) -> true.

stop(Stack) -> call(Stack, stop).

stats(Stack) -> call(Stack, stats).

info(Stack) -> call(Stack, info).

%% Live ARP entries: [{Ip, Mac, MsLeft}].
arp_entries(Stack) -> call(Stack, arp_entries).

%% Resolves Ip to a MAC address by ARP (or the cache): {ok, Mac} or {error, timeout}.
resolve(Stack, Ip, Timeout) ->
    Deadline = erlang:monotonic_time(millisecond) + Timeout,
    resolve_loop(Stack, Ip, Deadline).

resolve_loop(Stack, Ip, Deadline) ->
    case call(Stack, {arp_resolve, Ip}) of
        {ok, Mac} -> {ok, Mac};
        pending ->
            case erlang:monotonic_time(millisecond) >= Deadline of
                true -> {error, timeout};
                false ->
                    %% The cache is filled by a reply the stack handles; poll it briefly.
                    receive after 5 -> ok end,
                    resolve_loop(Stack, Ip, Deadline)
            end;
        Error -> Error
    end.

call(Stack, Req) -> call(Stack, Req, ?CALL_TIMEOUT).

call(Stack, Req, Timeout) ->
    MRef = erlang:monitor(process, Stack),
    Stack ! {'$netstack_call', self(), MRef, Req},
    receive
        {MRef, Reply} ->
            erlang:demonitor(MRef, [flush]),
            Reply;
        {'DOWN', MRef, process, _, Reason} ->
            {error, {netstack_down, Reason}}
    after Timeout ->
        erlang:demonitor(MRef, [flush]),
        {error, timeout}
    end.

%% ---- configuration -------------------------------------------------------------------------

check_config(C) ->
    Checks = [{mac, fun(M) -> is_binary(M) andalso byte_size(M) =:= 6 end, required},
              {ip, fun is_addr/1, required},
              {prefix_len, fun(P) -> is_integer(P) andalso P >= 0 andalso P =< 32 end, optional},
              {gw, fun(G) -> G =:= undefined orelse is_addr(G) end, optional},
              {mtu, fun(M) -> is_integer(M) andalso M >= 68 andalso M =< 65535 end, optional},
              {ttl, fun(T) -> is_integer(T) andalso T >= 1 andalso T =< 255 end, optional},
              {vlan, fun(V) -> V =:= undefined orelse (is_integer(V) andalso V >= 0 andalso V < 4096) end, optional},
              {link, fun is_atom/1, optional}],
    check(Checks, C).

check([], _C) -> ok;
check([{Key, Pred, Need} | Rest], C) ->
    case maps:find(Key, C) of
        error when Need =:= required -> {error, {netstack, {missing_config, Key}}};
        error -> check(Rest, C);
        {ok, V} ->
            case Pred(V) of
                true -> check(Rest, C);
                false -> {error, {netstack, {bad_config, Key, V}}}
            end
    end.

is_addr({A, B, C, D}) -> lists:all(fun(X) -> is_integer(X) andalso X >= 0 andalso X =< 255 end,
                                   [A, B, C, D]);
is_addr(_) -> false.

%% The pcap filter a stack claims on a real NIC: frames to its MAC, and broadcasts.
default_filter(#{mac := Mac}) ->
    "ether dst " ++ eth:mac_to_string(Mac) ++ " or ether broadcast".

%% ---- the process ---------------------------------------------------------------------------

init(Parent, Ref, Config) ->
    Link = maps:get(link, Config, pdu),
    Filter = maps:get(filter, Config, default_filter(Config)),
    Opened = try Link:open(Filter)
             catch Class:Reason -> {error, {Class, Reason}}
             end,
    case Opened of
        {ok, H} ->
            Parent ! {Ref, ok},
            loop(state(Config, Link, H));
        {error, R} ->
            Parent ! {Ref, {error, {netstack, {link_open, Link, R}}}};
        Other ->
            Parent ! {Ref, {error, {netstack, {link_open, Link, Other}}}}
    end.

state(C = #{mac := Mac, ip := Ip}, Link, H) ->
    Now = now_ms(),
    Prefix = maps:get(prefix_len, C, 24),
    #{link => Link, h => H, mac => Mac, ip => Ip, prefix => Prefix,
      gw => maps:get(gw, C, undefined),
      bcast => ipv4:broadcast_addr(Ip, Prefix),
      mtu => maps:get(mtu, C, 1500),
      ttl => maps:get(ttl, C, 64),
      vlan => maps:get(vlan, C, undefined),
      answer_ping => maps:get(answer_ping, C, true),
      arp => arp_cache:new(C),
      reasm => ipv4_reasm:new(C),
      icmp_tb => token_bucket:new(maps:get(icmp_rate, C, 100), maps:get(icmp_burst, C, 20), Now),
      next_id => 1,
      next_eph => ?EPHEMERAL_LOW,
      udp => #{},             % Port => {OwnerPid, MonitorRef}
      icmp_subs => #{},       % echo Ident => Pid (ping clients)
      timer => none,          % {TRef, Deadline}
      stats => #{}}.

loop(S = #{h := H}) ->
    receive
        {pdu, H, Frame} ->
            loop(rearm(rx_frame(Frame, count(rx_frames, S))));
        {'$netstack_call', From, Ref, stop} ->
            #{link := Link} = S,
            catch Link:close(H),
            From ! {Ref, ok};
        {'$netstack_call', From, Ref, Req} ->
            {Reply, S2} = handle_call(Req, From, S),
            From ! {Ref, Reply},
            loop(rearm(S2));
        {timeout, TRef, netstack_tick} ->
            case S of
                #{timer := {TRef, _}} -> loop(rearm(tick(S#{timer := none})));
                _ -> loop(S)   % a timer cancelled too late to stop its message
            end;
        {'DOWN', MRef, process, Pid, _} ->
            loop(owner_down(MRef, Pid, S));
        _Other ->
            loop(count(unexpected_messages, S))
    end.

now_ms() -> erlang:monotonic_time(millisecond).

count(Key, S) -> count(Key, 1, S).
count(_Key, 0, S) -> S;
count(Key, N, S = #{stats := St}) ->
    %% Written out rather than maps:update_with/4: this runs several times per frame.
    case St of
        #{Key := X} -> S#{stats := St#{Key := X + N}};
        _ -> S#{stats := St#{Key => N}}
    end.

%% ---- timers --------------------------------------------------------------------------------

rearm(S = #{arp := Arp, reasm := R, timer := T}) ->
    Deadline = min(arp_cache:next_deadline(Arp), ipv4_reasm:next_deadline(R)),
    case {Deadline, T} of
        {infinity, _} -> S;
        {_, {_, At}} when At =< Deadline -> S;
        {_, _} ->
            case T of
                {OldRef, _} -> erlang:cancel_timer(OldRef);
                none -> ok
            end,
            TRef = erlang:start_timer(max(0, Deadline - now_ms()), self(), netstack_tick),
            S#{timer := {TRef, Deadline}}
    end.

tick(S = #{arp := Arp, reasm := R}) ->
    Now = now_ms(),
    {Arp2, Actions} = arp_cache:tick(Arp, Now),
    {R2, Expired} = ipv4_reasm:expire(R, Now),
    S2 = count(reasm_timeouts, length(Expired), S#{arp := Arp2, reasm := R2}),
    lists:foldl(fun({request, Ip}, Acc) -> send_arp_request(Ip, Acc);
                   ({give_up, _Ip, Dropped}, Acc) ->
                        count(arp_unresolved_dropped, Dropped, count(arp_give_ups, Acc))
                end, S2, Actions).

%% ---- calls ---------------------------------------------------------------------------------

handle_call({udp_open, Port, Owner}, _From, S = #{udp := U}) ->
    case pick_port(Port, S) of
        {ok, P, S2} ->
            MRef = erlang:monitor(process, Owner),
            {{ok, P}, S2#{udp := maps:put(P, {Owner, MRef}, U)}};
        Error ->
            {Error, S}
    end;
handle_call({udp_close, Port, Owner}, _From, S = #{udp := U}) ->
    case maps:find(Port, U) of
        {ok, {Owner, MRef}} ->
            erlang:demonitor(MRef, [flush]),
            {ok, S#{udp := maps:remove(Port, U)}};
        _ ->
            {{error, not_owner}, S}
    end;
handle_call({udp_send, SrcPort, Ip, Port, Data}, _From, S = #{ip := MyIp}) ->
    case valid_port(Port) andalso is_addr(Ip) of
        false -> {{error, badarg}, S};
        true ->
            Dgram = udp:build(MyIp, Ip, SrcPort, Port, Data),
            send_ip(Ip, ?PROTO_UDP, Dgram, count(udp_tx, S))
    end;
handle_call({icmp_subscribe, Ident, Pid}, _From, S = #{icmp_subs := Subs}) ->
    case maps:is_key(Ident, Subs) of
        true -> {{error, in_use}, S};
        false -> {ok, S#{icmp_subs := maps:put(Ident, Pid, Subs)}}
    end;
handle_call({icmp_unsubscribe, Ident}, _From, S = #{icmp_subs := Subs}) ->
    {ok, S#{icmp_subs := maps:remove(Ident, Subs)}};
handle_call({icmp_echo, Ip, Ident, Seq, Data}, _From, S) ->
    case is_addr(Ip) of
        false -> {{error, badarg}, S};
        true -> send_ip(Ip, ?PROTO_ICMP, icmp:echo_request(Ident, Seq, Data),
                        count(icmp_echo_requests_sent, S))
    end;
handle_call({arp_resolve, Ip}, _From, S = #{arp := Arp}) ->
    Now = now_ms(),
    case arp_cache:lookup(Arp, Ip, Now) of
        {ok, Mac} -> {{ok, Mac}, S};
        miss ->
            case arp_cache:want(Arp, Ip, Now) of
                {send_request, Arp2} -> {pending, send_arp_request(Ip, S#{arp := Arp2})};
                {pending, Arp2} -> {pending, S#{arp := Arp2}}
            end
    end;
handle_call(arp_entries, _From, S = #{arp := Arp}) ->
    {arp_cache:entries(Arp, now_ms()), S};
handle_call(stats, _From, S = #{stats := St, reasm := R, udp := U, arp := Arp}) ->
    Reasm = maps:fold(fun(K, V, Acc) -> maps:put(list_to_atom("reasm_" ++ atom_to_list(K)), V, Acc) end,
                      #{}, ipv4_reasm:stats(R)),
    {maps:merge(Reasm, St#{udp_sockets => map_size(U),
                           arp_entries => length(arp_cache:entries(Arp, now_ms())),
                           arp_pending => length(arp_cache:pending(Arp))}), S};
handle_call(info, _From, S) ->
    {maps:with([mac, ip, prefix, gw, mtu, ttl, vlan, link, h], S), S};
handle_call(Req, _From, S) ->
    {{error, {netstack, {unknown_request, Req}}}, S}.

valid_port(P) -> is_integer(P) andalso P > 0 andalso P =< 65535.

pick_port(0, S = #{next_eph := N, udp := U}) ->
    pick_free(N, 16384, S, U);
pick_port(P, S = #{udp := U}) ->
    case valid_port(P) of
        false -> {error, badarg};
        true ->
            case maps:is_key(P, U) of
                true -> {error, eaddrinuse};
                false -> {ok, P, S}
            end
    end.

pick_free(_N, 0, _S, _U) -> {error, eaddrinuse};
pick_free(N, Left, S, U) ->
    Next = case N >= 65535 of true -> ?EPHEMERAL_LOW; false -> N + 1 end,
    case maps:is_key(N, U) of
        true -> pick_free(Next, Left - 1, S, U);
        false -> {ok, N, S#{next_eph := Next}}
    end.

owner_down(MRef, Pid, S = #{udp := U, icmp_subs := Subs}) ->
    U2 = maps:filter(fun(_, {_, R}) -> R =/= MRef end, U),
    Subs2 = maps:filter(fun(_, P) -> P =/= Pid end, Subs),
    S#{udp := U2, icmp_subs := Subs2}.

%% ---- receive path --------------------------------------------------------------------------

rx_frame(Frame, S = #{mac := Mac}) ->
    case eth:parse(Frame) of
        {error, _} ->
            count(rx_bad_frames, S);
        {ok, #{dst := Dst, vlans := Vlans, type := Type, payload := P}} ->
            ForUs = Dst =:= Mac orelse eth:is_broadcast(Dst),
            VlanOk = vlan_ok(Vlans, S),
            Ipv4 = eth:type_ipv4(),
            Arp = eth:type_arp(),
            if not ForUs -> count(rx_not_ours, S);
               not VlanOk -> count(rx_other_vlan, S);
               Type =:= Arp -> rx_arp(P, S);
               Type =:= Ipv4 -> rx_ip(P, Dst, S);
               true -> count(rx_other_ethertype, S)
            end
    end.

vlan_ok([], #{vlan := undefined}) -> true;
vlan_ok([#{vid := V}], #{vlan := V}) -> true;
vlan_ok(_, _) -> false.

rx_arp(P, S = #{mac := Mac, ip := MyIp, arp := Arp}) ->
    case arp:parse(P) of
        {error, _} ->
            count(rx_bad_arp, S);
        {ok, #{op := Op, sha := Sha, spa := Spa, tpa := Tpa}} ->
            Now = now_ms(),
            ForMe = Tpa =:= MyIp,
            Known = arp_cache:lookup(Arp, Spa, Now) =/= miss
                orelse lists:keymember(Spa, 1, arp_cache:pending(Arp)),
            %% RFC 826: update a known sender; add it when the packet is for us. A probe
            %% (sender 0.0.0.0) and a packet claiming our own address teach nothing.
            Learn = (ForMe orelse Known) andalso Spa =/= {0, 0, 0, 0} andalso Spa =/= MyIp,
            S2 = case Learn of
                     true -> learn(Spa, Sha, S);
                     false -> S
                 end,
            case Op =:= request andalso ForMe of
                true ->
                    send_frame(Sha, eth:type_arp(), arp:reply(Mac, MyIp, Sha, Spa),
                               count(arp_replies_sent, S2));
                false ->
                    count(arp_rx, S2)
            end
    end.

learn(Ip, Mac, S = #{arp := Arp}) ->
    {Arp2, Released} = arp_cache:insert(Arp, Ip, Mac, now_ms()),
    lists:foldl(fun(Pkt, Acc) -> send_frame(Mac, eth:type_ipv4(), Pkt, Acc) end,
                S#{arp := Arp2}, Released).

rx_ip(P, EthDst, S = #{ip := MyIp, bcast := Bcast}) ->
    case ipv4:parse(P) of
        {error, _} ->
            count(rx_bad_ip, S);
        {ok, Pkt = #{dst := Dst}} ->
            Unicast = Dst =:= MyIp andalso not eth:is_broadcast(EthDst),
            Accept = Dst =:= MyIp orelse Dst =:= Bcast orelse Dst =:= {255, 255, 255, 255},
            if not Accept -> count(rx_ip_not_ours, S);
               true ->
                    case ipv4:is_fragment(Pkt) of
                        false -> deliver(Pkt, P, Unicast, S);
                        true -> rx_fragment(Pkt, Unicast, S)
                    end
            end
    end.

rx_fragment(Pkt, Unicast, S = #{reasm := R}) ->
    case ipv4_reasm:add(R, Pkt, now_ms()) of
        {complete, Whole, R2} ->
            deliver(Whole, original(Whole), Unicast, S#{reasm := R2});
        {incomplete, R2} ->
            S#{reasm := R2};
        {dropped, _Reason, R2} ->
            count(rx_fragments_dropped, S#{reasm := R2})
    end.

%% What an ICMP error quotes of a reassembled datagram: a header as it would have been sent
%% whole, and the first 8 payload bytes.
original(#{src := Src, dst := Dst, proto := P, ttl := Ttl, tos := Tos, id := Id,
           payload := Payload}) ->
    Hdr = ipv4:header(#{src => Src, dst => Dst, proto => P, ttl => Ttl, tos => Tos, id => Id},
                      byte_size(Payload)),
    <<Hdr/binary, (binary:part(Payload, 0, min(8, byte_size(Payload))))/binary>>.

deliver(#{proto := ?PROTO_ICMP} = Pkt, _Raw, Unicast, S) ->
    rx_icmp(Pkt, Unicast, S);
deliver(#{proto := ?PROTO_UDP} = Pkt, Raw, Unicast, S) ->
    rx_udp(Pkt, Raw, Unicast, S);
deliver(#{src := Src}, Raw, Unicast, S) ->
    send_unreachable(protocol, Src, Raw, Unicast, count(rx_unknown_protocol, S)).

rx_icmp(#{src := Src, payload := P}, Unicast, S = #{icmp_subs := Subs}) ->
    case icmp:parse(P) of
        {error, _} ->
            count(rx_bad_icmp, S);
        {ok, #{type := echo_request, id := Id, seq := Seq, data := Data}} ->
            case Unicast andalso maps:get(answer_ping, S) of
                true -> element(2, send_ip(Src, ?PROTO_ICMP, icmp:echo_reply(Id, Seq, Data),
                                           count(icmp_echo_replies_sent, S)));
                false -> count(icmp_echo_ignored, S)
            end;
        {ok, #{type := echo_reply, id := Id, seq := Seq, data := Data}} ->
            case maps:find(Id, Subs) of
                {ok, Pid} ->
                    Pid ! {icmp_echo_reply, self(), Src, Id, Seq, Data},
                    count(icmp_echo_replies_rx, S);
                error ->
                    count(icmp_echo_replies_unclaimed, S)
            end;
        {ok, #{type := dest_unreachable}} ->
            count(icmp_unreachable_rx, S);
        {ok, _} ->
            count(icmp_other_rx, S)
    end.

rx_udp(#{src := Src, dst := Dst, payload := P}, Raw, Unicast, S = #{udp := U}) ->
    case udp:parse(Src, Dst, P) of
        {error, _} ->
            count(rx_bad_udp, S);
        {ok, #{src_port := SP, dst_port := DP, data := Data}} ->
            case maps:find(DP, U) of
                {ok, {Owner, _}} ->
                    Owner ! {udp, {udp_socket, self(), DP}, Src, SP, Data},
                    count(udp_rx, S);
                error ->
                    send_unreachable(port, Src, Raw, Unicast, count(udp_no_port, S))
            end
    end.

%% ICMP errors answer only unicast packets (RFC 1122 3.2.2), within the token bucket.
send_unreachable(_Code, _Dst, _Raw, false, S) ->
    S;
send_unreachable(Code, Dst, Raw, true, S = #{icmp_tb := Tb}) ->
    case token_bucket:take(Tb, now_ms()) of
        {ok, Tb2} ->
            Msg = icmp:dest_unreachable(Code, Raw),
            element(2, send_ip(Dst, ?PROTO_ICMP, Msg, count(icmp_unreachable_sent, S#{icmp_tb := Tb2})));
        {empty, Tb2} ->
            count(icmp_rate_limited, S#{icmp_tb := Tb2})
    end.

%% ---- send path -----------------------------------------------------------------------------

%% Sends an IP datagram, fragmenting by MTU and resolving the next hop. Returns {Reply, S2}
%% where Reply is ok (sent, or queued behind an ARP resolution) or {error, Reason}.
send_ip(Dst, Proto, Payload, S = #{ip := MyIp, mtu := Mtu, ttl := Ttl, next_id := Id}) ->
    Hdr = #{src => MyIp, dst => Dst, proto => Proto, ttl => Ttl, id => Id},
    S1 = S#{next_id := (Id + 1) band 16#FFFF},
    case ipv4:fragment(Hdr, Payload, Mtu) of
        {error, Reason} ->
            {{error, Reason}, count(tx_errors, S1)};
        {ok, Pkts} ->
            case next_hop(Dst, S1) of
                {mac, Mac} ->
                    {ok, send_frames(Mac, Pkts, S1)};
                {ip, Hop} ->
                    {ok, send_via(Hop, Pkts, S1)};
                {error, Reason} ->
                    {{error, Reason}, count(tx_no_route, S1)}
            end
    end.

next_hop(Dst, #{ip := MyIp, prefix := Prefix, gw := Gw, bcast := Bcast}) ->
    if Dst =:= {255, 255, 255, 255}; Dst =:= Bcast -> {mac, eth:broadcast()};
       Dst =:= MyIp -> {error, loopback_unsupported};
       true ->
            case ipv4:same_subnet(Dst, MyIp, Prefix) of
                true -> {ip, Dst};
                false when Gw =/= undefined -> {ip, Gw};
                false -> {error, ehostunreach}
            end
    end.

send_via(Hop, Pkts, S = #{arp := Arp}) ->
    Now = now_ms(),
    case arp_cache:lookup(Arp, Hop, Now) of
        {ok, Mac} -> send_frames(Mac, Pkts, S);
        miss -> lists:foldl(fun(Pkt, Acc) -> queue_packet(Hop, Pkt, Now, Acc) end, S, Pkts)
    end.

queue_packet(Hop, Pkt, Now, S = #{arp := Arp}) ->
    case arp_cache:enqueue(Arp, Hop, Pkt, Now) of
        {send_request, Arp2, Dropped} ->
            send_arp_request(Hop, count(arp_queue_dropped, Dropped, S#{arp := Arp2}));
        {queued, Arp2, Dropped} ->
            count(arp_queue_dropped, Dropped, S#{arp := Arp2})
    end.

send_arp_request(Ip, S = #{mac := Mac, ip := MyIp}) ->
    send_frame(eth:broadcast(), eth:type_arp(), arp:request(Mac, MyIp, Ip),
               count(arp_requests_sent, S)).

send_frames(Mac, Pkts, S) ->
    lists:foldl(fun(Pkt, Acc) -> send_frame(Mac, eth:type_ipv4(), Pkt, Acc) end, S, Pkts).

send_frame(DstMac, Type, Payload, S = #{link := Link, h := H, mac := Mac, vlan := Vlan}) ->
    Tags = case Vlan of undefined -> []; V -> [#{vid => V}] end,
    Frame = eth:build(#{dst => DstMac, src => Mac, type => Type, vlans => Tags}, Payload),
    case Link:send(H, Frame) of
        ok -> count(tx_frames, S);
        _ -> count(tx_errors, S)
    end.
