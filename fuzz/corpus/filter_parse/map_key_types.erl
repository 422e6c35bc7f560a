-module(map_key_types).
-export([main/0]).

main() ->
    M = #{1 => int, 1.0 => float, "1" => string, <<"1">> => binary, {1} => tuple, [1] => list, '1' => atom},
    R = [maps:get(1, M), maps:get(1.0, M), map_size(M), lists:sort(maps:keys(M))],
    io:format("~p~n~p~n", [M, R]),
    R.
