-module(native_code_edges).
-export([main/0, rsum/1, rloop/2]).

%% Hot functions run as native code (vm/src/jit.rs); each case here makes native code hand
%% back to the interpreter in the middle of a computation, deep inside native calls.
main() ->
    Fib = fib(22),
    %% Products overflow small integers three frames deep: bignums from then on.
    Fact = fact(40),
    %% Floats in the same arithmetic.
    Half = halves(20, 1.0),
    %% Non-tail recursion deeper than native code nests (the rest runs interpreted, then
    %% native again further down).
    Sum = sum_to(200000),
    %% Mutual tail calls, a million of them.
    Even = even(1000001),
    %% A crash deep in native code, caught outside.
    Crash = try depth_crash(5000) catch C:R -> {C, R} end,
    %% A badarith raised by an operation native code hands back.
    Bad = try add_all([1, 2, a, 3]) catch C2:R2 -> {C2, R2} end,
    %% Lists through the list instructions.
    Rev = rev(lists:seq(1, 20), []),
    Len = len(lists:seq(1, 5000), 0),
    %% Two processes computing at once: the scheduler switches them every 2048 calls,
    %% in the middle of native recursion.
    Self = self(),
    Pids = [spawn(fun() -> Self ! {self(), fib(18 + K)} end) || K <- [1, 2, 3]],
    Rs = [receive {P, V} -> V end || P <- Pids],
    %% Atoms, tuples and literals in clause heads.
    Cls = [classify(X) || X <- [0, 1, ok, [], {a, b}, {a, b, c}, [1 | 2], 3.5, <<1>>, 99]],
    %% Float arithmetic computed inline, and what it hands back (overflow, division by
    %% zero, non-numbers).
    Fl = [{t(fun() -> add(X, Y) end), t(fun() -> sub(X, Y) end),
           t(fun() -> mul(X, Y) end), t(fun() -> dvd(X, Y) end), t(fun() -> add3(X) end)}
          || X <- [0, 1, -3, 2.5, -0.0, 1.0e308, 7, a],
             Y <- [0, 2, 0.5, -0.0, 1.0e308, 3]],
    %% Shifts and bitwise operators inline, with the counts and sizes that overflow.
    Bits = [{t(fun() -> shl(X, Y) end), t(fun() -> shr(X, Y) end), band3(X, Y)}
            || X <- [0, 1, -1, 3, -5, 1 bsl 40, -(1 bsl 61), 576460752303423487],
               Y <- [0, 1, 2, 21, 61, 62, 63, 64, 100, -1, -3]],
    %% Clause selection on keys of every inline shape: a dense integer range, sparse
    %% integers, atoms, list shapes, each on the register and on its list head.
    Sel = [{dense(X), sparse(X), atoms(X), shapes(X), hd_dense([X]), hd_atoms([X, 1]),
            hd_shapes([X]), third(X, [9, 8, X]), third(1, [9, 8, X | X]), third(0, [X])}
           || X <- [0, 1, 2, 3, 4, 5, 1000, -7, ok, error, none, [], [1], {x}, 2.0]],
    %% Calls through the module's name (`?MODULE:f`), in and out of tail position.
    Remote = {rsum(3000), rloop(100000, 0), [rsum(N) || N <- lists:seq(1, 300)]},
    {Fib, Fact, Half, Sum, Even, Crash, Bad, Rev, Len, Rs, Cls, Fl, Bits, Sel, Remote}.

rsum(0) -> 0;
rsum(N) -> N + ?MODULE:rsum(N - 1).
rloop(0, Acc) -> Acc;
rloop(N, Acc) -> ?MODULE:rloop(N - 1, Acc + N rem 7).

shl(X, Y) -> X bsl Y.
shr(X, Y) -> X bsr Y.
band3(X, Y) -> {X band Y, X bor Y, X bxor Y}.

dense(0) -> a; dense(1) -> b; dense(2) -> c; dense(3) -> d; dense(5) -> f;
dense(_) -> z.
sparse(1000) -> k; sparse(-7) -> m; sparse(3) -> n; sparse(_) -> z.
atoms(ok) -> 1; atoms(error) -> 2; atoms(none) -> 3; atoms(_) -> 0.
shapes([]) -> nil; shapes([_ | _]) -> cons; shapes(_) -> other.
hd_dense([0 | _]) -> a; hd_dense([1 | _]) -> b; hd_dense([2 | _]) -> c;
hd_dense([3 | _]) -> d; hd_dense(_) -> z.
hd_atoms([ok, 1]) -> 1; hd_atoms([error | _]) -> 2; hd_atoms([none, _]) -> 3;
hd_atoms(_) -> 0.
third(0, _) -> zero;
third(_, [_, _, 0 | _]) -> a;
third(_, [_, _, 1 | _]) -> b;
third(_, [_, _, 2 | _]) -> c;
third(_, [_, _, X | T]) -> {X, T};
third(_, _) -> short.
hd_shapes([[] | _]) -> nil; hd_shapes([[_ | _] | _]) -> cons; hd_shapes(_) -> other.

t(F) -> try F() catch C:R -> {C, R} end.

add(X, Y) -> X + Y.
sub(X, Y) -> X - Y.
mul(X, Y) -> Z = X * Y, Z.
dvd(X, Y) -> X / Y.
add3(X) -> X + 3.

fib(0) -> 0;
fib(1) -> 1;
fib(N) -> fib(N - 1) + fib(N - 2).

fact(0) -> 1;
fact(N) -> N * fact(N - 1).

halves(0, X) -> X;
halves(N, X) -> halves(N - 1, X / 2 + N).

sum_to(0) -> 0;
sum_to(N) -> N + sum_to(N - 1).

even(0) -> true;
even(N) -> odd(N - 1).

odd(0) -> false;
odd(N) -> even(N - 1).

depth_crash(0) -> no_clause_for_this(0);
depth_crash(N) -> 1 + depth_crash(N - 1).

no_clause_for_this(1) -> one.

add_all([]) -> 0;
add_all([H | T]) -> H + add_all(T).

rev([], Acc) -> Acc;
rev([H | T], Acc) -> rev(T, [H | Acc]).

len([], N) -> N;
len([_ | T], N) -> len(T, N + 1).

classify(0) -> zero;
classify(1) -> one;
classify(ok) -> ok_atom;
classify([]) -> nil;
classify({a, _}) -> pair;
classify({_, _, _}) -> triple;
classify([_ | _]) -> cons;
classify(X) when X > 50 -> big;
classify(_) -> other.
