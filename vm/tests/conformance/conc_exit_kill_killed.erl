-module(conc_exit_kill_killed).
-export([main/0]).

%% exit(P, kill) kills even a trapping process; those linked to it see `killed`, not
%% `kill`; an exit signal whose reason is `killed` (not sent as kill) can be trapped.
main() ->
    process_flag(trap_exit, true),
    Trapper = spawn_link(fun() -> process_flag(trap_exit, true), receive never -> ok end end),
    receive after 20 -> ok end,
    exit(Trapper, kill),
    R1 = receive {'EXIT', Trapper, W} -> W after 2000 -> none end,
    %% A process exiting itself with reason kill: its links see kill.
    Self = spawn_link(fun() -> exit(kill) end),
    R2 = receive {'EXIT', Self, W2} -> W2 after 2000 -> none end,
    %% exit(P, killed) is an ordinary signal: a trapping process gets it as a message.
    Me = self(),
    T2 = spawn_link(fun() ->
                            process_flag(trap_exit, true),
                            Me ! ready,
                            receive {'EXIT', From, Why} -> Me ! {trapped, From =:= Me, Why} end
                    end),
    receive ready -> ok end,
    exit(T2, killed),
    R3 = receive {trapped, FromMe, Why3} -> {FromMe, Why3} after 2000 -> none end,
    R3b = receive {'EXIT', T2, W3} -> W3 after 2000 -> none end,
    %% Monitors see killed too.
    V = spawn(fun() -> receive never -> ok end end),
    M = monitor(process, V),
    exit(V, kill),
    R4 = receive {'DOWN', M, process, V, W4} -> W4 after 2000 -> none end,
    io:format("~p~n", [[R1, R2, R3, R3b, R4]]),
    [R1, R2, R3, R4].
