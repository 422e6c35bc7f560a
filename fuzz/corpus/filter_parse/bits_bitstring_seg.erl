-module(bits_bitstring_seg).
-export([main/0]).

main() ->
    B = <<5:3, 1:1, 7:4, 1:2>>,
    <<A:3, Rest/bits>> = B,
    <<C:1, D/bitstring>> = Rest,
    io:format("~w ~w ~w~n", [B, Rest, D]),
    {A, C, bit_size(B), bit_size(D), <<D/bits, 0:6>>, is_bitstring(D), is_binary(D)}.
