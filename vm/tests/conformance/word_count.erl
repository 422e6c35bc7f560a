-module(word_count).
-export([main/0]).

count(Text) ->
    Words = string:lexemes(string:lowercase(Text), " .,;\n"),
    lists:foldl(fun(W, M) -> maps:update_with(W, fun(C) -> C + 1 end, 1, M) end, #{}, Words).
main() ->
    M = count("The cat and the hat. The end; and so on.\nCat."),
    Sorted = lists:sort(fun({A, X}, {B, Y}) -> {Y, A} =< {X, B} end, maps:to_list(M)),
    io:format("~p~n", [Sorted]),
    Sorted.
