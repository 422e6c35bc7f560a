-module(lc_basic).
-export([main/0]).

main() ->
    R = [[X * X || X <- lists:seq(1, 10)], [X || X <- lists:seq(1, 20), X rem 3 =:= 0],
         [{X, Y} || X <- [1, 2, 3], Y <- [a, b], X =/= 2], [X || {X, ok} <- [{1, ok}, {2, err}, {3, ok}, bad]],
         [H || [H | _] <- [[1], [], [2, 3], x]], [X + Y || X <- [1, 2], Y <- [X, X * 10]]],
    io:format("~p~n", [R]),
    R.
