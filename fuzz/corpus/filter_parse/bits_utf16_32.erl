-module(bits_utf16_32).
-export([main/0]).

main() ->
    B16 = <<16#1F600/utf16, $a/utf16-little>>,
    B32 = <<16#1F600/utf32, $b/utf32-little>>,
    <<A/utf16, B/utf16-little>> = B16,
    <<C/utf32, D/utf32-little>> = B32,
    io:format("~w~n~w~n", [B16, B32]),
    {A, B, C, D}.
