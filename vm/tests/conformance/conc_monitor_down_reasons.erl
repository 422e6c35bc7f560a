-module(conc_monitor_down_reasons).
-export([main/0]).

%% A monitor delivers exactly one {'DOWN', Ref, process, Pid, Reason} with the exit reason.
main() ->
    Cases = [fun() -> ok end,
             fun() -> exit(normal) end,
             fun() -> exit(shutdown) end,
             fun() -> exit({shutdown, reason}) end,
             fun() -> exit(#{why => map}) end,
             fun() -> receive never -> ok end end],
    Rs = [watch(F) || F <- Cases],
    io:format("~p~n", [Rs]),
    %% Two monitors on the same process: two DOWN messages, each with its own ref.
    Q = spawn(fun() -> receive go -> ok end end),
    A = monitor(process, Q),
    B = monitor(process, Q),
    Q ! go,
    Downs = lists:sort([receive {'DOWN', X, process, Q, normal} -> if X =:= A -> a; X =:= B -> b end after 2000 -> none end
                        || _ <- [1, 2]]),
    io:format("~p ~p~n", [A =/= B, Downs]),
    Rs.

watch(F) ->
    {P, R} = spawn_monitor(F),
    receive
        {'DOWN', R, process, P, Reason} -> Reason
    after 200 ->
        exit(P, killed_by_test),
        receive {'DOWN', R, process, P, Reason2} -> {after_kill, Reason2} end
    end.
