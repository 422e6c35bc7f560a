-module(str_old_api).
-export([main/0]).

main() ->
    R = [string:tokens("a,b;;c", ",;"), string:join(["x", "y", "z"], ", "), string:substr("hello", 2, 3), string:substr("hello", 3),
         string:chr("hello", $l), string:rchr("hello", $l), string:str("hello", "ll"), string:rstr("hello hello", "ll"),
         string:left("ab", 5), string:right("ab", 5, $.), string:centre("ab", 6), string:copies("ab", 3),
         string:words("a b  c"), string:sub_word("a b c", 2), string:strip("  x  "), string:strip("xxaxx", both, $x),
         string:to_upper("abcé"), string:to_lower("ABCÉ"), string:span("123abc", "0123456789"), string:cspan("abc123", "0123456789"),
         string:len("abc"), string:concat("ab", "cd"), string:sub_string("hello", 2, 4)],
    io:format("~p~n", [R]),
    R.
