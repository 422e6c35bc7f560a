-module(str_basic).
-export([main/0]).

main() ->
    S = "  Hello, World  ",
    R = [string:trim(S), string:trim(S, leading), string:trim(S, trailing), string:uppercase(S), string:lowercase(S),
         string:length(S), string:reverse("abc"), string:is_empty(""), string:is_empty(S), string:titlecase("hello"),
         string:casefold("HeLLo"), string:equal("abc", "ABC", true), string:equal("a", "b")],
    io:format("~p~n", [R]),
    R.
