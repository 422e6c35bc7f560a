-module(big_factorial).
-export([main/0]).

fact(0) -> 1;
fact(N) -> N * fact(N - 1).
main() ->
    F = fact(60),
    io:format("~p~n~w~n", [F, length(integer_to_list(fact(200)))]),
    {F, fact(25) div fact(23)}.
