-module(rec_in_list_and_sort).
-export([main/0]).
-record(item, {id, prio}).

main() ->
    L = [#item{id = I, prio = P} || {I, P} <- [{1, 5}, {2, 1}, {3, 3}]],
    S = lists:keysort(#item.prio, L),
    Ids = [I#item.id || I <- S],
    io:format("~p~n~p~n", [S, Ids]),
    Ids.
