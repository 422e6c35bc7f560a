-module(bits_default_types).
-export([main/0]).

main() ->
    X = 300, S = <<"s">>,
    B = <<X, S/binary, 2.0/float, X:16>>,
    <<A, Rest/binary>> = B,
    io:format("~w ~w~n", [B, A]),
    {byte_size(B), A, byte_size(Rest), <<>> =:= <<>>, <<0:0>>}.
