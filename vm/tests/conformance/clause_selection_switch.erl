-module(clause_selection_switch).
-export([main/0]).

-record(pt, {x = 0, y = 0}).

%% Keyed clauses interleaved with wildcards: a switch must still fall through in order.
kind(X) when is_integer(X), X > 5 -> big;
kind(a) -> a;
kind(b) -> b;
kind({tag, _}) -> tagged;
kind({_, _}) -> pair;
kind({tag, _, _}) -> triple;
kind([]) -> nil;
kind([_ | _]) -> cons;
kind(1) -> one;
kind(<<_:8>>) -> byte;
kind(#{}) -> map;
kind(_) -> other.

%% The first column is a wildcard; selection happens on the second.
second(_, 0) -> zero;
second(X, 1) when X > 0 -> pos_one;
second(_, 1) -> one;
second(_, N) when N < 0 -> neg;
second(_, _) -> many.

%% Case with many constant clauses, some guarded, falling to a wildcard.
cls(V) ->
    case V of
        red -> 1;
        green -> 2;
        blue -> 3;
        {rgb, R, _, _} when R > 128 -> bright;
        {rgb, _, _, _} -> dark;
        N when is_integer(N) -> N;
        _ -> unknown
    end.

%% Guards: exceptions make a test false; orelse/andalso; several alternatives.
g(X) when X / 0 > 1; is_atom(X) -> atom_or_never;
g(X) when (is_integer(X) andalso X > 10) orelse X =:= ten -> ten_ish;
g(X) when element(1, X) == ok -> ok_tuple;
g(X) when length(X) > 2 -> long_list;
g(_) -> no.

%% Bound variables in patterns compare; nested patterns bind.
same(X, X) -> same;
same([A | B], {A, B}) -> split;
same(_, _) -> different.

%% List patterns that test heads in place and skip ignored heads.
lp([_, _, _, 0 | _]) -> fourth_zero;
lp([0, 20 | _]) -> zero_twenty;
lp([a | T]) -> {a_then, T};
lp([_, _]) -> two;
lp([_, _ | T]) -> {skip2, T};
lp([1.0 | _]) -> float_one;
lp(_) -> other.

%% Record field access and short-circuit operators outside guards.
px(P) -> P#pt.x.
both(A, B) -> A andalso B.
either(A, B) -> A orelse B.
tail_and(N) -> N > 0 andalso tail_and(N - 1) orelse N =:= 0.

err(F) -> try F() catch C:R -> {C, R} end.

%% Map construction and update: later keys win; := needs the key; the base must be a map.
maps_built(K, V, M, N) ->
    [#{K => V, a => 1, K => later}, M#{K => V}, M#{a := 2},
     err(fun() -> M#{missing := 1} end),
     err(fun() -> M#{missing := 1, b => throw(value_first)} end),
     err(fun() -> N#{a => 1} end)].

%% A function with no matching clause raises function_clause with its arguments.
only(a) -> ok.

main() ->
    Ks = [kind(V) || V <- [7, 3, a, b, {tag, 1}, {x, 1}, {tag, 1, 2}, [], [1], 1, <<5>>,
                           #{a => 1}, 2.5, c]],
    Ss = [second(X, Y) || {X, Y} <- [{1, 0}, {1, 1}, {-1, 1}, {0, -3}, {0, 9}]],
    Cs = [cls(V) || V <- [red, green, blue, {rgb, 200, 0, 0}, {rgb, 1, 2, 3}, 42, pink]],
    Gs = [g(V) || V <- [x, 11, ten, 3, {ok, 1}, [1, 2, 3], [1], {error}]],
    Ms = [same(1, 1), same([1 | 2], {1, 2}), same([1 | 2], {2, 2}), same(a, b)],
    Ls = [lp(V) || V <- [[1, 2, 3, 0], [0, 20], [a, b], [x, y], [1, 2, 3, 4, 5], [1.0],
                          [1 | 2], [1, 2 | 3], [], [0, 20 | x], [1, 2, 3, 0 | z]]],
    Rs = [px(#pt{x = 3}), err(fun() -> px({pt, 1}) end), err(fun() -> px({other, 1, 2}) end),
          err(fun() -> px(atom) end)],
    Bs = [both(true, 7), both(false, x), err(fun() -> both(x, true) end), either(false, 8),
          either(true, x), err(fun() -> either(7, true) end), tail_and(100000)],
    Mp = maps_built(k, v, #{a => 0}, not_a_map),
    E = try only(b) catch error:function_clause:St -> [{M, F, A, _} | _] = St, {function_clause, M, F, A} end,
    R = {Ks, Ss, Cs, Gs, Ms, Ls, Rs, Bs, Mp, E},
    io:format("~p~n", [R]),
    R.
