%% The stack over the annex's pdu module on the simulated wire, against a smoltcp host (an
%% independent implementation: ARP, ICMP echo, UDP echo on port 7). Run by
%% protocols/tests/sim_smoltcp.rs through annex::run (what `exo run --nic sim` does).
%% main/0 for a clean wire; lossy/0 for one with loss and reordering.
-module(sim_test).
-export([main/0, lossy/0]).

show(N, T) -> test_util:show(N, T).

peer() ->
    #{ip := {A, B, C, _}} = pdu:config(),
    {A, B, C, 2}.

main() ->
    {ok, Stack} = netstack:start(pdu:config()),
    Peer = peer(),
    show("resolve", element(1, netstack:resolve(Stack, Peer, 5000))),
    %% Zero copies inside the VM while 20 echo requests go out and their replies are parsed,
    %% matched and handed to the ping client (the ARP entry is already in place).
    C0 = maps:get(vm_copied_bytes, pdu:stats()),
    Replies = ping:ping(Stack, Peer, 20, 2000),
    C1 = maps:get(vm_copied_bytes, pdu:stats()),
    show("ping", Replies),
    show("vm_copied_bytes_during_pings", C1 - C0),
    {ok, Sock} = udp:open(Stack, 0),
    ok = udp:send(Sock, Peer, 7, <<"hello smoltcp">>),
    show("udp_echo", udp:recv(Sock, 5000)),
    %% smoltcp answers a closed port with ICMP port unreachable.
    ok = udp:send(Sock, Peer, 9, <<"closed">>),
    show("unreachable_rx", wait(fun() -> counter(Stack, icmp_unreachable_rx) >= 1 end)),
    Pdu = pdu:stats(),
    show("pdu_rx_copied_bytes", maps:get(rx_copied_bytes, Pdu)),
    show("pdu_frames_both_ways", {maps:get(rx_frames, Pdu) >= 22, maps:get(tx_frames, Pdu) >= 23}),
    netstack:stop(Stack),
    ok.

lossy() ->
    {ok, Stack} = netstack:start((pdu:config())#{arp_retry_ms => 200, arp_retries => 20}),
    Peer = peer(),
    show("resolve", element(1, netstack:resolve(Stack, Peer, 10000))),
    %% 10% loss each way answers 81% of pings on average; whether this seed's run loses any
    %% depends on how retries interleave, so only "most" is asserted.
    Replies = ping:ping(Stack, Peer, 20, 1000),
    show("ping_most_answered", Replies >= 10),
    {ok, Sock} = udp:open(Stack, 0),
    show("udp_echo_with_retries", echo_retry(Sock, Peer, 10)),
    netstack:stop(Stack),
    ok.

echo_retry(_Sock, _Peer, 0) -> gave_up;
echo_retry(Sock, Peer, N) ->
    Msg = <<"try ", (integer_to_binary(N))/binary>>,
    ok = udp:send(Sock, Peer, 7, Msg),
    case udp:recv(Sock, 1000) of
        {ok, {Peer, 7, Msg}} -> ok;
        _ -> echo_retry(Sock, Peer, N - 1)
    end.

counter(Stack, Key) -> maps:get(Key, netstack:stats(Stack), 0).

wait(Pred) -> wait(Pred, 500).
wait(Pred, 0) -> Pred();
wait(Pred, N) ->
    case Pred() of
        true -> true;
        false -> receive after 10 -> wait(Pred, N - 1) end
    end.
