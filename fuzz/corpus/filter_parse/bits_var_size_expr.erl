-module(bits_var_size_expr).
-export([main/0]).

main() ->
    N = 3,
    B = <<7:(N * 2), 1:(N + 1)>>,
    <<A:(N * 2), C/bits>> = B,
    Bytes = 2,
    <<D:Bytes/binary, _/binary>> = <<"abcdef">>,
    io:format("~w ~w ~w ~w~n", [B, A, C, D]),
    {bit_size(B), A, D}.
