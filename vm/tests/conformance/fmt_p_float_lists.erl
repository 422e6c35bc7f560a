-module(fmt_p_float_lists).
-export([main/0]).

main() ->
    L = [X / 7 || X <- lists:seq(1, 25)],
    io:format("~p~n", [L]),
    io:format("~p~n", [[{X, X * 1.0e-5, X * 1.0e20} || X <- [1, 2, 3]]]),
    length(L).
