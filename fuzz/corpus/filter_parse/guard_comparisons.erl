-module(guard_comparisons).
-export([main/0]).

c(X, Y) -> [X == Y, X /= Y, X =:= Y, X =/= Y, X < Y, X =< Y, X > Y, X >= Y].
main() ->
    R = [c(1, 1.0), c(1, 2), c(a, b), c({1}, {1.0}), c([1], [1]), c(<<1>>, <<1>>), c(1, a)],
    io:format("~w~n", [R]),
    R.
