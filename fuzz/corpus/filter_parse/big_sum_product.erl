-module(big_sum_product).
-export([main/0]).

main() ->
    S = lists:sum(lists:seq(1, 100000)),
    P = lists:foldl(fun(X, A) -> X * A end, 1, lists:seq(1, 30)),
    io:format("~p ~p~n", [S, P]),
    {S, P, P div S}.
