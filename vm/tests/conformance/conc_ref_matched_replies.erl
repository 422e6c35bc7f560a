-module(conc_ref_matched_replies).
-export([main/0]).

%% Request/reply with a fresh reference per request: a stale reply (from a timed-out
%% request) is never taken for the current one.
main() ->
    Srv = spawn(fun server/0),
    R1 = call(Srv, {slow, 100}, 10),
    R2 = call(Srv, {fast, 2}, 2000),
    %% The stale reply of the first request is still in the mailbox.
    Stale = receive {reply, _, V} -> {stale, V} after 500 -> none end,
    R3 = call(Srv, {fast, 3}, 2000),
    Srv ! stop,
    io:format("~p~n", [[R1, R2, Stale, R3]]),
    [R1, R2, Stale, R3].

call(Srv, Req, Timeout) ->
    Ref = make_ref(),
    Srv ! {self(), Ref, Req},
    receive {reply, Ref, V} -> {ok, V} after Timeout -> timeout end.

server() ->
    receive
        {From, Ref, {slow, N}} ->
            receive after N -> ok end,
            From ! {reply, Ref, {slow_done, N}},
            server();
        {From, Ref, {fast, N}} ->
            From ! {reply, Ref, N * 10},
            server();
        stop -> ok
    end.
