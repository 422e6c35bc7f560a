-module(fmt_tilde_p_binaries_long).
-export([main/0]).

main() ->
    B1 = list_to_binary(lists:duplicate(120, $z)),
    B2 = list_to_binary(lists:seq(1, 120)),
    B3 = list_to_binary(lists:duplicate(30, "text ")),
    io:format("~p~n~p~n~p~n", [B1, B2, B3]),
    io:format("~p~n", [[B3, {B3}]]),
    io:format("~P~n", [B2, 5]),
    ok.
