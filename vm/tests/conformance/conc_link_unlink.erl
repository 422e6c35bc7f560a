-module(conc_link_unlink).
-export([main/0]).

%% link/unlink return true, twice as well; after unlink no exit signal arrives; linking to
%% oneself is a no-op; bad arguments are badarg.
main() ->
    process_flag(trap_exit, true),
    P = spawn(fun() -> receive die -> exit(died) end end),
    L1 = link(P),
    L2 = link(P),                          % linking twice is one link
    U1 = unlink(P),
    U2 = unlink(P),
    P ! die,
    R1 = receive {'EXIT', P, W} -> {exit, W} after 100 -> no_exit end,
    %% Linked again, the exit arrives once.
    P2 = spawn(fun() -> receive die -> exit(died2) end end),
    link(P2), link(P2),
    P2 ! die,
    R2 = [receive {'EXIT', P2, W2} -> W2 after 100 -> none end || _ <- [1, 2]],
    L4 = link(self()),
    U4 = unlink(self()),
    Bad = [try link(X) catch C:E -> {C, E} end || X <- [a, 1]],
    BadU = [try unlink(X) catch C:E -> {C, E} end || X <- [a, "p"]],
    process_flag(trap_exit, false),
    io:format("~p~n", [[L1, L2, U1, U2, R1, R2, L4, U4, Bad, BadU]]),
    [R1, R2].
