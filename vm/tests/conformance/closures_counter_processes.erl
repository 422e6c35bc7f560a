-module(closures_counter_processes).
-export([main/0]).

make_counter() ->
    Pid = spawn(fun() -> counter(0) end),
    {fun() -> Pid ! {inc, self()}, receive {count, N} -> N end end, fun() -> Pid ! stop end}.
counter(N) ->
    receive
        {inc, From} -> From ! {count, N + 1}, counter(N + 1);
        stop -> ok
    end.
main() ->
    {Inc, Stop} = make_counter(),
    R = [Inc() || _ <- lists:seq(1, 5)],
    Stop(),
    io:format("~p~n", [R]),
    R.
