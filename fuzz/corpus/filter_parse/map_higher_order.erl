-module(map_higher_order).
-export([main/0]).

main() ->
    M = #{a => 1, b => 2, c => 3, d => 4},
    R = [maps:map(fun(_, V) -> V * V end, M), maps:filter(fun(_, V) -> V rem 2 =:= 0 end, M),
         maps:fold(fun(K, V, Acc) -> [{K, V} | Acc] end, [], M), maps:filtermap(fun(a, _) -> false; (_, V) -> {true, -V} end, M),
         maps:with([a, c, z], M), maps:without([a, c], M), maps:update_with(a, fun(V) -> V + 100 end, M),
         maps:update_with(z, fun(V) -> V end, 0, M), maps:merge_with(fun(_, X, Y) -> X + Y end, M, #{a => 10, e => 5}),
         maps:groups_from_list(fun(X) -> X rem 2 end, [1, 2, 3, 4, 5])],
    io:format("~p~n", [R]),
    R.
