-module(big_bitops_negative).
-export([main/0]).

main() ->
    N = -(1 bsl 80) + 12345,
    R = [N band 16#FFFF, N bor 1, N bxor -1, bnot N, N bsr 70, N bsl 3, -1 bsr 100, (1 bsl 80) bsr 79],
    io:format("~p~n", [R]),
    R.
