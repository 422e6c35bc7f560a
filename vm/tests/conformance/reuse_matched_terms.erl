-module(reuse_matched_terms).
-export([main/0]).

%% Constructions that rebuild a term the clause matched (OTP's compiler passes the matched
%% term on instead of building it again; so does ours): the values must be the same as
%% building them, including where a literal or a compared variable differs from what was
%% matched only as `==`/`=:=` does (0 and 0.0, 0.0 and -0.0).
main() ->
    L = [0, 1, 2, 3, 4, 5 | "aaabbaaababba"],
    Loops = [pat1(100, L), pat2(100, L), pat4(100, L), pat5(100, L), pat1(3, [9, 8, 7, 3, x])],
    Lists = [same_list([a, b, c]), same_list([1]), same_list([x | y]),
             one_cell([1, 2, 3]), swapped([1, 2, 3]), nil_tail([q]), nil_tail([q, r]),
             lit_head([0, 5]), lit_head([0.0, 5]), lit_head([a, 5]),
             atom_head([a, b]), atom_head([c, b]), float_head([0.0, 1]),
             float_head([-0.0, 1]), compared(0.0, [-0.0, 1]), compared(2, [2, 3]),
             compared(2, [2.0, 3]), twice([h | t]), aliased([1, 2]), deep(lists:seq(1, 40)),
             string_head("GET /"), string_head("PUT /")],
    Tuples = [same_tuple({1, 2}), same_tuple({a, {b}}), inner_tuple({k, {v, w}}),
              tag_swap({a, b}), nested({p, [1, 2 | q]}), in_list([{1, 2}, {3, 4}]),
              partial({1, 2, 3}), int_vs_float({1, x}), int_vs_float({1.0, x})],
    Scopes = [guarded([5, 6]), guarded([0, 6]), in_case({t, [1, 2]}), in_case(other),
              body_match({m, [n]}), body_match_nested([{k, 1}, {k, 2}]),
              in_comprehension([a, b], [1, 2, 3]), case_then_outer([3, 4]),
              after_case([7, 8]), in_fun([1, 2])],
    {Loops, Lists, Tuples, Scopes}.

pat1(0, Acc) -> Acc;
pat1(_, [_, _, _, 0 | _]) -> zero;
pat1(I, [_, X, Y, 3 | T]) -> pat1(I - 1, [0, X, Y, 3 | T]).

pat2(0, Acc) -> Acc;
pat2(_, [_, Y | _]) when Y bsl 1 == 0 -> ok;
pat2(I, [X, Y | T]) when Y bsl 2 == 4 -> pat2(I - 1, [X, Y | T]).

pat4(0, Acc) -> Acc;
pat4(_, [20 | _]) -> ok;
pat4(_, [1 | _]) -> ok;
pat4(I, [0 | T]) -> pat4(I - 1, [0 | T]).

pat5(0, Acc) -> Acc;
pat5(_, [0, 20 | _]) -> ok;
pat5(I, [0, 1 | T]) -> pat5(I - 1, [0, 1 | T]).

same_list([X, Y | T]) -> [X, Y | T];
same_list([X | T]) -> [X | T].

one_cell([_ | T]) -> [new | T].

swapped([X, Y | T]) -> [Y, X | T].

nil_tail([X]) -> [X];
nil_tail([X | T]) -> {[X], [X | T]}.

lit_head([0 | T]) -> [0 | T];
lit_head([H | T]) -> [0, H | T].

atom_head([a | T]) -> [a | T];
atom_head([_ | T]) -> [a | T].

%% 0.0 matches -0.0 in OTP 25: the body's literal decides what is built.
float_head([0.0 | T]) -> [0.0 | T];
float_head(L) -> L.

%% X is compared, not bound, by the second pattern: [X | T] must be built from X.
compared(X, [X | T]) -> [X | T];
compared(X, L) -> {X, L}.

twice([X | T]) -> {[X | T], X, [X | T]}.

aliased(L = [X | T]) -> {L, [X | T], [T | X]}.

deep([A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16, A17, A18, A19,
      A20, A21, A22, A23, A24, A25, A26, A27, A28, A29, A30, A31, A32, A33, A34, A35, A36,
      A37, A38, A39, A40]) ->
    [A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16, A17, A18, A19,
     A20, A21, A22, A23, A24, A25, A26, A27, A28, A29, A30, A31, A32, A33, A34, A35, A36,
     A37, A38, A39, A40].

string_head("GET " ++ Rest) -> [$G, $E, $T, $\s | Rest];
string_head(Other) -> Other.

same_tuple({A, B}) -> {A, B}.

inner_tuple({K, {V, W}}) -> {K, {V, W}, {W, V}}.

tag_swap({A, B}) -> {B, A}.

nested({P, [H1, H2 | T]}) -> {{P, [H1, H2 | T]}, [H2 | T], [H1, H2 | T]}.

in_list([{A, B} | Rest]) -> [{A, B}, {B, A} | Rest].

partial({A, B, C}) -> {{A, B}, {A, B, C}, {A, B, C, A}}.

int_vs_float({1, X}) -> {1, X};
int_vs_float({_, X}) -> {1, X}.

guarded([X | T]) when X > 1 -> [X | T];
guarded([X | T]) -> {small, [X | T]}.

in_case(V) ->
    case V of
        {t, [H | T]} -> {[H | T], {t, [H | T]}};
        W -> W
    end.

body_match(V) ->
    {m, [N]} = V,
    R = {m, [N]},
    {R, [N]}.

body_match_nested(V) ->
    [{K, A}, {K, B}] = V,
    {[{K, A}, {K, B}], {K, B}, [{K, B}]}.

in_comprehension(Xs, [H | T]) ->
    [{X, [H | T]} || X <- Xs].

case_then_outer([A | B]) ->
    R = case A of
            3 -> [A | B];
            _ -> other
        end,
    {R, [A | B]}.

%% X is bound in every clause of the case (the same variable afterwards).
after_case(L) ->
    case L of
        [7 | T] -> X = 7;
        [X | T] -> ok
    end,
    [X | T].

in_fun([X | T]) ->
    F = fun() -> [X | T] end,
    F().
