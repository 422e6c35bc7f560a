-module(float_bignum_mix).
-export([main/0]).

main() ->
    B = 1 bsl 64,
    R = [B * 1.0, B / 3, B + 0.5, float(B) == B, B - float(B), (B * B) / B, trunc(1.0e19), 1.0e19 > B],
    io:format("~p~n", [R]),
    R.
