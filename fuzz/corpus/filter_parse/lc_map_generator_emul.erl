-module(lc_map_generator_emul).
-export([main/0]).

main() ->
    M = #{x => 1, y => 2, z => 3},
    R = [{K, V * 10} || {K, V} <- lists:sort(maps:to_list(M))],
    N = maps:from_list([{V, K} || {K, V} <- maps:to_list(M)]),
    io:format("~p ~p~n", [R, N]),
    {R, N}.
