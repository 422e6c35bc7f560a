-module(fmt_tilde_P_W_depth).
-export([main/0]).

main() ->
    T = {a, [1, 2, 3, 4, 5], {b, {c, {d}}}, #{k => v, l => w}, "string", <<1, 2, 3, 4>>},
    [io:format("~P~n~W~n", [T, D, T, D]) || D <- [1, 2, 3, 4, 10]],
    io:format("~P~n", [lists:seq(1, 20), 5]),
    io:format("~P~n", ["a string", 3]),
    ok.
