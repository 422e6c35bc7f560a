-module(order_tuples_lists).
-export([main/0]).

main() ->
    L = [{b, 1}, {a, 2}, {a}, {a, 1, 0}, [b], [a, b], [a], "abc", "abd", "ab", {}, [[]], [[a]]],
    S = lists:sort(L),
    io:format("~p~n", [S]),
    S.
