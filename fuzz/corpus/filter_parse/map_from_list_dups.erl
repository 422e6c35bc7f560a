-module(map_from_list_dups).
-export([main/0]).

main() ->
    R = [maps:from_list([{a, 1}, {a, 2}]), maps:from_list([]), maps:from_keys([x, y], 0), maps:merge(#{a => 1}, #{a => 2, b => 3}),
         maps:put(k, v, #{}), maps:remove(nope, #{a => 1}), maps:take(a, #{a => 1, b => 2}), maps:take(z, #{})],
    io:format("~p~n", [R]),
    R.
