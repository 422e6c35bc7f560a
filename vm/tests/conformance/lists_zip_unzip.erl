-module(lists_zip_unzip).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [lists:zip([1, 2, 3], [a, b, c]), lists:unzip([{1, a}, {2, b}]), lists:zip3([1, 2], [a, b], [x, y]),
         lists:unzip3([{1, a, x}, {2, b, y}]), lists:zipwith(fun(A, B) -> A + B end, [1, 2], [10, 20]),
         lists:zipwith3(fun(A, B, C) -> A * B * C end, [1, 2], [3, 4], [5, 6])],
    io:format("~p~n", [R]),
    {R, t(fun() -> lists:zip([1], [a, b]) end)}.
