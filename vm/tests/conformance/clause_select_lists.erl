%% Clause selection keyed on list heads and tails deeper than the first column: the
%% first clause that matches wins, whatever the keys of earlier clauses, and a value no
%% clause matches raises function_clause.
-module(clause_select_lists).
-export([main/0]).

pat1(0, _) -> zero;
pat1(_, [_, _, _, 0 | _]) -> c0;
pat1(_, [_, _, _, 1 | _]) -> c1;
pat1(_, [_, _, _, 2 | _]) -> c2;
pat1(I, [_, X, Y, 3 | T]) -> {c3, I, X, Y, T}.

pat3(0, _) -> zero;
pat3(_, [{c, h} | _]) -> ch;
pat3(_, [1, 0 | _]) -> one_zero;
pat3(_, [X, _ | _]) when is_binary(X), byte_size(X) == 1 -> bin1;
pat3(_, [no, _ | _]) -> no;
pat3(_, []) -> nil;
pat3(_, [X, _ | _]) when X /= 0 -> nonzero;
pat3(_, [2, 3 | _]) -> two_three;
pat3(_, [1, 2]) -> one_two;
pat3(I, [0, 1 | T]) -> {zero_one, I, T}.

pat4(0, _) -> zero;
pat4(_, [20 | _]) -> 20;
pat4(_, [219 | _]) -> 219;
pat4(_, [18 | _]) -> 18;
pat4(_, [a | _]) -> a;
pat4(_, [{x, 1} | _]) -> x1;
pat4(_, [{x, _} | _]) -> x;
pat4(_, [{_, _} | _]) -> pair;
pat4(_, [3 | _]) -> 3;
pat4(_, [X | _]) when is_integer(X), X > 100 -> big;
pat4(_, [1 | _]) -> 1;
pat4(_, [21 | T]) -> {21, T};
pat4(I, [0 | T]) -> {0, I, T}.

pat5(0, _) -> zero;
pat5(_, [0, 20 | _]) -> 20;
pat5(_, [0, 19 | _]) -> 19;
pat5(_, [0, 18 | _]) -> 18;
pat5(_, [1, 18 | _]) -> one18;
pat5(_, [0, X | _]) when X > 16 -> big;
pat5(_, [0, 16 | _]) -> 16;
pat5(_, [0, 15]) -> fifteen_end;
pat5(_, [0, 15 | _]) -> 15;
pat5(_, [_, 1.0 | _]) -> float_one;
pat5(_, [0, 1 | T]) -> {1, T}.

try_all(F, Args) ->
    [case catch apply(F, A) of
         {'EXIT', {Reason, _}} -> {error, Reason};
         V -> V
     end || A <- Args].

main() ->
    L1 = [[0, 0, 0, 0], [1, 1, 1, 1, x], [a, b, c, 2], [a, b, c, 3, d], [a, b, c, 4],
          [a, b, c], [], [a | b], [a, b, c | 3], "abc0", [a, b, c, 3]],
    L3 = [[{c, h}], [{c, h}, x], [1, 0], [1, 0, z], [<<"x">>, 1], [<<"xy">>, 1],
          [no, 1], [], [0, 1], [0, 1, 2], [2, 3], [1, 2], [1, 2, 3], [0, 0], [0], [0 | 1],
          [0, 1 | x], [c, h], [{c, h, i}, 1], [1.0, 0], [0.0, 1]],
    L4 = [[20], [219, x], [18], [a], [{x, 1}], [{x, 2}], [{y, 1}], [{1, 2}], [{x, 1, 2}],
          [3], [101], [100], [1], [21, 22], [0, 1], [0], [5], [], x, [20.0], [b],
          [{x}], [1000000000000000000000], [-1]],
    L5 = [[0, 20], [0, 19, 1], [0, 18], [1, 18], [2, 18], [0, 17], [0, 100], [0, 16],
          [0, 15], [0, 15, 1], [0, 1], [0, 1, 2], [0, 2], [5, 1.0], [0, 1.0], [0], [0 | 1],
          [], [0, a], [1, 1], [0, 16.0]],
    {[try_all(fun pat1/2, [[I, L] || I <- [0, 7], L <- L1])],
     [try_all(fun pat3/2, [[I, L] || I <- [0, 7], L <- L3])],
     [try_all(fun pat4/2, [[I, L] || I <- [0, 7], L <- L4])],
     [try_all(fun pat5/2, [[I, L] || I <- [0, 7], L <- L5])]}.
