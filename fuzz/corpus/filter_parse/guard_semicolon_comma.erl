-module(guard_semicolon_comma).
-export([main/0]).

f(X, Y) when X > 0, Y > 0; X < 0, Y < 0 -> same_sign;
f(X, Y) when X =:= 0; Y =:= 0 -> has_zero;
f(_, _) -> mixed.
main() ->
    R = [f(X, Y) || X <- [-1, 0, 1], Y <- [-2, 0, 2]],
    io:format("~w~n", [R]),
    R.
