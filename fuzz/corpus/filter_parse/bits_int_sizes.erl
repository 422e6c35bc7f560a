-module(bits_int_sizes).
-export([main/0]).

main() ->
    Vals = [0, 1, 255, 256, -1, -128, 65535, 1 bsl 40],
    R = [{V, <<V:8>>, <<V:16>>, <<V:3>>, <<V:12>>} || V <- Vals],
    io:format("~w~n", [R]),
    length(R).
