-module(exc_badarith).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [t(fun() -> 1 + a end), t(fun() -> 1 / 0 end), t(fun() -> 5 div 0 end), t(fun() -> 5 rem 0 end),
         t(fun() -> 2.0 div 1 end), t(fun() -> 1 bsl a end), t(fun() -> -"x" end), t(fun() -> 1.0 / 0.0 end),
         t(fun() -> math:sqrt(-1) end), t(fun() -> 1.0e308 * 10 end)],
    io:format("~p~n", [R]),
    R.
