-module(exc_badrecord_and_badmap).
-export([main/0]).
-record(r, {a}).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    NotMap = [1], NotRec = {q, 1},
    R = [t(fun() -> NotMap#{a => 1} end), t(fun() -> NotRec#r.a end), t(fun() -> maps:get(a, NotMap) end),
         t(fun() -> #{a := X} = NotMap, X end), t(fun() -> map_size(NotMap) end)],
    io:format("~p~n", [R]),
    R.
