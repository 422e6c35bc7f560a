-module(conc_timer_tc_shapes).
-export([main/0, work/2]).

%% timer:tc/1,2,3 return {Microseconds, Value}; the time is a non-negative integer and
%% covers a sleep inside the call.
main() ->
    {T1, V1} = timer:tc(fun() -> lists:sum(lists:seq(1, 100)) end),
    {T2, V2} = timer:tc(fun(A, B) -> A * B end, [6, 7]),
    {T3, V3} = timer:tc(?MODULE, work, [3, 4]),
    {T4, V4} = timer:tc(fun() -> timer:sleep(20), slept end),
    R = [is_integer(T) andalso T >= 0 || T <- [T1, T2, T3, T4]],
    io:format("~p ~p ~p~n", [R, [V1, V2, V3, V4], T4 >= 20000]),
    Exc = try timer:tc(fun() -> error(inside) end) catch C:E -> {C, E} end,
    io:format("~p~n", [Exc]),
    S = timer:sleep(1),
    io:format("~p~n", [S]),
    [V1, V2, V3, V4].

work(A, B) -> {A + B, A * B}.
