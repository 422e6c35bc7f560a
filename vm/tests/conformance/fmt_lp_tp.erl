-module(fmt_lp_tp).
-export([main/0]).

main() ->
    L = [104, 101, 108, 108, 111],
    io:format("~p ~lp ~tp ~w~n", [L, L, L, L]),
    io:format("~p ~tp~n", [[1000, 1001], [1000, 1001]]),
    io:format("~lp~n", [[{k, "value"}, "str"]]),
    io:format("~p~n", [[255, 254, 253]]),
    ok.
