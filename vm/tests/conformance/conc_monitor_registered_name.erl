-module(conc_monitor_registered_name).
-export([main/0]).

%% PENDING (VM differs): a monitor set up by registered name reports the object as
%% {Name, Node} in its DOWN message, both for a name nobody holds (noproc) and when the
%% named process exits; our VM reports the bare name, or the pid.
main() ->
    M2 = monitor(process, no_such_name_here),
    R2 = receive {'DOWN', M2, process, Obj, Why2} -> {Obj, Why2} after 2000 -> none end,
    P = spawn(fun() -> receive stop -> ok end end),
    register(conc_monitor_named, P),
    M3 = monitor(process, conc_monitor_named),
    P ! stop,
    R3 = receive {'DOWN', M3, process, Obj3, Why3} -> {Obj3, Why3} after 2000 -> none end,
    M4 = monitor(process, {no_such_name_either, node()}),
    R4 = receive {'DOWN', M4, process, Obj4, Why4} -> {Obj4, Why4} after 2000 -> none end,
    io:format("~p~n", [[R2, R3, R4]]),
    [R2, R3, R4].
