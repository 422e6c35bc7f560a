-module(exc_case_clause).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

f(X) -> case X of 1 -> one; 2 -> two end.
main() ->
    R = [t(fun() -> f(3) end), t(fun() -> f({x, [1]}) end), t(fun() -> f(1) end)],
    io:format("~p~n", [R]),
    R.
