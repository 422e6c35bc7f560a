-module(big_integer_printing).
-export([main/0]).

main() ->
    Ns = [1 bsl 63, (1 bsl 63) - 1, -(1 bsl 63), 1 bsl 64, 1 bsl 128, -(1 bsl 200) + 1, 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10 * 10],
    [io:format("~p ~w ~b ~.16B ~20.36b|~n", [N, N, N, N, N]) || N <- Ns],
    io:format("~p~n", [Ns]),
    length(Ns).
