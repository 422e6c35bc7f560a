-module(lists_sort_large_random).
-export([main/0]).

lcg(S) -> (S * 1103515245 + 12345) rem 2147483648.
gen(0, _, Acc) -> Acc;
gen(N, S, Acc) -> S1 = lcg(S), gen(N - 1, S1, [S1 rem 1000 | Acc]).
main() ->
    L = gen(2000, 42, []),
    S = lists:sort(L), U = lists:usort(L), R = lists:sort(fun(A, B) -> A >= B end, L),
    K = lists:keysort(2, [{I, X rem 10} || {I, X} <- lists:zip(lists:seq(1, 2000), L)]),
    io:format("~p ~p ~p ~p~n", [lists:sublist(S, 10), length(U), lists:sublist(R, 5), lists:sublist(K, 8)]),
    {lists:sum(S), length(U)}.
