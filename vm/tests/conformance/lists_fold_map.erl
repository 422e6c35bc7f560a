-module(lists_fold_map).
-export([main/0]).

main() ->
    L = [1, 2, 3, 4, 5],
    R = [lists:map(fun(X) -> X * X end, L), lists:foldl(fun(X, A) -> X + A end, 0, L), lists:foldr(fun(X, A) -> [X | A] end, [], L),
         lists:mapfoldl(fun(X, A) -> {X * 2, A + X} end, 0, L), lists:mapfoldr(fun(X, A) -> {-X, [X | A]} end, [], L),
         lists:filtermap(fun(X) when X > 3 -> {true, X * 10}; (X) -> X =:= 1 end, L), lists:flatmap(fun(X) -> [X, X] end, [a, b])],
    io:format("~p~n", [R]),
    R.
