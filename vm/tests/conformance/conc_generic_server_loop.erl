-module(conc_generic_server_loop).
-export([main/0]).

%% A hand-written gen_server-like loop: state threading through calls and casts, a
%% timeout in the server's receive, and an orderly stop observed by a monitor.
main() ->
    Srv = spawn(fun() -> loop(#{count => 0, log => []}) end),
    M = monitor(process, Srv),
    [cast(Srv, {add, I}) || I <- lists:seq(1, 10)],
    C1 = call(Srv, count),
    cast(Srv, reset),
    C2 = call(Srv, count),
    Log = call(Srv, log),
    Idle = call(Srv, {idle_after, 30}),
    Srv ! {stop, done},
    R = receive {'DOWN', M, process, Srv, Why} -> Why after 2000 -> none end,
    io:format("~p~n", [[C1, C2, Log, Idle, R]]),
    [C1, C2, Idle, R].

call(Srv, Req) ->
    Ref = make_ref(),
    Srv ! {call, self(), Ref, Req},
    receive {Ref, Reply} -> Reply after 3000 -> timeout end.

cast(Srv, Msg) -> Srv ! {cast, Msg}, ok.

loop(S = #{count := C, log := L}) ->
    receive
        {cast, {add, N}} -> loop(S#{count := C + N, log := [N | L]});
        {cast, reset} -> loop(S#{count := 0});
        {call, From, Ref, count} -> From ! {Ref, C}, loop(S);
        {call, From, Ref, log} -> From ! {Ref, lists:reverse(L)}, loop(S);
        {call, From, Ref, {idle_after, T}} ->
            Reply = receive nothing_comes -> busy after T -> idle end,
            From ! {Ref, Reply},
            loop(S);
        {stop, Why} -> exit(Why)
    end.
