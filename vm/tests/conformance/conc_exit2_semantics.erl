-module(conc_exit2_semantics).
-export([main/0]).

%% exit/2 by OTP's rules: `normal` is ignored by a non-trapping target; any other reason
%% kills it with that reason; exit/2 to a dead process is fine; the caller goes on.
main() ->
    V1 = spawn(fun() -> receive stop -> ok end end),
    M1 = monitor(process, V1),
    R0 = exit(V1, normal),
    receive after 30 -> ok end,
    Alive1 = is_process_alive(V1),
    exit(V1, because),
    R1 = receive {'DOWN', M1, process, V1, W1} -> W1 after 2000 -> none end,
    R2 = exit(V1, again),
    %% A process that calls exit(self(), normal) without trapping dies with normal.
    V2 = spawn(fun() -> exit(self(), normal), receive after 1000 -> survived end end),
    M2 = monitor(process, V2),
    R3 = receive {'DOWN', M2, process, V2, W3} -> W3 after 2000 -> none end,
    Bad = [try exit(X, r) catch C:E -> {C, E} end || X <- [a, 1, "p"]],
    io:format("~p~n", [[R0, Alive1, R1, R2, R3, Bad]]),
    [R0, Alive1, R1, R2, R3].
