-module(lists_sort_variants).
-export([main/0]).

main() ->
    L = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5],
    R = [lists:sort(L), lists:usort(L), lists:sort(fun(A, B) -> A > B end, L), lists:reverse(lists:sort(L)),
         lists:merge([1, 4, 7], [2, 5, 8]), lists:umerge([1, 2, 3], [2, 3, 4]), lists:merge([[1, 5], [2, 3], [0]]),
         lists:sort([{b, 2}, {a, 3}, {b, 1}]), lists:usort(fun(A, B) -> A >= B end, L)],
    io:format("~p~n", [R]),
    R.
