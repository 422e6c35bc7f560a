-module(lc_shadowing_and_scope).
-export([main/0]).

main() ->
    X = 10,
    A = [X || X <- [1, 2, 3]],
    B = [X + Y || Y <- [1, 2]],
    C = [{X, Z} || Z <- [X], X > 5],
    io:format("~p ~p ~p ~p~n", [A, B, C, X]),
    {A, B, C, X}.
