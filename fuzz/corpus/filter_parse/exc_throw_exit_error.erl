-module(exc_throw_exit_error).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [t(fun() -> throw(ball) end), t(fun() -> exit(bye) end), t(fun() -> error(oops) end),
         t(fun() -> error({complex, [1, 2]}) end), t(fun() -> exit({shutdown, x}) end),
         t(fun() -> throw({nested, {deep}}) end), t(fun() -> erlang:error(badarg, [1]) end)],
    io:format("~p~n", [R]),
    R.
