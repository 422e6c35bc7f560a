-module(big_arith).
-export([main/0]).

main() ->
    A = 123456789012345678901234567890, B = 987654321098765432109876543210,
    R = [A + B, A - B, A * B, B div A, B rem A, -A div 7, -A rem 7, A * A * A, abs(-A), A bsl 10, A bsr 10,
         A band B, A bor B, A bxor B, bnot A],
    io:format("~p~n", [R]),
    R.
