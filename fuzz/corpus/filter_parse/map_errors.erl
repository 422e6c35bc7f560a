-module(map_errors).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    M = #{a => 1},
    R = [t(fun() -> M#{b := 2} end), t(fun() -> maps:get(b, M) end), t(fun() -> #{b := _} = M end),
         t(fun() -> (list_to_atom("x"))#{a => 1} end), t(fun() -> maps:update(z, 1, M) end), t(fun() -> maps:remove(a, not_map) end)],
    io:format("~p~n", [R]),
    R.
