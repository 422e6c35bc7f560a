-module(fmt_tilde_p_improper_and_nested).
-export([main/0]).

main() ->
    io:format("~p~n", [[1, 2 | 3]]),
    io:format("~p~n", [[a, "b" | <<"c">>]]),
    io:format("~p~n", [[[[[[[[[[[]]]]]]]]]]]),
    io:format("~p~n", [[{x, [lists:seq(1, 10) | tail]} || _ <- lists:seq(1, 3)]]),
    ok.
