-module(integer_literals).
-export([main/0]).

main() ->
    R = [16#FF, 8#777, 2#1010, 36#ZZ, $a, $\n, $\s, $\\, $\x41, $\101, $\^A, 1_000_000, 16#dead_beef, 1.5e3, 2.0E-2, 1_0.0_1],
    io:format("~p~n", [R]),
    R.
