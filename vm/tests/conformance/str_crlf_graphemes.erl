-module(str_crlf_graphemes).
-export([main/0]).

main() ->
    S = "line1\r\nline2\r\n",
    R = [string:length(S), length(S), string:split(S, "\r\n", all), string:trim(S), string:next_grapheme("\r\nx"),
         string:to_graphemes("a\r\nb"), string:reverse("ab\r\n"), string:chomp("text\r\n"), string:chomp("text\n\n")],
    io:format("~p~n", [R]),
    R.
