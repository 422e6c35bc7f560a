-module(rec_update_errors).
-export([main/0]).
-record(r, {a, b}).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    NotR = {x, 1, 2},
    R = [t(fun() -> NotR#r.a end), t(fun() -> NotR#r{a = 1} end), t(fun() -> #r{a = 1} = #r{a = 2} end)],
    io:format("~p~n", [R]),
    R.
