-module(exc_error_with_args).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

f(X) -> erlang:error(custom_reason, [X]).
main() ->
    R = [t(fun() -> f(1) end), t(fun() -> erlang:error({tuple, reason}, [a, b]) end), t(fun() -> exit(normal) end),
         t(fun() -> throw([]) end), t(fun() -> error([]) end)],
    io:format("~p~n", [R]),
    R.
