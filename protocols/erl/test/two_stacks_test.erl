%% Two netstacks joined by a fake_link: ARP both ways, pings, UDP echo, a 60,000-byte datagram
%% fragmented and reassembled, port unreachable; then the same over a lossy, reordering wire.
%% Prints only lines that do not depend on timing, so OTP and our VM print the same; with
%% "frame" lines (every frame the stacks put on the lossless wire) for etherparse.
-module(two_stacks_test).
-export([main/0]).

-define(MAC_A, <<2, 0, 0, 0, 0, 16#a>>).
-define(MAC_B, <<2, 0, 0, 0, 0, 16#b>>).
-define(IP_A, {192, 0, 2, 10}).
-define(IP_B, {192, 0, 2, 11}).

show(N, T) -> test_util:show(N, T).

stacks(WireOpts, Extra) ->
    {ok, Wire} = fake_link:start(WireOpts),
    Common = maps:merge(#{link => fake_link, prefix_len => 24, mtu => 1500}, Extra),
    {ok, A} = netstack:start(Common#{filter => {Wire, a}, mac => ?MAC_A, ip => ?IP_A}),
    {ok, B} = netstack:start(Common#{filter => {Wire, b}, mac => ?MAC_B, ip => ?IP_B}),
    {Wire, A, B}.

stop({Wire, A, B}) ->
    netstack:stop(A),
    netstack:stop(B),
    fake_link:stop(Wire).

main() ->
    lossless(),
    lossy(),
    reordering_big_datagram(),
    config_errors(),
    serve_entry_points(),
    ok.

%% serve's start/1 and ping/2, as exo run would call them, over fake_link.
serve_entry_points() ->
    {ok, Wire} = fake_link:start(#{}),
    {ok, A} = serve:start(#{link => fake_link, filter => {Wire, a}, mac => ?MAC_A, ip => ?IP_A}),
    {ok, B} = serve:ping(#{link => fake_link, filter => {Wire, b}, mac => ?MAC_B, ip => ?IP_B,
                           gw => ?IP_A}, 3),
    {ok, Sock} = udp:open(B, 0),
    ok = udp:send(Sock, ?IP_A, 7, <<"served">>),
    show("serve_echo", udp:recv(Sock, 5000)),
    show("serve_no_gw", serve:ping(#{mac => ?MAC_B, ip => ?IP_B}, 1)),
    stop({Wire, A, B}).

lossless() ->
    {Wire, A, B} = Net = stacks(#{capture => true}, #{}),
    %% ARP both ways: A asks for B; B learned A from A's request, and answers from its cache.
    show("arp_a_resolves_b", netstack:resolve(A, ?IP_B, 2000)),
    show("arp_b_knows_a", [{Ip, Mac} || {Ip, Mac, _} <- netstack:arp_entries(B)]),
    show("arp_b_resolves_a", netstack:resolve(B, ?IP_A, 2000)),
    show("arp_unknown_times_out", netstack:resolve(A, {192, 0, 2, 99}, 300)),
    %% 20 pings each way.
    show("ping_a_to_b", ping:ping(A, ?IP_B, 20, 1000)),
    show("ping_b_to_a", ping:ping(B, ?IP_A, 20, 1000)),
    show("ping_nobody", ping:ping(A, {192, 0, 2, 99}, 2, 100)),
    %% UDP echo.
    {ok, _Echo} = udp_echo:start(B, 7),
    show("udp_echo_port_in_use", udp_echo:start(B, 7)),
    {ok, Sock} = udp:open(A, 0),
    show("udp_ephemeral_port", udp:port(Sock) >= 49152),
    ok = udp:send(Sock, ?IP_B, 7, <<"hello, echo">>),
    show("udp_echo_small", udp:recv(Sock, 2000)),
    Big = list_to_binary([I rem 256 || I <- lists:seq(1, 60000)]),
    ok = udp:send(Sock, ?IP_B, 7, Big),
    case udp:recv(Sock, 5000) of
        {ok, {Ip, Port, Data}} -> show("udp_echo_60000", {Ip, Port, Data =:= Big, byte_size(Data)});
        Other -> show("udp_echo_60000", Other)
    end,
    show("udp_too_big", udp:send(Sock, ?IP_B, 7, <<0:65508/unit:8>>)),
    %% No listener on port 9: B answers with ICMP port unreachable.
    ok = udp:send(Sock, ?IP_B, 9, <<"anyone?">>),
    show("udp_recv_timeout", udp:recv(Sock, 200)),
    udp:close(Sock),
    %% The unreachable may still be on its way on a loaded machine: wait for it, bounded.
    eventually(fun() -> maps:get(icmp_unreachable_rx, netstack:stats(A), 0) > 0 end, 5000),
    SA = netstack:stats(A),
    SB = netstack:stats(B),
    show("a_stats", maps:with([icmp_unreachable_rx, reasm_reassembled, udp_rx,
                               icmp_echo_replies_rx, reasm_in_flight], SA)),
    show("b_stats", maps:with([icmp_unreachable_sent, udp_no_port, reasm_reassembled,
                               icmp_echo_replies_sent, udp_sockets], SB)),
    Frames = fake_link:frames(Wire),
    [io:format("frame ~s ~s~n", [Side, test_util:hex(F)]) || {Side, _, F} <- Frames],
    stop(Net).

%% Polls Pred every 10 ms until it holds or Ms have passed.
eventually(Pred, Ms) when Ms =< 0 -> Pred();
eventually(Pred, Ms) ->
    case Pred() of
        true -> true;
        false -> receive after 10 -> eventually(Pred, Ms - 10) end
    end.

%% 10% loss and 10% reordering: every ping whose request and reply both cross is answered, so
%% the replies (in time or late, on a loaded machine) plus the echo frames the wire dropped
%% make 20.
lossy() ->
    {Wire, A, _B} = Net = stacks(#{capture => true, seed => 2024, loss => 100, reorder => 100},
                                 #{arp_retry_ms => 100, arp_retries => 20}),
    #{received := Got, late := Late} = ping:ping(A, ?IP_B, 20, 1000, #{}),
    Replies = Got + Late,
    Dropped = [F || {_, dropped, F} <- fake_link:frames(Wire), is_echo(F)],
    #{dropped := D, reordered := R} = fake_link:stats(Wire),
    show("lossy_ping_accounting", Replies + length(Dropped) =:= 20),
    show("lossy_wire_dropped_and_reordered_some", {D > 0, R > 0}),
    stop(Net).

is_echo(Frame) ->
    case eth:parse(Frame) of
        {ok, #{type := 16#0800, payload := P}} ->
            case ipv4:parse(P) of
                {ok, #{proto := 1, payload := I}} ->
                    case icmp:parse(I) of
                        {ok, #{type := T}} -> T =:= echo_request orelse T =:= echo_reply;
                        _ -> false
                    end;
                _ -> false
            end;
        _ -> false
    end.

%% A third of the frames reordered: the 60,000-byte datagram's fragments arrive out of order
%% both ways and are still reassembled.
reordering_big_datagram() ->
    {Wire, A, B} = Net = stacks(#{seed => 77, reorder => 333}, #{}),
    {ok, _} = udp_echo:start(B, 7),
    {ok, Sock} = udp:open(A, 5555),
    Big = list_to_binary([(I * 13) rem 256 || I <- lists:seq(1, 60000)]),
    ok = udp:send(Sock, ?IP_B, 7, Big),
    case udp:recv(Sock, 5000) of
        {ok, {_, 7, Data}} -> show("reorder_echo_60000", Data =:= Big);
        Other -> show("reorder_echo_60000", Other)
    end,
    #{reordered := R} = fake_link:stats(Wire),
    show("reorder_wire_reordered_many", R > 10),
    stop(Net).

config_errors() ->
    show("config_missing_ip", netstack:start(#{mac => ?MAC_A})),
    show("config_bad_mac", netstack:start(#{mac => <<1, 2>>, ip => ?IP_A})),
    show("config_bad_prefix", netstack:start(#{mac => ?MAC_A, ip => ?IP_A, prefix_len => 33})),
    show("config_not_map", netstack:start(nothing)),
    show("config_bad_link_arg", netstack:start(#{mac => ?MAC_A, ip => ?IP_A, link => fake_link,
                                                 filter => nowhere})).
