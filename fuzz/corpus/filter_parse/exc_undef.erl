-module(exc_undef).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    M = nonexistent_module_xyz, F = foo,
    R = [t(fun() -> M:F() end), t(fun() -> lists:no_such_function(1) end),
         t(fun() -> erlang:apply(M, F, [1, 2]) end)],
    io:format("~p~n", [R]),
    R.
