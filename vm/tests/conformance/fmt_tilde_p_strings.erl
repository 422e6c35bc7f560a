-module(fmt_tilde_p_strings).
-export([main/0]).

main() ->
    io:format("~p~n", [["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]]),
    io:format("~p~n", [lists:duplicate(5, "a string long enough to wrap the line when repeated")]),
    io:format("~p ~p ~p ~p~n", ["", [], "a\nb", [7, 8, 9, 10]]),
    io:format("~p~n", [{"tab\there", "quote\"s", "back\\slash", [0, 1, 2]}]),
    ok.
