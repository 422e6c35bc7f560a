-module(order_sort_stability).
-export([main/0]).

main() ->
    L = [{1, a}, {1.0, b}, {0, c}, {1, d}, {0.0, e}],
    R = [lists:sort(L), lists:keysort(1, L), lists:ukeysort(1, L), lists:usort([1, 1.0, 1]), lists:sort(fun({A, _}, {B, _}) -> A =< B end, L),
         lists:sort([1.0, 1]), lists:sort([1, 1.0])],
    io:format("~p~n", [R]),
    R.
