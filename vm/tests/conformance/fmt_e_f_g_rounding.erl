-module(fmt_e_f_g_rounding).
-export([main/0]).

main() ->
    L = [0.5, 1.5, 2.5, 0.125, 0.375, 1.005, 2.675, 1.0e-5, 9.5e-5, 0.45, 0.55, 99.995, 0.0005],
    [io:format("~.2e ~.3e ~.2f ~.3f ~.1g ~.2g~n", [X, X, X, X, X, X]) || X <- L] =/= ok,
    length(L).
