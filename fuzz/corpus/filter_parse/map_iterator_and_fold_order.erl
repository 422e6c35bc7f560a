-module(map_iterator_and_fold_order).
-export([main/0]).

main() ->
    M = #{c => 3, a => 1, b => 2},
    I = maps:iterator(M),
    {K1, V1, I2} = maps:next(I),
    {K2, V2, _} = maps:next(I2),
    L = maps:to_list(M),
    io:format("~p ~p ~p ~p ~p~n", [K1, V1, K2, V2, L]),
    {K1, K2, L}.
