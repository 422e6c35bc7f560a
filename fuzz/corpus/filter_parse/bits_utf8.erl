-module(bits_utf8).
-export([main/0]).

main() ->
    B = <<"é"/utf8, 16#1F600/utf8, $a/utf8>>,
    <<C1/utf8, C2/utf8, C3/utf8>> = B,
    Cs = [C || <<C/utf8>> <= <<"åäö"/utf8>>],
    Bad = try <<X/utf8>> = <<255>>, X catch error:E -> E end,
    io:format("~w~n~w~n", [B, Cs]),
    {C1, C2, C3, byte_size(B), Bad}.
