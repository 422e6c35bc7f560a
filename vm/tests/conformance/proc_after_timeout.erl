-module(proc_after_timeout).
-export([main/0]).

main() ->
    T0 = erlang:monotonic_time(millisecond),
    R = receive never -> no after 50 -> timed_out end,
    Elapsed = erlang:monotonic_time(millisecond) - T0,
    io:format("~p ~p~n", [R, Elapsed >= 50]),
    {R, Elapsed >= 50}.
