%% Clause selection on small-integer keys in a short range goes through a dense table
%% (`switch` and `select` probes): keys out of the range, negative keys, floats equal to a
%% key, bignums, non-numbers and a repeated key must still pick the clause OTP picks.
-module(clause_select_dense_ints).
-export([main/0]).

c(X) ->
    case X of
        0 -> zero;
        1 -> one;
        -2 -> minus_two;
        3 -> three;
        7 -> seven;
        40 -> forty;
        _ -> other
    end.

%% No wildcard: a miss is a case_clause.
d(X) ->
    case X rem 5 of
        0 -> a;
        1 -> b;
        2 -> c;
        3 -> d
    end.

h(0, _) -> zero;
h(_, [20 | _]) -> k20;
h(_, [219 | _]) -> k219;
h(_, [18 | _]) -> k18;
h(_, [17 | _]) -> k17;
h(_, [16 | _]) -> k16;
h(_, [13]) -> only13;
h(_, [15 | _]) -> k15;
h(_, [13 | _]) -> k13;
h(_, [12 | _]) -> k12;
h(_, [-1 | _]) -> km1;
h(_, [11 | _]) -> k11;
h(N, [0 | T]) -> {rest, N, T};
h(_, L) -> {none, L}.

catch_all(F) ->
    try F() catch C:R -> {C, R} end.

main() ->
    Big = 1 bsl 70,
    Vals = [0, 1, -2, 3, 7, 40, 2, 41, -1, 1000, Big, -Big, 1.0, 3.0, 0.0, a, [], {1}, "x"],
    Heads = [20, 219, 18, 17, 16, 15, 13, 12, -1, 11, 0, 1, 14, 218, 220, -219, Big, 20.0, x],
    [[c(V) || V <- Vals],
     [catch_all(fun() -> d(I) end) || I <- [0, 1, 2, 3, 4, 5, 9, -1, -4, Big + 3]],
     [h(1, [H]) || H <- Heads],
     [h(1, [H, 2]) || H <- Heads],
     h(0, [20]), h(2, []), h(3, x)].
