-module(lists_errors).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [t(fun() -> lists:nth(0, [a]) end), t(fun() -> lists:nth(5, [a]) end), t(fun() -> lists:seq(1, 5, 0) end),
         t(fun() -> lists:sublist(x, 1) end), t(fun() -> lists:foldl(fun(X, A) -> X + A end, 0, [a]) end),
         t(fun() -> lists:split(5, [a]) end), t(fun() -> lists:map(not_fun, [1]) end), t(fun() -> lists:sum([a]) end)],
    io:format("~p~n", [[C || {C, _} <- R]]),
    [C || {C, _} <- R].
