-module(fmt_integers_bases).
-export([main/0]).

main() ->
    Ns = [0, 7, 255, -255, 65535, 1234567],
    [io:format("~b ~.2b ~.8b ~.16b ~.16B ~.36B ~#~n", [N, N, N, N, N, N, N]) || N <- Ns],
    [io:format("~x ~X ~.16x ~+ ~.2+~n", [N, "0x", N, "#", N, "$", N, N]) || N <- Ns],
    io:format("[~8b] [~-8b] [~8.16.0B] [~.10.xb]~n", [42, 42, 255, 7]),
    ok.
