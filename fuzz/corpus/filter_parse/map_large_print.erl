-module(map_large_print).
-export([main/0]).

main() ->
    M = maps:from_list([{K, K * K} || K <- lists:seq(1, 30)]),
    io:format("~p~n", [M]),
    io:format("~w~n", [M]),
    map_size(M).
