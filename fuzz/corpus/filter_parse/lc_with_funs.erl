-module(lc_with_funs).
-export([main/0]).

main() ->
    Fs = [fun(X) -> X + N end || N <- [1, 2, 3]],
    R = [F(10) || F <- Fs],
    G = [{K, V} || {K, V} <- maps:to_list(#{a => 1, b => 2, c => 3}), V > 1],
    io:format("~p ~p~n", [R, G]),
    {R, G}.
