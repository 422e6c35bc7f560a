%% BIF calls made inside the interpreter's fast loop (`run_fast`): results, errors caught in
%% the same function, in a caller and across a tail call, BIFs that run Erlang code
%% (`apply/2,3` with a computed argument list) and grow the register file; the tests it now
%% runs in place (`is_eq_exact` between registers, literal compares, tuple element reads);
%% and function clauses sharing variable slots: a clause that binds variables and then fails
%% its guard leaves nothing a later clause reads.
-module(fast_bif_clause_slots).
-export([main/0, deep/1, thrower/1]).

catch_all(F) ->
    try F() of
        V -> {ok, V}
    catch
        %% Funs print differently on the two VMs: keep what identifies this one.
        error:{badarity, {Fun, Args}} -> {error, badarity, is_function(Fun), Args};
        C:R -> {C, R}
    end.

%% Errors of BIFs, caught where they are raised.
local_catch(T, I) ->
    try element(I, T) of
        V -> {elem, V}
    catch
        error:R -> {caught, R}
    end.

bif_then_tail(T, N) ->
    S = tuple_size(T),
    E = element(N, T),
    bif_tail2(S, E).

bif_tail2(S, E) -> {S, E, self() =:= self()}.

bifs(X) ->
    [catch_all(fun() -> hd(X) end),
     catch_all(fun() -> tl(X) end),
     catch_all(fun() -> tuple_size(X) end),
     catch_all(fun() -> length(X) end),
     catch_all(fun() -> atom_to_list(X) end),
     catch_all(fun() -> abs(X) end)].

%% element/2 and tuple_size/1 computed in place when they succeed, called when not.
local_elem(N, T) -> element(N, T).
local_size(T) -> tuple_size(T).

deep(0) -> 0;
deep(N) -> 1 + deep(N - 1).

thrower(X) -> throw({thrown, X}).

%% apply/2,3 with a computed list: the BIF runs Erlang code from inside the fast loop.
applies(Args) ->
    A = apply(?MODULE, deep, Args),
    B = apply(fun(N) -> N * 2 end, Args),
    C = catch_all(fun() -> apply(?MODULE, thrower, Args) end),
    D = catch_all(fun() -> apply(?MODULE, nope, Args) end),
    E = catch_all(fun() -> apply(fun(P, Q) -> {P, Q} end, Args) end),
    {A, B, C, D, E}.

apply_tail(F, Args) -> apply(F, Args).

%% Repeated variables and literals in heads; tuple patterns.
same(X, X) -> same;
same(_, _) -> different.

lit({a, "str", 1.0}) -> exact;
lit({a, "str", 1}) -> int;
lit({a, _, _}) -> other_a;
lit(_) -> none.

pair({X, Y}, {Y, X}) -> swapped;
pair({X, _}, {X, _}) -> same_first;
pair(_, _) -> neither.

%% Clauses binding different numbers of variables, failing guards after binding.
cls([A, B, C | _], K) when A + B + C > K -> {three, A, B, C};
cls([A, B | _], K) when A * B > K -> {two, A, B};
cls([A | T], K) when is_integer(A), A > K -> {one, A, length(T)};
cls([X | T], K) ->
    F = fun(Y) -> {X, Y, K} end,
    {fn, F(T)};
cls(Other, K) ->
    try element(1, Other) of
        V -> {tuple, V, K}
    catch
        error:badarg -> {plain, Other, K}
    end.

%% A clause that binds in a case and a receive, then one that reads only its own variables.
mix({msg, M}, Acc) ->
    self() ! M,
    R = receive
            {tag, V} -> V;
            Other -> {other, Other}
        end,
    case R of
        {other, Z} -> [Z | Acc];
        W -> [W, W | Acc]
    end;
mix({lst, L}, Acc) ->
    [X || X <- L, X > 1] ++ Acc;
mix(N, Acc) when is_integer(N) ->
    [N | Acc].

main() ->
    Me = self(),
    [local_catch({a, b}, 2), local_catch({a, b}, 3), local_catch(x, 1),
     local_catch({a}, zero),
     bif_then_tail({p, q, r}, 3),
     catch_all(fun() -> bif_then_tail({p}, 2) end),
     catch_all(fun() -> bif_then_tail(p, 1) end),
     bifs([1, 2]), bifs([]), bifs(-3), bifs({t, u}), bifs(atom),
     applies([10]),
     catch_all(fun() -> applies([1, 2]) end),
     catch_all(fun() -> applies(improper) end),
     apply_tail(fun(A) -> {tail, A} end, [x]),
     catch_all(fun() -> apply_tail(fun(A) -> {tail, A} end, [x, y]) end),
     apply(?MODULE, deep, [50000]),
     same(1, 1), same(1, 1.0), same([a], [a]), same({Me}, {Me}), same(a, b),
     lit({a, "str", 1.0}), lit({a, "str", 1}), lit({a, "st", 1}), lit({b, "str", 1}),
     lit(x),
     pair({1, 2}, {2, 1}), pair({1, 2}, {1, 3}), pair({1, 2}, {3, 4}), pair(x, y),
     cls([1, 2, 3, 4], 5), cls([1, 2, 3], 6), cls([1, 2], 1), cls([5], 4), cls([0, 9], 99),
     cls([a, b], 0), cls({t, u}, 1), cls(x, 2), cls([], 3),
     mix({msg, {tag, 7}}, []), mix({msg, hi}, [z]), mix({lst, [1, 2, 3]}, [0]),
     mix(5, [6]),
     catch_all(fun() -> mix(x, []) end),
     [catch_all(fun() -> local_elem(N, {a, b, c}) end)
      || N <- [0, 1, 3, 4, -1, 1 bsl 70, 1.0, x]],
     [catch_all(fun() -> local_size(T) end) || T <- [{}, {a}, {a, {b}}, [a], <<>>, 7]],
     self() =:= Me, is_pid(self()),
     link(Me), unlink(Me),
     catch_all(fun() -> link(not_a_pid) end),
     catch_all(fun() -> unlink(3) end)].
