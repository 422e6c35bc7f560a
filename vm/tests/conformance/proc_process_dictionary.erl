-module(proc_process_dictionary).
-export([main/0]).

main() ->
    undefined = put(k, 1),
    1 = put(k, 2),
    put(other, x),
    R = [get(k), get(missing), lists:sort(get_keys()), erase(k), get(k), erase(nothing)],
    io:format("~p~n", [R]),
    R.
