-module(tuples_bifs).
-export([main/0]).

main() ->
    T = {a, b, c},
    R = [element(2, T), setelement(2, T, x), tuple_size(T), tuple_to_list(T), list_to_tuple([1, 2]), erlang:append_element(T, d),
         erlang:insert_element(1, T, z), erlang:delete_element(3, T), erlang:make_tuple(3, 0), erlang:make_tuple(4, x, [{2, y}, {4, z}]),
         size(T), size(<<1, 2>>)],
    io:format("~p~n", [R]),
    R.
