-module(timer_tc_shape).
-export([main/0]).

work(N) -> lists:sum(lists:seq(1, N)).
main() ->
    {T1, V1} = timer:tc(fun() -> work(1000) end),
    {T2, V2} = timer:tc(fun work/1, [100]),
    {T3, V3} = timer:tc(lists, sum, [[1, 2, 3]]),
    ok = timer:sleep(5),
    R = [is_integer(T1) andalso T1 >= 0, V1, is_integer(T2), V2, T3 >= 0, V3, timer:seconds(2), timer:minutes(1), timer:hms(1, 0, 1)],
    io:format("~p~n", [R]),
    R.
