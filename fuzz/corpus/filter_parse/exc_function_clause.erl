-module(exc_function_clause).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

f(1) -> one;
f(a) -> a.
main() ->
    R = [t(fun() -> f(2) end), t(fun() -> (fun(x) -> ok end)(y) end), t(fun() -> f(a) end)],
    io:format("~p~n", [R]),
    R.
