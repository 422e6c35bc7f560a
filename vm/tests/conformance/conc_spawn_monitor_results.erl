-module(conc_spawn_monitor_results).
-export([main/0, child/1]).

%% spawn_monitor returns {Pid, Ref} and the DOWN message uses both; spawn_monitor/3 takes
%% M, F, A.
main() ->
    {P, R} = spawn_monitor(fun() -> exit(done_here) end),
    R1 = receive {'DOWN', R, process, P, W} -> W after 2000 -> none end,
    {P2, R2} = spawn_monitor(?MODULE, child, [{reason, 7}]),
    R2r = receive {'DOWN', R2, process, P2, W2} -> W2 after 2000 -> none end,
    %% The monitor is there before the process can run: an instant exit is still seen.
    Rs = [begin
              {Pi, Ri} = spawn_monitor(fun() -> exit(I) end),
              receive {'DOWN', Ri, process, Pi, Wi} -> Wi after 2000 -> none end
          end || I <- lists:seq(1, 10)],
    %% A process that catches its own error and exits with it.
    {P3, R3} = spawn_monitor(fun() -> try error(oops) catch error:E -> exit({caught, E}) end end),
    R3r = receive {'DOWN', R3, process, P3, W3} -> W3 after 2000 -> none end,
    io:format("~p~n", [[R1, R2r, Rs, R3r, is_pid(P), is_reference(R)]]),
    [R1, R2r, Rs, R3r].

child(Why) -> exit(Why).
