-module(guard_float_int_equality).
-export([main/0]).

f(X) when X == 1 -> eq_one;
f(X) when X =:= 2.0 -> exactly_two_float;
f(_) -> other.
main() ->
    R = [f(1), f(1.0), f(2), f(2.0), f(0.5)],
    io:format("~p~n", [R]),
    R.
