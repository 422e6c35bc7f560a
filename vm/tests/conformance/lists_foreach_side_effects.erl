-module(lists_foreach_side_effects).
-export([main/0]).

main() ->
    lists:foreach(fun(X) -> io:format("item ~p~n", [X]) end, [a, "b", 3]),
    put(sum, 0),
    lists:foreach(fun(X) -> put(sum, get(sum) + X) end, lists:seq(1, 10)),
    maps:foreach(fun(K, V) -> io:format("~p=~p~n", [K, V]) end, #{x => 1, y => 2}),
    get(sum).
