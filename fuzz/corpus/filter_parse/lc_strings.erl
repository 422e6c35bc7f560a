-module(lc_strings).
-export([main/0]).

main() ->
    S = "Hello, World",
    R = [[C || C <- S, C >= $a, C =< $z], [C - 32 || C <- "abc"], [[C] || C <- "xyz"],
         string:join([[C] || C <- "abc"], "-"), [length(W) || W <- string:tokens("a bb ccc", " ")]],
    io:format("~p~n", [R]),
    R.
