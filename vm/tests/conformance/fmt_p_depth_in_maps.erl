-module(fmt_p_depth_in_maps).
-export([main/0]).

main() ->
    M = #{a => #{b => #{c => #{d => [1, 2, 3]}}}, list => lists:seq(1, 10), tuple => {x, {y, {z}}}},
    [io:format("~P~n", [M, D]) || D <- [1, 2, 3, 4, 6, 20]],
    [io:format("~W~n", [M, D]) || D <- [2, 5]],
    ok.
