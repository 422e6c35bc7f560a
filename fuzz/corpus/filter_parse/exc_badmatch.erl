-module(exc_badmatch).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [t(fun() -> {a, B} = {b, 1}, B end), t(fun() -> [_] = [1, 2] end), t(fun() -> 1 = 2 end),
         t(fun() -> <<_:8>> = <<1, 2>> end), t(fun() -> #{k := _} = #{} end)],
    io:format("~p~n", [R]),
    R.
