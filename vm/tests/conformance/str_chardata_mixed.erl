-module(str_chardata_mixed).
-export([main/0]).

main() ->
    D = ["ab", <<"cd">>, [$e, [<<"f">>]]],
    R = [string:length(D), string:uppercase(D), string:trim(["  ", <<"x ">>]), string:split(D, "d"),
         string:slice(D, 1, 4), string:equal(D, "abcdef"), unicode:characters_to_list(D), unicode:characters_to_binary(D)],
    io:format("~p~n", [R]),
    R.
