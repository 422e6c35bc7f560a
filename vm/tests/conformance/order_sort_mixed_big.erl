-module(order_sort_mixed_big).
-export([main/0]).

main() ->
    L = [{1, b}, {1.0, a}, [1 | 2], [1, 2], "ab", <<"ab">>, 'ab', 1 bsl 80, 1.0e24, -1.0e24, -(1 bsl 80), #{1 => 1}, #{a => 0}, {}, [], 0],
    S = lists:sort(L),
    io:format("~p~n", [S]),
    {S, lists:usort(L) =:= S}.
