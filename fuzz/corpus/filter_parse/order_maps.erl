-module(order_maps).
-export([main/0]).

main() ->
    L = [#{b => 1}, #{a => 2}, #{a => 1}, #{a => 1, b => 1}, #{}, #{1 => a}, #{1.0 => a}, #{c => 0}],
    S = lists:sort(L),
    io:format("~p~n", [S]),
    {S, #{1 => a} < #{1.0 => a}, #{a => 1} < #{b => 0}}.
