-module(catch_and_throw_values).
-export([main/0]).

find(_, []) -> throw(not_found);
find(K, [{K, V} | _]) -> throw({found, V});
find(K, [_ | T]) -> find(K, T).
main() ->
    R = [catch find(b, [{a, 1}, {b, 2}]), catch find(z, [{a, 1}]), catch find(a, [])],
    io:format("~p~n", [R]),
    R.
