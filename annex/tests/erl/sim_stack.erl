%% The Erlang stack against smoltcp on the simulated wire (`exo run --nic sim`): ARP both ways
%% (each side must resolve the other), ping, and UDP echo through smoltcp's port 7. On a lossy
%% wire each round trip is retried until it succeeds (bounded), so every one must complete.
-module(sim_stack).
-export([clean/0, lossy/0, serve_until_done/0]).

-define(PEER, {192, 0, 2, 2}).

clean() ->
    {ok, Stack} = netstack:start(pdu:config()),
    Pings = ping:ping(Stack, ?PEER, 20, 1000),
    {ok, Sock} = udp:open(Stack, 0),
    Udp = length([ok || N <- lists:seq(1, 20), echo(Sock, N, 1) =:= ok]),
    Big = echo_big(Sock),
    io:format("clean: ping ~b/20 udp ~b/20 big ~w~n", [Pings, Udp, Big]).

lossy() ->
    {ok, Stack} = netstack:start(pdu:config()),
    Pings = length([ok || _ <- lists:seq(1, 20), ping_retry(Stack, 10) =:= ok]),
    {ok, Sock} = udp:open(Stack, 0),
    Udp = length([ok || N <- lists:seq(1, 20), echo(Sock, N, 10) =:= ok]),
    #{rx_copied_bytes := RxCopied} = pdu:stats(),
    io:format("lossy: ping ~b/20 udp ~b/20 rx_copied ~b~n", [Pings, Udp, RxCopied]).

ping_retry(_Stack, 0) -> failed;
ping_retry(Stack, Tries) ->
    case ping:ping(Stack, ?PEER, 1, 300) of
        1 -> ok;
        0 -> ping_retry(Stack, Tries - 1)
    end.

%% Datagram N goes out and must come back from port 7 with the same bytes; stale echoes of
%% earlier tries are skipped.
echo(_Sock, _N, 0) -> failed;
echo(Sock, N, Tries) ->
    Msg = <<"datagram ", (integer_to_binary(N))/binary>>,
    ok = udp:send(Sock, ?PEER, 7, Msg),
    wait_echo(Sock, Msg, N, Tries).

wait_echo(Sock, Msg, N, Tries) ->
    case udp:recv(Sock, 300) of
        {ok, {?PEER, 7, Msg}} -> ok;
        {ok, _Stale} -> wait_echo(Sock, Msg, N, Tries);
        {error, timeout} -> echo(Sock, N, Tries - 1)
    end.

%% 1,400 bytes: one frame each way, smoltcp's echo buffers hold it.
echo_big(Sock) ->
    Msg = list_to_binary([I rem 256 || I <- lists:seq(1, 1400)]),
    ok = udp:send(Sock, ?PEER, 7, Msg),
    case udp:recv(Sock, 1000) of
        {ok, {?PEER, 7, Msg}} -> ok;
        Other -> {unexpected, Other}
    end.

%% The other direction: smoltcp pings this stack and has its UDP echo server (port 7) echo
%% datagrams; the main process returns when the smoltcp side has every answer.
serve_until_done() ->
    {ok, Stack} = netstack:start(pdu:config()),
    {ok, _} = udp_echo:start(Stack, 7),
    receive peers_done -> ok end,
    #{rx_copied_bytes := RxCopied} = pdu:stats(),
    io:format("served: rx_copied ~b~n", [RxCopied]).
