-module(lc_quicksort).
-export([main/0]).

qs([]) -> [];
qs([P | T]) -> qs([X || X <- T, X < P]) ++ [P] ++ qs([X || X <- T, X >= P]).
perms([]) -> [[]];
perms(L) -> [[H | T] || H <- L, T <- perms(L -- [H])].
main() ->
    S = qs([5, 3, 8, 1, 9, 2, 7, 3, 0]),
    P = perms([a, b, c]),
    io:format("~p~n~p~n", [S, P]),
    {S, P}.
