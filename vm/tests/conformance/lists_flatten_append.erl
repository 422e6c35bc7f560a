-module(lists_flatten_append).
-export([main/0]).

main() ->
    R = [lists:flatten([1, [2, [3, [4]], []], 5]), lists:flatten([a, [b]], [c]), lists:append([[1], [2, 3], []]),
         lists:append("ab", "cd"), lists:concat([a, 1, "b", 2.5]), lists:flatlength([1, [2, [3]]]),
         lists:join(", ", ["a", "b", "c"]), lists:join(x, []), [1, 2] ++ [3], [1, 2, 3, 1] -- [1, 3], lists:subtract([a, b, a], [a])],
    io:format("~p~n", [R]),
    R.
