-module(match_literals).
-export([main/0]).

f(0) -> zero;
f(1.0) -> float_one;
f("str") -> string;
f(<<"bin">>) -> binary;
f(atom) -> atom;
f([1, 2]) -> list12;
f(#{k := v}) -> map;
f($a) -> char_a;
f(-5) -> neg5;
f(_) -> nomatch.
main() ->
    R = [f(X) || X <- [0, 0.0, 1, 1.0, "str", <<"bin">>, atom, [1, 2], #{k => v}, 97, -5, 5]],
    io:format("~p~n", [R]),
    R.
