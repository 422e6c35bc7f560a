-module(native_tuple_bifs).
-export([main/0]).

%% element/2, tuple_size/1 and =:= as native code makes them inline (a tuple's length and
%% elements read in place, two small integers compared), in hot loops, with every
%% argument that sends them back to the BIF: bad indexes, non-tuples, bignums, floats.
main() ->
    T = {a, [1, 2], {x, y}, 3.5, <<"b">>, 7},
    A = sum_sizes(2000, T, 0),
    B = [walk(T, I) || I <- [1, 2, 3, 4, 5, 6]],
    C = [err(fun() -> elem_loop(300, I, X) end)
         || {I, X} <- [{0, T}, {7, T}, {-1, T}, {1 bsl 70, T}, {a, T}, {1.0, T}, {1, [t]},
                       {1, {}}]],
    D = [err(fun() -> size_loop(300, X) end) || X <- [T, {}, [a], 5, <<"t">>]],
    E = [eq_loop(300, X, Y) || {X, Y} <- [{1, 1}, {1, 2}, {1, 1.0}, {a, a}, {1.0, 1.0},
                                          {1 bsl 70, 1 bsl 70}, {[1], [1]}, {-0, 0}]],
    F = count(deep(6), 0),
    %% Tuples built in native code: up to 32 elements inline, more through Rust.
    G = [{tuple_size(T2), element(1, T2), element(tuple_size(T2), T2)}
         || T2 <- [wide(K) || K <- [1, 2, 3]]],
    io:format("~p~n~p~n~p~n~p~n~p~n~p~n~p~n", [A, B, C, D, E, F, G]).

wide(K) -> wide(K, 300, none).
wide(_, 0, Last) -> Last;
wide(1, N, _) -> wide(1, N - 1, {N, [N], {N}, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p,
                                  q, r, s, t, u, v, w, x, y, z, 1, 2, <<"end">>});
wide(2, N, _) -> wide(2, N - 1, {N, [N], {N}, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p,
                                  q, r, s, t, u, v, w, x, y, z, 1, 2, 3, <<"more">>});
wide(3, N, _) -> wide(3, N - 1, {N}).

err(F) -> try F() catch C:R -> {C, R} end.

sum_sizes(0, _, Acc) -> Acc;
sum_sizes(N, T, Acc) -> sum_sizes(N - 1, T, Acc + tuple_size(T) + tuple_size(element(3, T))).

walk(T, I) -> walk(T, I, 200, none).
walk(_, _, 0, Last) -> Last;
walk(T, I, N, _) -> walk(T, I, N - 1, element(I, T)).

elem_loop(0, _, _) -> done;
elem_loop(N, I, X) -> _ = element(I, X), elem_loop(N - 1, I, X).

size_loop(0, X) -> tuple_size(X);
size_loop(N, X) -> _ = tuple_size(X), size_loop(N - 1, X).

eq_loop(0, X, Y) -> X =:= Y;
eq_loop(N, X, Y) when X =:= Y -> eq_loop(N - 1, X, Y);
eq_loop(N, X, Y) -> eq_loop(N - 1, Y, X).

deep(0) -> leaf;
deep(N) -> {N, deep(N - 1), [deep(N - 1)], N * 2}.

count(T, Acc) when is_tuple(T) -> count_elems(T, 1, tuple_size(T) + 1, Acc);
count(L, Acc) when is_list(L) -> lists:foldl(fun count/2, Acc, L);
count(I, Acc) when is_integer(I) -> Acc + I;
count(_, Acc) -> Acc.

count_elems(_, P, P, Acc) -> Acc;
count_elems(T, P, End, Acc) -> count_elems(T, P + 1, End, count(element(P, T), Acc)).
