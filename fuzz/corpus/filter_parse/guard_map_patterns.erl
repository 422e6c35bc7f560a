-module(guard_map_patterns).
-export([main/0]).

f(#{type := circle, r := R}) when R > 0 -> {circle, R};
f(#{type := square} = M) when is_map_key(side, M) -> {square, maps:get(side, M)};
f(#{}) -> unknown_map;
f(_) -> not_a_map.
main() ->
    R = [f(#{type => circle, r => 2}), f(#{type => circle, r => 0}), f(#{type => square, side => 3}),
         f(#{type => square}), f(#{}), f([])],
    io:format("~p~n", [R]),
    R.
