%% Drives the pdu module from Erlang against a smoltcp host on the simulated wire: ARP and
%% ping built and parsed here, ownership between processes, and the copy counters.
-module(pdu_probe).
-export([main/0, child/1]).

-define(PEER, {192, 0, 2, 2}).

main() ->
    #{mac := Mac, ip := {A, B, C, D}, prefix_len := 24, mtu := 1500} = pdu:config(),
    {error, BadFilter} = pdu:open("ip and ("),
    true = is_binary(BadFilter),
    {ok, Arp} = pdu:open("arp"),
    {ok, Icmp} = pdu:open(<<"icmp">>),
    %% The ARP request goes out as an iolist of several pieces, gathered once.
    {P1, P2, P3, P4} = ?PEER,
    Req = [<<16#ffffffffffff:48>>, Mac, <<16#0806:16>>,
           [<<1:16, 16#0800:16, 6, 4, 1:16>>, Mac], [A, B, C, D], <<0:48>>, [P1, P2, P3 | <<P4>>]],
    ok = pdu:send(Arp, Req),
    Copied0 = maps:get(vm_copied_bytes, pdu:stats()),
    PeerMac = receive
                  {pdu, Arp, <<_:12/binary, 16#0806:16, _:6/binary, 2:16, Sha:6/binary,
                               P1, P2, P3, P4, _/binary>>} -> Sha
              after 2000 -> exit(no_arp_reply)
              end,
    Copied1 = maps:get(vm_copied_bytes, pdu:stats()),
    Replies = [ping(Icmp, Mac, PeerMac, {A, B, C, D}, Seq) || Seq <- lists:seq(1, 5)],
    Ownership = ownership(),
    Stats = pdu:stats(),
    io:format("~w~n", [{Replies, {arp_match_copied, Copied1 - Copied0},
                        maps:with([rx_frames, rx_copied_bytes, tx_frames], Stats), Ownership}]).

ping(H, Mac, PeerMac, {A, B, C, D}, Seq) ->
    Payload = <<"0123456789abcdef0123456789abcdef">>,
    Echo0 = <<8, 0, 0:16, 16#6578:16, Seq:16, Payload/binary>>,
    Echo = <<8, 0, (csum(Echo0)):16, 16#6578:16, Seq:16, Payload/binary>>,
    {P1, P2, P3, P4} = ?PEER,
    Ip0 = <<4:4, 5:4, 0, (20 + byte_size(Echo)):16, Seq:16, 0:16, 64, 1, 0:16,
            A, B, C, D, P1, P2, P3, P4>>,
    <<Pre:10/binary, _:16, Post/binary>> = Ip0,
    Ip = [Pre, <<(csum(Ip0)):16>>, Post],
    ok = pdu:send(H, [PeerMac, Mac, <<16#0800:16>>, Ip, Echo]),
    %% Receiving and matching the reply, payload included, copies no byte.
    C0 = maps:get(vm_copied_bytes, pdu:stats()),
    receive
        {pdu, H, <<_:12/binary, 16#0800:16, _:9/binary, 1, _:2/binary, P1, P2, P3, P4,
                   A, B, C, D, 0, 0, _:16, 16#6578:16, Seq:16, Data/binary>>} ->
            {Data =:= Payload, maps:get(vm_copied_bytes, pdu:stats()) - C0}
    after 2000 -> timeout
    end.

%% Another process holds "udp": our open is refused with its reason; once it exits, ours works.
ownership() ->
    Self = self(),
    {Pid, Ref} = spawn_monitor(?MODULE, child, [Self]),
    receive {Pid, opened} -> ok after 2000 -> exit(child_did_not_open) end,
    {error, Why} = pdu:open("udp"),
    Pid ! stop,
    receive {'DOWN', Ref, process, Pid, normal} -> ok after 2000 -> exit(child_did_not_exit) end,
    {ok, U} = pdu:open("udp"),
    ok = pdu:close(U),
    ok = pdu:close(U),
    {refused, binary:match(Why, <<"\"udp\"">>) =/= nomatch}.

child(Parent) ->
    {ok, _} = pdu:open("udp"),
    Parent ! {self(), opened},
    receive stop -> ok end.

csum(Bin) -> csum(Bin, 0).
csum(<<X:16, Rest/binary>>, Acc) -> csum(Rest, Acc + X);
csum(<<X:8>>, Acc) -> csum(<<>>, Acc + (X bsl 8));
csum(<<>>, Acc) -> fold(Acc).

fold(S) when S > 16#ffff -> fold((S band 16#ffff) + (S bsr 16));
fold(S) -> bnot S band 16#ffff.
