-module(ops_list_subtract_append).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [[1, 2, 3, 2, 1] -- [2], [a, b, c] -- [c, a], "hello" -- "l", [1, 2] -- [], [] -- [1], [1, 1.0, 1] -- [1.0],
         [1 | [2]] ++ [], "" ++ "x", [[1]] ++ [[2]], lists:seq(1, 5) -- lists:seq(2, 4)],
    io:format("~p~n", [R]),
    {R, t(fun() -> a ++ [b] end), t(fun() -> [1] -- a end)}.
