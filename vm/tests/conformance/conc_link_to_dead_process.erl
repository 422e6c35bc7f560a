-module(conc_link_to_dead_process).
-export([main/0]).

%% PENDING (VM differs): link/1 to a process that no longer exists, while trapping exits,
%% must return true and deliver {'EXIT', Pid, noproc}; our VM raises error:noproc in the
%% trapping caller too. (A non-trapping caller does get error:noproc on OTP.)
main() ->
    process_flag(trap_exit, true),
    Dead = spawn(fun() -> ok end),
    M = monitor(process, Dead),
    receive {'DOWN', M, _, _, _} -> ok end,
    L3 = link(Dead),
    R2 = receive {'EXIT', Dead, W2} -> W2 after 2000 -> none end,
    Q = spawn(fun() ->
                      try link(Dead) catch error:E -> exit({caught, E}) end,
                      receive after 1000 -> survived end
              end),
    MQ = monitor(process, Q),
    R3 = receive {'DOWN', MQ, process, Q, W3} -> W3 after 3000 -> none end,
    process_flag(trap_exit, false),
    io:format("~p~n", [[L3, R2, R3]]),
    [L3, R2, R3].
