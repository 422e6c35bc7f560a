-module(fmt_tilde_p_column).
-export([main/0]).

main() ->
    T = [{key, "value"}, {another_key, [1, 2, 3, 4, 5]}, {third, {x, y, z}}, {fourth, <<"bin">>}],
    io:format("prefix: ~p~n", [T]),
    io:format("a much longer prefix that pushes the column: ~p~n", [T]),
    io:format("~p ~p~n", [T, T]),
    io:format("~50p|~n", [T]),
    io:format("~30p|~n", [T]),
    ok.
