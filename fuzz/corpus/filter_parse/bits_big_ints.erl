-module(bits_big_ints).
-export([main/0]).

main() ->
    N = 1 bsl 100 + 12345,
    B = <<N:128>>, <<M:128>> = B,
    <<Neg:72/signed>> = <<-N:72/signed>>,
    L = <<N:128/little>>, <<ML:128/little>> = L,
    io:format("~w~n~w~n", [B, L]),
    {M =:= N, Neg, ML =:= N, <<(1 bsl 64 - 1):64>>}.
