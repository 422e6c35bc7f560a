-module(conc_demonitor_flush).
-export([main/0]).

%% demonitor removes the monitor (no DOWN later); [flush] also removes a DOWN already
%% delivered; demonitor of an unknown reference is true, of a non-reference badarg.
main() ->
    P = spawn(fun() -> receive stop -> ok end end),
    M = monitor(process, P),
    D1 = demonitor(M),
    P ! stop,
    R1 = receive {'DOWN', M, _, _, _} -> got_down after 100 -> no_down end,
    Q = spawn(fun() -> ok end),
    M2 = monitor(process, Q),
    receive after 50 -> ok end,
    D2 = demonitor(M2, [flush]),
    R2 = receive {'DOWN', M2, _, _, _} -> got_down after 50 -> flushed end,
    %% Without flush, a DOWN delivered before demonitor stays in the mailbox.
    W = spawn(fun() -> ok end),
    M3 = monitor(process, W),
    receive after 50 -> ok end,
    D3 = demonitor(M3),
    R3 = receive {'DOWN', M3, process, W, normal} -> still_there after 0 -> gone end,
    D5 = demonitor(make_ref()),
    Bad = [try demonitor(X) catch C:E -> {C, E} end || X <- [a, 1]],
    io:format("~p~n", [[D1, R1, D2, R2, D3, R3, D5, Bad]]),
    [D1, R1, D2, R2, D3, R3].
