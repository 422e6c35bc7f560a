-module(lists_min_max_sum).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [lists:max([3, 1, 4]), lists:min([3, 1, 4]), lists:max([a, 1, "z"]), lists:min([{1}, [], 0.5]),
         lists:sum([1, 2.5, 3]), lists:sum([]), lists:prefix([1, 2], [1, 2, 3]), lists:suffix([3], [1, 2, 3]),
         lists:member(2.0, [1, 2, 3]), lists:member(2, [1, 2, 3]), lists:delete(b, [a, b, c, b]), lists:reverse([1, 2], [x])],
    io:format("~p~n", [R]),
    {R, t(fun() -> lists:max([]) end), t(fun() -> lists:last([]) end)}.
