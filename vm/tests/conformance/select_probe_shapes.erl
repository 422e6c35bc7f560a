%% Clause selection whose `select` probes take the shortcuts decided when the table is built:
%% a probe on the register itself or on its list head, with a few small-integer keys, a few
%% atoms, or mixed keys (tuples, nil, cons). Values that are floats equal to a key, bignums,
%% atoms, improper lists and missing sub-terms must still pick the clause OTP picks. Also the
%% return path of the fast loop: `+ - *` results that overflow into bignums, comparison results
%% returned directly, deep non-tail recursion, and tail calls passing bignums and floats.
-module(select_probe_shapes).
-export([main/0, a/2, b/2, c/2, d/2]).

%% Two small-integer keys on r0, atoms on the head of r1.
a(0, _) -> zero;
a(1, [x | _]) -> one_x;
a(_, [y | _]) -> y;
a(_, [z | T]) -> {z, T};
a(_, [x]) -> only_x;
a(N, L) -> {other, N, L}.

%% Small-integer keys on the head (too few for a dense table), an atom on r0.
b(stop, _) -> stopped;
b(_, [1 | _]) -> h1;
b(_, [2, 3 | _]) -> h23;
b(_, [2 | T]) -> {h2, T};
b(_, []) -> empty;
b(A, L) -> {other, A, L}.

%% Mixed keys on the head: a tagged tuple, an atom, an integer, nil.
c(_, [{t, X} | _]) -> {tagged, X};
c(_, [{_, _} | _]) -> pair;
c(_, [no | _]) -> no;
c(_, [7 | _]) -> seven;
c(_, [[] | _]) -> nil_head;
c(0, []) -> zero_empty;
c(N, L) -> {other, N, L}.

%% Atoms on the second element of a list.
d(_, [_, on | _]) -> on;
d(_, [_, off | _]) -> off;
d(_, [_, dim]) -> dim_last;
d(_, [_, dim | _]) -> dim;
d(N, L) -> {other, N, L}.

fib(0) -> 0;
fib(1) -> 1;
fib(N) -> fib(N - 1) + fib(N - 2).

%% Non-tail recursion whose returns multiply: small integers until they overflow.
fact(0) -> 1;
fact(N) -> N * fact(N - 1).

%% Returns of comparisons and of a subtraction that leaves the small-integer range.
lt(X, Y) -> X < Y.
eqx(X, Y) -> X =:= Y.
lt(X) -> X < 1 + 1.
down(X) -> X - 9223372036854775807.

%% A tail-recursive loop whose accumulator crosses into bignums and back.
acc(0, A) -> A;
acc(N, A) when N rem 2 =:= 0 -> acc(N - 1, A * 4611686018427387904);
acc(N, A) -> acc(N - 1, A div 4611686018427387903).

%% A million non-tail frames, each returning an integer.
depth(0) -> 0;
depth(N) -> 1 + depth(N - 1).

%% Float arguments through tail calls and returns.
fsum(0, S) -> S;
fsum(N, S) -> fsum(N - 1, S + 0.5).

main() ->
    Vals = [0, 1, 2, 1.0, 0.0, 18446744073709551616, -1, stop, x, y, z, no, 7, 7.0, [], {t, 1},
            {u, 2}, {t, 1, 2}, <<1>>],
    Lists = [[], [x], [x, 1], [y], [z, 9], [1], [1.0], [2, 3], [2], [2.0, 3], [2 | 3],
             [{t, 5}], [{q, 5}], [no], [7], [7.0], [[]], [a, on], [a, off], [a, dim],
             [a, dim, b], [a, 'on' | x], [a], x, 18446744073709551616, [18446744073709551616]],
    Tab = [{F, V, L, ?MODULE:F(V, L)} || F <- [a, b, c, d], V <- Vals, L <- Lists],
    {length(Tab), Tab,
     fib(20), fact(25), [fact(N) || N <- [19, 20, 21, 22]],
     lt(1, 2), lt(2, 1), lt(1, 1.5), eqx(1, 1.0), eqx(3, 3),
     down(-1), down(-2), down(0),
     acc(8, 3), acc(9, -5),
     depth(1000000), fsum(10, 0), reason(fun() -> fib(a) end),
     reason(fun() -> fact(foo) end), reason(fun() -> lt(1) end)}.

reason(F) ->
    try F() catch C:R -> {C, R} end.
