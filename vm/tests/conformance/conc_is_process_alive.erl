-module(conc_is_process_alive).
-export([main/0]).

%% is_process_alive: true while running or waiting, false once the exit is complete.
main() ->
    P = spawn(fun() -> receive stop -> ok end end),
    A1 = is_process_alive(P),
    M = monitor(process, P),
    P ! stop,
    receive {'DOWN', M, _, _, _} -> ok end,
    A2 = is_process_alive(P),
    A3 = is_process_alive(self()),
    Bad = [try is_process_alive(X) catch C:E -> {C, E} end || X <- [a, 1, make_ref()]],
    %% Many short-lived processes, all gone once their DOWNs arrived.
    Ps = [spawn_monitor(fun() -> ok end) || _ <- lists:seq(1, 50)],
    [receive {'DOWN', R, process, Q, normal} -> ok end || {Q, R} <- Ps],
    AnyAlive = lists:any(fun({Q, _}) -> is_process_alive(Q) end, Ps),
    io:format("~p~n", [[A1, A2, A3, Bad, AnyAlive]]),
    [A1, A2, A3, AnyAlive].
