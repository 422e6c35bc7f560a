-module(big_pow).
-export([main/0]).

pow(_, 0) -> 1;
pow(B, E) when E rem 2 =:= 0 -> H = pow(B, E div 2), H * H;
pow(B, E) -> B * pow(B, E - 1).
main() ->
    R = [pow(2, 64), pow(2, 64) - 1, pow(3, 50), pow(-7, 33), pow(10, 40) + 1, 1 bsl 200],
    io:format("~p~n", [R]),
    R.
