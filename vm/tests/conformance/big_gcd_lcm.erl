-module(big_gcd_lcm).
-export([main/0]).

gcd(A, 0) -> abs(A);
gcd(A, B) -> gcd(B, A rem B).
lcm(A, B) -> abs(A * B) div gcd(A, B).
main() ->
    R = [gcd(1071, 462), gcd(1 bsl 100, 3 bsl 50), lcm(4, 6), lists:foldl(fun lcm/2, 1, lists:seq(1, 40)),
         gcd(-48, 18)],
    io:format("~p~n", [R]),
    R.
