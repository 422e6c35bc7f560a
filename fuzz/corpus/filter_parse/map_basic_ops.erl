-module(map_basic_ops).
-export([main/0]).

main() ->
    M = #{a => 1, b => 2},
    M2 = M#{c => 3, a => 10},
    M3 = M2#{b := 20},
    #{a := A, c := C} = M3,
    R = [M, M2, M3, A, C, maps:get(a, M), maps:find(z, M), maps:is_key(b, M), map_size(M3), maps:keys(M3), maps:values(M3)],
    io:format("~p~n", [R]),
    R.
