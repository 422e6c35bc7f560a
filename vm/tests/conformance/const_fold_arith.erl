-module(const_fold_arith).
-export([main/0]).

%% Integer arithmetic on values the compiler knows (literals and variables bound to them),
%% which it folds (OTP's compiler does the same), beside the same arithmetic on values it
%% does not know, and operations on known values that must still raise at run time: each
%% result or error, and the output before it, must be OTP's.
main() ->
    Known = [estone(I) || I <- [0, 1, 2, 5, 63, 64, 100, -1]],
    Ops = [ops(X) || X <- [0, 1, -1, 7, -7, 1 bsl 40, 1.5, -2.25, 1 bsl 70]],
    Raise = [run(F) || F <- [fun div_zero/0, fun rem_zero/0, fun known_div_zero/0,
                             fun float_band/0, fun atom_plus/0, fun atom_times_left/0,
                             fun bsl_big/0, fun big_mul/0, fun neg_shift/0,
                             fun overflow_add/0, fun in_tail/0, fun in_case/0]],
    {Known, Ops, Raise}.

run(F) ->
    try F() of V -> {ok, V} catch C:E -> {C, E} end.

%% Estone's iarith2: a bound constant shifted, multiplied and added to unknown values.
estone(I) ->
    X = 23,
    _ = 789 + I,
    Z = I + 1,
    U = (X bsl 1 bsr I) * X div 2 bsr 4,
    U1 = Z + Z + Z + Z + X bsl 4 * 2 bsl 2,
    Z - U + U1 div 2.

%% A known operand on either side of every integer operator, the unknown one varying over
%% small, negative, big and float values (integer-only operators on floats raise).
ops(Y) ->
    K = 3,
    M = -5,
    L = 1 bsl 62,
    [K + Y, Y + K, K * Y, Y * M, M - Y, Y - M, L + K, L * 2, K - L, M * M * M,
     try K band Y catch C1:E1 -> {C1, E1} end,
     try Y bor M catch C2:E2 -> {C2, E2} end,
     try M bxor Y catch C3:E3 -> {C3, E3} end,
     try Y div K catch C4:E4 -> {C4, E4} end,
     try K div Y catch C5:E5 -> {C5, E5} end,
     try Y rem M catch C6:E6 -> {C6, E6} end,
     try K bsl Y catch C7:E7 -> {C7, E7} end,
     try Y bsr K catch C8:E8 -> {C8, E8} end,
     K bsl 61, M bsl 61, K bsr 70, M bsr 70, K bsl -1, M bsr -2,
     (K + M) * (K - M) div 2 rem 5, K / 2, Y == K, K < Y].

div_zero() ->
    io:format("before~n"),
    Z = 0,
    7 div Z.

rem_zero() ->
    A = 10,
    B = 0,
    A rem B.

known_div_zero() ->
    A = 4,
    B = A - 4,
    io:format("~p~n", [A * 2]),
    A div B.

float_band() ->
    F = 2.5,
    K = 1,
    F band K.

atom_plus() ->
    A = a,
    K = 2,
    A + K.

atom_times_left() ->
    K = 2,
    A = list_to_atom("b"),
    K * A.

bsl_big() ->
    K = 1,
    N = 100,
    K bsl N.

big_mul() ->
    A = 1 bsl 40,
    B = A * A * A,
    {B, B div A}.

neg_shift() ->
    K = -1,
    {K bsl 62, K bsl 63, K bsr 1, 5 bsr -62}.

overflow_add() ->
    Max = 1 bsl 59 - 1,
    Bigger = Max * 16 + Max,
    {Max + 1, Bigger + Bigger, -Bigger - Bigger}.

in_tail() ->
    K = 6,
    tail(K).

tail(K) ->
    J = 7,
    J * K + J.

in_case() ->
    K = 2,
    [case X of
         a -> K + 1;
         b -> J = 5, J * K;
         _ -> K bsl X
     end || X <- [a, b, 3, 70]].
