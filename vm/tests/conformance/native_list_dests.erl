-module(native_list_dests).
-export([main/0]).

%% List patterns whose matched elements native code reads in place or never writes
%% (vm/src/jit.rs, `dest_plan`): the registers they would have gone to keep older values
%% meanwhile. Each case runs hot, then makes the code hand back or raise right after such a
%% match, where the interpreter goes on with the registers as native code left them.
main() ->
    L = [0, 1, 2, 3, 4, 5 | "abc"],
    %% Clauses that test a tail's head and move on (an alias), hot.
    A = [second_is(300, L, K) || K <- [0, 1, 2, 7]],
    %% Elements matched but never read (`_`), then a guard on the first.
    B = [kind(300, X) || X <- [[<<"x">>, 1], [a, 2], [0, 1 | x], [], [3]]],
    %% A bignum from a matched element: the shift overflows, native code hands back.
    C = [shift_second(50, [1, K | L]) || K <- [1, 40, 61, 62, 100]],
    %% A float where an integer was matched before: `+` hands back to the interpreter.
    D = [add_third(100, [1, 2, V]) || V <- [1, 2.5, 1 bsl 70]],
    %% function_clause after elements were matched and not written.
    E = [err(fun() -> deep(3, X) end) || X <- [[1, 2, 3, 9], [1, 2], [1, 2, 3, 4 | tail], {t}]],
    %% badarith right after an aliased head was read.
    F = [err(fun() -> head_plus(10, X) end) || X <- [[1, 2], [a, 2], [1, b]]],
    %% A `case` whose clauses share list prefixes, walked many times with a shared tail.
    G = walk(L ++ L, 0),
    %% A list rebuilt from its own matched parts, cells freed and reused on the way.
    H = rebuild(2000, [1, 2, 3, 4 | lists:seq(5, 40)]),
    %% The same matches inside a try: every destination written.
    I = [try_head(X) || X <- [[1, 2], [], x]],
    %% Self tail calls passing lists along unchanged (native code leaves those arguments
    %% in place) across many 2048-reduction boundaries, where the interpreter takes the
    %% call over, one of them in a second process at the same time.
    Self = self(),
    Pid = spawn(fun() -> Self ! {self(), pass_on(L, 30000, [x])} end),
    J = {pass_on(L, 30000, [y]), pass_first([a, b], 25000), receive {Pid, V} -> V end,
         cycle(30000, L, start, [k])},
    io:format("~p~n~p~n~p~n~p~n~p~n~p~n~p~n~p~n~p~n~p~n", [A, B, C, D, E, F, G, H, I, J]).

pass_on(L, 0, Acc) -> {length(L), Acc};
pass_on(L, N, Acc) -> pass_on(L, N - 1, Acc).

%% Arguments passed along on both sides of a literal one.
cycle(0, L, M, K) -> {length(L), M, K};
cycle(N, L, _, K) -> cycle(N - 1, L, m, K).

pass_first(L, 0) -> L;
pass_first(L, N) -> pass_first(L, N - 1).

err(F) -> try F() catch C:R -> {C, R} end.

second_is(0, _, _) -> none;
second_is(_, [_, K | _], K) -> {found, K};
second_is(_, [_, _, K | _], K) -> {third, K};
second_is(I, [_, _, _, K | _], K) -> second_is(I - 1, [K, K, K], K + 100);
second_is(I, L, K) -> second_is(I - 1, L, K + 1000).

kind(0, X) -> {done, X};
kind(_, [X, _ | _]) when is_binary(X), byte_size(X) == 1 -> bin;
kind(_, [a, _ | _]) -> atom_a;
kind(_, [X, _ | _]) when X /= 0 -> other;
kind(_, []) -> empty;
kind(I, [0, 1 | T]) -> kind(I - 1, [0, 1 | T]);
kind(I, X) -> kind(I - 1, X).

shift_second(0, _) -> zero;
shift_second(_, [_, Y | _]) when Y bsl 2 == 4 -> one;
shift_second(I, [X, Y | T]) ->
    S = Y bsl 62,
    case I of
        1 -> {S, X, length(T)};
        _ -> shift_second(I - 1, [X, Y | T])
    end.

add_third(0, L) -> L;
add_third(I, [A, B, C | _]) when is_integer(A) ->
    V = C + B,
    add_third(I - 1, [A, B, V - B]).

deep(0, X) -> X;
deep(I, [_, _, _, 9 | _] = L) -> deep(I - 1, L);
deep(I, [_, _, 3, 4 | T]) -> deep(I - 1, [T]);
deep(I, [_, _]) -> deep(I - 1, ok).

head_plus(0, X) -> X;
head_plus(I, [H, _ | _] = L) -> _ = H + I, head_plus(I - 1, L).

walk([], Acc) -> Acc;
walk([0, 1 | T], Acc) -> walk(T, Acc + 1);
walk([_, 2 | T], Acc) -> walk(T, Acc + 2);
walk([$a, _ | T], Acc) -> walk(T, Acc + 3);
walk([_ | T], Acc) -> walk(T, Acc + 10).

rebuild(0, L) -> L;
rebuild(I, [A, B, C, D | T]) -> rebuild(I - 1, [B, A, D, C | T]).

try_head(X) ->
    try
        [H, _ | _] = X,
        H
    catch
        error:{badmatch, V} -> {badmatch, V}
    end.
