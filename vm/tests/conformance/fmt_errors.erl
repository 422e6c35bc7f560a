-module(fmt_errors).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [t(fun() -> io_lib:format("~d", [1]) end), t(fun() -> io_lib:format("~p", []) end), t(fun() -> io_lib:format("~s", [1]) end),
         t(fun() -> io_lib:format("~p~p", [a]) end), t(fun() -> io_lib:format("~w", [a, b]) end), t(fun() -> io_lib:format("~c", [a]) end),
         t(fun() -> io_lib:format("~e", [1]) end), t(fun() -> io_lib:format(not_format, []) end)],
    io:format("~p~n", [[C || {C, _} <- R]]),
    [case X of {C, _} when is_atom(C) -> C; _ -> returned end || X <- R].
