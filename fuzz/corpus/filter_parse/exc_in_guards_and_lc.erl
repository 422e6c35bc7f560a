-module(exc_in_guards_and_lc).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    L = [X || X <- [1, a, 2.5, "s"], X * 2 > 2],
    R = t(fun() -> [X * 2 || X <- [1, a]] end),
    G = t(fun() -> [X || X <- not_a_list] end),
    io:format("~p ~p ~p~n", [L, R, G]),
    {L, R, G}.
