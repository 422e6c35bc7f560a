-module(bits_integer_overflow_trunc).
-export([main/0]).

main() ->
    R = [<<256:8>>, <<-1:16>>, <<(1 bsl 70):8>>, <<16#ABCD:4>>, <<-129:8/signed>>],
    Back = [X || <<X:8>> <= <<256:8, 511:8>>],
    io:format("~w ~w~n", [R, Back]),
    {R, Back}.
