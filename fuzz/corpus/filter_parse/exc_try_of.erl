-module(exc_try_of).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

f(X) ->
    try 10 div X of
        5 -> five;
        N when N > 5 -> {big, N};
        N -> {small, N}
    catch
        error:badarith -> div_zero
    end.
main() ->
    R = [f(2), f(1), f(3), f(0)],
    E = t(fun() -> try ok of nomatch -> x catch _:_ -> caught end end),
    io:format("~p ~p~n", [R, E]),
    {R, E}.
