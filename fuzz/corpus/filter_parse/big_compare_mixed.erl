-module(big_compare_mixed).
-export([main/0]).

main() ->
    N = 1 bsl 70,
    R = [N > 1.0e20, N < 1.0e22, N == 1180591620717411303424.0, N + 1 > float(N), -N < -1.0e21,
         lists:sort([N, 1.0e30, -N, 0, 1.0e-5, -1.0e25]), max(N, 1.0e21), min(-N, -1.0e21)],
    io:format("~p~n", [R]),
    R.
