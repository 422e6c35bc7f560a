-module(lc_nested_and_filters).
-export([main/0]).

pyth(N) -> [{A, B, C} || A <- lists:seq(1, N), B <- lists:seq(A, N), C <- lists:seq(B, N), A * A + B * B =:= C * C].
main() ->
    P = pyth(30),
    Q = [[{I, J} || J <- lists:seq(1, I)] || I <- lists:seq(1, 4)],
    io:format("~p~n~p~n", [P, Q]),
    {length(P), Q}.
