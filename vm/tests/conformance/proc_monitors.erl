-module(proc_monitors).
-export([main/0]).

main() ->
    P = spawn(fun() -> receive go -> exit(done_here) end end),
    Ref = monitor(process, P),
    P ! go,
    R = receive {'DOWN', Ref, process, P, Reason} -> Reason after 1000 -> timeout end,
    Ref2 = monitor(process, P),
    R2 = receive {'DOWN', Ref2, process, P, Reason2} -> Reason2 after 1000 -> timeout end,
    io:format("~p ~p~n", [R, R2]),
    {R, R2}.
