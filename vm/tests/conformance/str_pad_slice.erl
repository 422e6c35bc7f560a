-module(str_pad_slice).
-export([main/0]).

main() ->
    R = [string:pad("abc", 6), string:pad("abc", 6, leading), string:pad("abc", 7, both, $*), string:pad("abcdef", 3),
         string:slice("hello", 1), string:slice("hello", 1, 3), string:slice("hello", 10), string:slice(<<"hello">>, 2, 2),
         string:take("aaabbb", "a"), string:take("aaabbb", "a", true), string:take("abc  ", " ", false, trailing)],
    io:format("~p~n", [R]),
    R.
