-module(exc_badarg_bifs).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [t(fun() -> element(0, {a}) end), t(fun() -> element(2, {a}) end), t(fun() -> hd([]) end),
         t(fun() -> tl([]) end), t(fun() -> length([a | b]) end), t(fun() -> atom_to_list("a") end),
         t(fun() -> list_to_integer("1x") end), t(fun() -> binary_to_list(a) end),
         t(fun() -> setelement(3, {a, b}, c) end), t(fun() -> tuple_size([]) end),
         t(fun() -> list_to_atom([256 * 5000]) end), t(fun() -> integer_to_list(1.0) end),
         t(fun() -> list_to_float("1") end), t(fun() -> abs(a) end), t(fun() -> byte_size(a) end)],
    io:format("~p~n", [R]),
    R.
