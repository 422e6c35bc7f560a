-module(order_atoms).
-export([main/0]).

main() ->
    L = ['Zeta', alpha, 'alpha beta', '', 'é', z, a1, 'A', '_'],
    S = lists:sort(L),
    io:format("~p~n", [S]),
    S.
