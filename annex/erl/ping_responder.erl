%% The smallest ICMP echo responder on pdu: matches an echo request in the frame (sub-binaries,
%% no copy), sends the reply as an iolist of those pieces. The floor under any Erlang stack's
%% ping path, measured by `exo bench ping`. Returns when the benchmark's pinger is done.
-module(ping_responder).
-export([main/0]).

main() ->
    #{ip := {A, B, C, D}} = pdu:config(),
    Ip = lists:flatten([integer_to_list(A), ".", integer_to_list(B), ".",
                        integer_to_list(C), ".", integer_to_list(D)]),
    {ok, H} = pdu:open("icmp[icmptype] = icmp-echo and dst host " ++ Ip),
    loop(H, 0).

loop(H, N) ->
    receive
        {pdu, H, <<Dst:6/binary, Src:6/binary, 16#0800:16, 4:4, 5:4, Hdr:11/binary,
                   S:4/binary, T:4/binary, 8, Code, Csum:16, Rest/binary>>} ->
            ok = pdu:send(H, [Src, Dst, <<16#0800:16, 4:4, 5:4>>, Hdr, T, S,
                              <<0, Code, (fix(Csum)):16>>, Rest]),
            loop(H, N + 1);
        {pdu, H, _} ->
            loop(H, N);
        peers_done ->
            N
    end.

%% RFC 1624: the type went from 8 to 0, so the checksum grows by 16#0800 (end-around carry).
fix(C) when C + 16#0800 > 16#ffff -> C + 16#0800 - 16#ffff;
fix(C) -> C + 16#0800.
