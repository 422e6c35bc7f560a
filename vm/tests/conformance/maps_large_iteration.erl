-module(maps_large_iteration).
-export([main/0]).

main() ->
    M = maps:from_list([{K, K * 2} || K <- lists:seq(1, 100)]),
    Sum = maps:fold(fun(_, V, A) -> V + A end, 0, M),
    Keys = lists:sort(maps:keys(M)),
    F = maps:filter(fun(K, _) -> K rem 10 =:= 0 end, M),
    io:format("~p ~p ~p ~p~n", [Sum, length(Keys), lists:sort(maps:to_list(F)), map_size(M)]),
    {Sum, map_size(F)}.
