-module(match_basic).
-export([main/0]).

main() ->
    {A, B} = {1, 2},
    [H | T] = [x, y, z],
    {ok, {nested, [First | _]}} = {ok, {nested, [deep, er]}},
    X = Y = 42,
    {_, _, Third} = {1, 2, 3},
    "pre" ++ Suffix = "prefix",
    io:format("~p~n", [[A, B, H, T, First, X, Y, Third, Suffix]]),
    [A, B, H, T, First, X, Y, Third, Suffix].
