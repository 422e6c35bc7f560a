-module(bits_unit).
-export([main/0]).

main() ->
    B = <<1:4/unit:8, 2:2/unit:4>>,
    <<A:1/binary-unit:16, R/binary>> = <<1, 2, 3, 4>>,
    <<X:3/integer-unit:4>> = <<16#ABC:12>>,
    io:format("~w ~w ~w ~w~n", [B, A, R, X]),
    {byte_size(B), bit_size(A), X}.
