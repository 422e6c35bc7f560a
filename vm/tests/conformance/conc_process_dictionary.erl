-module(conc_process_dictionary).
-export([main/0]).

%% put/get/erase/get_keys: return values, and each process has its own dictionary.
main() ->
    R = [put(k1, v1), put(k1, v2), get(k1), get(nokey), put({tuple, key}, [1, 2]),
         put(42, int), lists:sort(get_keys()), get_keys(v2), erase(k1), erase(k1),
         lists:sort(get()), put(k2, same), put(k3, same), lists:sort(get_keys(same))],
    io:format("~p~n", [R]),
    Self = self(),
    spawn(fun() -> Self ! {child, get(), put(k1, child), get(k1)} end),
    Child = receive {child, D, P, G} -> {D, P, G} after 2000 -> none end,
    io:format("~p ~p~n", [Child, get(k1)]),
    %% erase/0 returns everything and empties the dictionary.
    All = lists:sort(erase()),
    io:format("~p ~p~n", [All, get()]),
    {R, Child, All}.
