%% Scripted exchanges with a live stack: the Rust test (protocols/tests/scripted.rs) builds
%% each input frame with etherparse, and the exact frames it expects back, into the generated
%% module script_frames ({Name, Frame, RepliesExpected}); this module plays the far end of a
%% fake_link, sends each frame to the stack and prints "Name: HEX,HEX..." with every frame the
%% stack sent in answer (nothing after the colon for none).
%%
%% Replies are collected without relying on timing: after a send, a call to the stack and
%% then one to the wire return only once both have handled everything before them, so the
%% stack's own answers are already in our mailbox. Answers from another process (the UDP echo
%% server) are awaited, up to 10 s, when the script expects more than arrived.
-module(scripted_test).
-export([main/0]).

-define(MAC_B, <<2, 0, 0, 0, 0, 16#b>>).
-define(IP_B, {192, 0, 2, 11}).

main() ->
    {ok, Wire} = fake_link:start(#{}),
    {ok, B} = netstack:start(#{link => fake_link, filter => {Wire, b}, mac => ?MAC_B,
                               ip => ?IP_B, icmp_burst => 100}),
    {ok, _} = udp_echo:start(B, 7),
    {ok, H} = fake_link:open({Wire, a}),
    [step(Name, Frame, Expect, H, B, Wire) || {Name, Frame, Expect} <- script_frames:frames()],
    ok.

step(Name, Frame, Expect, H, B, Wire) ->
    ok = fake_link:send(H, Frame),
    Got = collect(H, B, Wire, []),
    All = case length(Got) < Expect of
              true -> wait_more(H, B, Wire, Expect - length(Got), Got);
              false -> Got
          end,
    io:format("~s: ~s~n", [Name, lists:join(",", [test_util:hex(F) || F <- All])]).

collect(H, B, Wire, Acc) ->
    _ = netstack:stats(B),
    _ = fake_link:stats(Wire),
    drain(H, Acc).

drain(H, Acc) ->
    receive {pdu, H, F} -> drain(H, Acc ++ [F]) after 0 -> Acc end.

wait_more(_H, _B, _Wire, 0, Acc) -> Acc;
wait_more(H, B, Wire, N, Acc) ->
    receive
        {pdu, H, F} -> wait_more(H, B, Wire, N - 1, Acc ++ [F])
    after 10000 ->
        Acc
    end.
