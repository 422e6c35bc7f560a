-module(lists_key_functions).
-export([main/0]).

main() ->
    L = [{a, 1}, {b, 2}, {c, 3}],
    R = [lists:keyfind(b, 1, L), lists:keyfind(2, 2, L), lists:keyfind(z, 1, L), lists:keymember(c, 1, L),
         lists:keydelete(b, 1, L), lists:keyreplace(a, 1, L, {a, 100}), lists:keystore(d, 1, L, {d, 4}),
         lists:keystore(a, 1, L, {a, 0}), lists:keytake(b, 1, L), lists:keytake(q, 1, L), lists:keysort(2, [{x, 3}, {y, 1}]),
         lists:ukeysort(1, [{a, 1}, {a, 2}, {b, 0}]), lists:keymap(fun(X) -> X * 10 end, 2, L), lists:keysearch(c, 1, L)],
    io:format("~p~n", [R]),
    R.
