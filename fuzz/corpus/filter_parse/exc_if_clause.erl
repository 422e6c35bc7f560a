-module(exc_if_clause).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

f(X) -> if X > 0 -> pos end.
main() ->
    R = [t(fun() -> f(-1) end), t(fun() -> f(1) end)],
    io:format("~p~n", [R]),
    R.
