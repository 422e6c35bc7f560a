-module(bits_string_literals).
-export([main/0]).

main() ->
    B = <<"abc", "def", $g, "h":8>>,
    L = <<"é"/utf8, "é">>,
    <<"ab", R/binary>> = <<"abcd">>,
    io:format("~p ~p ~p~n", [B, L, R]),
    {B, L, R, <<"x"/utf16>>, <<"yz"/utf32>>}.
