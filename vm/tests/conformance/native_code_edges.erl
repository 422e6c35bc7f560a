-module(native_code_edges).
-export([main/0]).

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
    {Fib, Fact, Half, Sum, Even, Crash, Bad, Rev, Len, Rs, Cls, Fl}.

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
