-module(guard_bifs).
-export([main/0]).

g(X) when abs(X) > 5, X rem 2 =:= 0 -> big_even;
g(X) when length(X) > 2 -> long_list;
g(X) when tuple_size(X) =:= 2, element(1, X) =:= ok -> ok_pair;
g(X) when byte_size(X) >= 2, binary_part(X, 0, 1) =:= <<"a">> -> a_bin;
g(X) when map_size(X) > 0, is_map_key(k, X), map_get(k, X) =:= 1 -> k_map;
g(X) when hd(X) =:= 0 -> zero_head;
g(X) when is_function(X, 2) -> fun2;
g(X) when trunc(X) =:= 3 -> three;
g(_) -> other.
main() ->
    R = [g(X) || X <- [-8, 8, 7, [1, 2, 3], [0], {ok, 1}, {err, 1}, <<"ab">>, #{k => 1}, #{k => 2},
                       fun(_, _) -> ok end, 3.7, a]],
    io:format("~p~n", [R]),
    R.
