-module(order_numbers).
-export([main/0]).

main() ->
    L = [3, -1, 2.5, 1 bsl 70, -(1 bsl 70), 0, 0.0, -0.0, 1.0e30, -1.0e-30, 2, 2.0],
    S = lists:sort(L),
    U = lists:usort(L),
    io:format("~w~n~w~n", [S, U]),
    {S, U}.
