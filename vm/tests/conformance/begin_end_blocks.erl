-module(begin_end_blocks).
-export([main/0]).

main() ->
    X = begin A = 1, B = 2, A + B end,
    Y = [begin Z = N * N, Z + 1 end || N <- [1, 2, 3]],
    W = case begin 1 + 1 end of 2 -> two; _ -> other end,
    io:format("~p ~p ~p~n", [X, Y, W]),
    {X, Y, W}.
