-module(map_pattern_variants).
-export([main/0]).

f(#{} = M) when map_size(M) =:= 0 -> empty;
f(#{k := 1}) -> k1;
f(#{k := V}) -> {k, V};
f(#{}) -> other.
main() ->
    K = k,
    #{K := V} = #{k => bound},
    R = [f(#{}), f(#{k => 1}), f(#{k => 2}), f(#{j => 1}), V],
    io:format("~p~n", [R]),
    R.
