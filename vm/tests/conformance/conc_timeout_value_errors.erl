-module(conc_timeout_value_errors).
-export([main/0]).

%% Bad `after` values raise timeout_value; bad timer arguments raise badarg.
main() ->
    Bad = [-1, a, 1.5, "10", {10}],
    R1 = [try receive never -> ok after T -> timeout end catch C:E -> {C, E} end || T <- Bad],
    io:format("~p~n", [R1]),
    R2 = [try erlang:send_after(T, self(), x) catch C:E -> {C, E} end || T <- [-1, a, 1.5]],
    io:format("~p~n", [R2]),
    R3 = [try erlang:start_timer(T, self(), x) catch C:E -> {C, E} end || T <- [-5, foo]],
    io:format("~p~n", [R3]),
    R4 = [try erlang:send_after(10, Dest, x) catch C:E -> {C, E} end || Dest <- [42, "name", {a, b, c}]],
    io:format("~p~n", [R4]),
    {R1, R2, R3, R4}.
