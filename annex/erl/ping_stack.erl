%% `exo bench ping`'s second Erlang responder: the protocol stack of protocols/erl (its built-in
%% echo responder) started from pdu:config(); returns when the benchmark's pinger is done.
-module(ping_stack).
-export([main/0]).

main() ->
    {ok, Stack} = netstack:start(pdu:config()),
    receive peers_done -> netstack:stop(Stack) end.
