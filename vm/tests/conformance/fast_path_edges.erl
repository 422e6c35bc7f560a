%% The interpreter's fast loop (`run_fast`) hands an instruction back to the full loop at
%% its edges: small-integer overflow into bignums, float operands, non-numbers (badarith),
%% BIF errors, remote calls into this module (tail and not), remote calls elsewhere, and
%% exceptions caught around code that ran in the fast loop.
-module(fast_path_edges).
-export([main/0, rsum/2, rcount/1]).

add(A, B) -> A + B.
sub1(A) -> A - 1.
mul(A, B) -> A * B.
ret_op(A, B) -> A * B.
ret_op_int(A) -> A + 1.
shl(A) -> A bsl 62.

fact(0) -> 1;
fact(N) -> N * fact(N - 1).

%% Guard arithmetic that overflows or fails: the clause is skipped, never an error.
g(X) when X * 4 > 100 -> big;
g(X) when X + 1 > 0 -> pos;
g(_) -> other.

rsum(0, Acc) -> Acc;
rsum(N, Acc) -> ?MODULE:rsum(N - 1, Acc + N).

rcount(0) -> 0;
rcount(N) -> 1 + ?MODULE:rcount(N - 1).

elem(T, I) -> element(I, T).

walk([], Acc) -> Acc;
walk([H | T], Acc) when is_integer(H) -> walk(T, Acc + H);
walk([H | T], Acc) when is_float(H) -> walk(T, Acc + H);
walk([_ | T], Acc) -> walk(T, Acc).

catch_all(F) ->
    try F() of
        V -> {ok, V}
    catch
        C:R -> {C, R}
    end.

main() ->
    Max = 576460752303423487,
    Min = -576460752303423488,
    I64 = 9223372036854775807,
    [add(Max, 1), add(I64, 1), add(Min, -1), sub1(-I64 - 1), mul(I64, 2),
     mul(4294967296, 4294967296), ret_op(I64, I64), ret_op_int(I64), shl(3), shl(-3),
     fact(25), add(1.5, 2), add(2, 0.25), sub1(0.5), mul(3, 0.5), ret_op(1.0e300, 1.0e-10),
     g(1 bsl 62), g(I64), g(5), g(-5), g(atom), g(1.5),
     rsum(1000, 0), rcount(500), rsum(10, I64),
     catch_all(fun() -> add(a, 1) end),
     catch_all(fun() -> sub1(foo) end),
     catch_all(fun() -> ret_op_int([]) end),
     catch_all(fun() -> elem({a, b}, 3) end),
     catch_all(fun() -> elem(x, 1) end),
     catch_all(fun() -> rcount(bad) end),
     catch_all(fun() -> ret_op(1.0e300, 1.0e10) end),
     catch_all(fun() -> mul(1.0e300, 1.0e300) end),
     elem({a, b, c}, 2),
     walk([1, 2.5, x, 3, I64, I64, [], 0.5], 0),
     [catch_all(fun() -> fact(N) end) || N <- [20, 21, 22]]].
