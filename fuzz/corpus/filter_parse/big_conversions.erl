-module(big_conversions).
-export([main/0]).

main() ->
    N = 1 bsl 100,
    R = [integer_to_list(N), integer_to_list(N, 16), integer_to_list(-N, 36), list_to_integer("123456789012345678901234567890"),
         list_to_integer("-ffffffffffffffffffff", 16), integer_to_binary(N), binary_to_integer(<<"99999999999999999999">>),
         float(N), trunc(1.0e20), round(1.0e25), N == float(N), N =:= float(N)],
    io:format("~p~n", [R]),
    R.
