-module(fmt_tilde_p_lists).
-export([main/0]).

main() ->
    io:format("~p~n", [lists:seq(1, 60)]),
    io:format("~p~n", [[lists:seq(1, 12) || _ <- lists:seq(1, 4)]]),
    io:format("~p~n", [[{N, integer_to_list(N * 1000)} || N <- lists:seq(1, 12)]]),
    ok.
