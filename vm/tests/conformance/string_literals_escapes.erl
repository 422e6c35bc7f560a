-module(string_literals_escapes).
-export([main/0]).

main() ->
    S = "tab\there\nnew \"quoted\" back\\slash \x41\x{42} \101 \s\e\d\b\f\v\r end",
    C = "concat" "enated" " strings",
    io:format("~p~n~w~n~s~n", [S, S, C]),
    {length(S), C}.
