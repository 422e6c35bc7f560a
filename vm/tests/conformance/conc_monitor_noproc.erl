-module(conc_monitor_noproc).
-export([main/0]).

%% Monitoring a process that is gone gives an immediate DOWN with reason noproc; bad
%% arguments are badarg.
main() ->
    Dead = spawn(fun() -> ok end),
    M0 = monitor(process, Dead),
    R0 = receive {'DOWN', M0, process, Dead, Why0} -> Why0 after 2000 -> none end,
    M1 = monitor(process, Dead),
    R1 = receive {'DOWN', M1, process, Dead, Why1} -> Why1 after 2000 -> none end,
    Ms = [monitor(process, Dead) || _ <- [1, 2, 3]],
    Rs = [receive {'DOWN', M, process, Dead, W} -> W after 2000 -> none end || M <- Ms],
    Distinct = length(lists:usort(Ms)),
    Bad = [try monitor(process, X) catch C:E -> {C, E} end || X <- [42, "str"]],
    BadType = try monitor(thing, self()) catch C2:E2 -> {C2, E2} end,
    io:format("~p~n", [[R0, R1, Rs, Distinct, Bad, BadType]]),
    [R0, R1, Rs].
