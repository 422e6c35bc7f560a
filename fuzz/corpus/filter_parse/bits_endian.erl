-module(bits_endian).
-export([main/0]).

main() ->
    B1 = <<16#01020304:32/big>>, B2 = <<16#01020304:32/little>>,
    <<X:16/little, Y:16/big>> = B1,
    <<S:32/signed-little>> = <<255, 255, 255, 255>>,
    io:format("~w ~w ~w ~w ~w~n", [B1, B2, X, Y, S]),
    <<N:24/native>> = <<1, 2, 3>>,
    {X, Y, S, is_integer(N)}.
