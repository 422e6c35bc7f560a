-module(match_case_bindings).
-export([main/0]).

main() ->
    V = case {1, 2} of
            {X, Y} when X < Y -> Z = X + Y, Z * 2;
            {X, Y} -> Z = X - Y, Z
        end,
    W = if V > 5 -> Q = big, Q; true -> Q = small, Q end,
    io:format("~p ~p ~p~n", [V, W, Q]),
    {V, W, Q}.
