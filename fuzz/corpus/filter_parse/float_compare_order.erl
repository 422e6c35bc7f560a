-module(float_compare_order).
-export([main/0]).

main() ->
    R = [1 < 1.5, 1.0 == 1, 1.0 =:= 1, 0.0 == -0.0, 0.0 =:= -0.0, lists:sort([2, 1.0, 1, 0.5, -0.0, 0]),
         lists:usort([1, 1.0, 2.0, 2]), max(1, 1.0), min(1, 1.0), max(1.0, 1), 1 =< 1.0],
    io:format("~p~n", [R]),
    R.
