%% The limits of a running stack, observed through its counters: ICMP errors within the token
%% bucket, reassembly giving up on an incomplete datagram, ARP giving up on an absent host
%% (dropping what it queued), and the ARP cache forgetting an entry after arp_ttl_ms.
%% Prints only lines that do not depend on timing.
-module(live_limits_test).
-export([main/0]).

-define(MAC_A, <<2, 0, 0, 0, 0, 16#a>>).
-define(MAC_B, <<2, 0, 0, 0, 0, 16#b>>).
-define(IP_A, {192, 0, 2, 10}).
-define(IP_B, {192, 0, 2, 11}).

show(N, T) -> test_util:show(N, T).

main() ->
    {ok, Wire} = fake_link:start(#{}),
    %% B: a burst of 5 ICMP errors and no refill, so exactly 5 go out whatever the timing;
    %% reassembly gives up after 300 ms.
    {ok, A} = netstack:start(#{link => fake_link, filter => {Wire, a}, mac => ?MAC_A, ip => ?IP_A,
                               arp_retry_ms => 50, arp_retries => 2, arp_ttl_ms => 1500}),
    {ok, B} = netstack:start(#{link => fake_link, filter => {Wire, b}, mac => ?MAC_B, ip => ?IP_B,
                               icmp_rate => 0, icmp_burst => 5, reasm_timeout_ms => 300}),
    {ok, Sock} = udp:open(A, 5000),
    [ok = udp:send(Sock, ?IP_B, 9, <<"closed port">>) || _ <- lists:seq(1, 50)],
    wait(fun() -> counter(B, udp_no_port) =:= 50 end),
    show("icmp_errors_sent_and_limited", {counter(B, icmp_unreachable_sent), counter(B, icmp_rate_limited)}),
    wait(fun() -> counter(A, icmp_unreachable_rx) =:= 5 end),
    show("icmp_errors_received", counter(A, icmp_unreachable_rx)),
    %% A 3,000-byte datagram without its last fragment: held, then dropped on time.
    {ok, Frags} = ipv4:fragment(#{src => ?IP_A, dst => ?IP_B, proto => 17, id => 999},
                                udp:build(?IP_A, ?IP_B, 5000, 9, binary:copy(<<7>>, 3000)), 1500),
    HB = {fake_link, Wire, b},
    [B ! {pdu, HB, iolist_to_binary(eth:build(#{dst => ?MAC_B, src => ?MAC_A, type => 16#0800}, F))}
     || F <- lists:droplast(Frags)],
    show("reasm_held", wait(fun() -> counter(B, reasm_in_flight) =:= 1 end)),
    show("reasm_timed_out", wait(fun() -> counter(B, reasm_timeouts) =:= 1 end)),
    show("reasm_released", {counter(B, reasm_in_flight), counter(B, reasm_held_bytes)}),
    %% Three datagrams for an absent host: 2 ARP requests, then give up and drop them.
    [ok = udp:send(Sock, {192, 0, 2, 99}, 9, <<"nobody">>) || _ <- lists:seq(1, 3)],
    show("arp_gave_up", wait(fun() -> counter(A, arp_give_ups) =:= 1 end)),
    show("arp_dropped_queued", counter(A, arp_unresolved_dropped)),
    show("arp_pending_after", counter(A, arp_pending)),
    %% An entry is forgotten arp_ttl_ms (1.5 s) after it was learned.
    wait(fun() -> netstack:arp_entries(A) =:= [] end),
    {ok, ?MAC_B} = netstack:resolve(A, ?IP_B, 5000),
    show("arp_entry_learned", [Ip || {Ip, _, _} <- netstack:arp_entries(A)]),
    show("arp_entry_expired", wait(fun() -> netstack:arp_entries(A) =:= [] end)),
    ok.

counter(Stack, Key) -> maps:get(Key, netstack:stats(Stack), 0).

%% Polls Pred every 10 ms for up to 10 s; returns whether it came true.
wait(Pred) -> wait(Pred, 1000).
wait(Pred, 0) -> Pred();
wait(Pred, N) ->
    case Pred() of
        true -> true;
        false -> receive after 10 -> wait(Pred, N - 1) end
    end.
