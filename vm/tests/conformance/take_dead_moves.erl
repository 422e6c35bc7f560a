%% Registers moved rather than copied when no path reads them again (`take`, `cons_take`):
%% arguments and variables passed on to calls, consed, returned; the same variables read
%% again after the move, in another branch, after a call that raises (caught by a caller),
%% in a loop (comprehension, receive) and inside try/catch.
-module(take_dead_moves).
-export([main/0]).

rev([H | T], Acc) -> rev(T, [H | Acc]);
rev([], Acc) -> Acc.

app([H | T], L) -> [H | app(T, L)];
app([], L) -> L.

%% L moved into the call, then read again: must still hold the list.
twice(L) -> A = length(L), B = rev(L, []), {A, B, L}.

%% X consed twice, and returned with the cell.
cells(X, Y) -> C = [X | Y], D = [X | C], {C, D, X}.

%% The moved value is read in one branch only.
branch(X, Flag) ->
    case Flag of
        true -> {yes, rev(X, [])};
        false -> {no, X}
    end.

%% A call that raises after its arguments were moved: the caller's handler sees its own
%% variables intact.
boom(L, _) -> erlang:error({boom, length(L)}).
pass_then_raise(L) -> boom(L, [L | L]).
caller(L) ->
    R = try pass_then_raise(L) catch error:E -> E end,
    {R, L}.

%% Inside try: moves are not taken (a handler may read the register).
in_try(L) ->
    try
        X = rev(L, []),
        boom(X, L)
    catch
        error:{boom, N} -> {caught, N, L}
    end.

%% Loops: a comprehension and a receive read the same variable on every pass.
comp(L, K) -> [[X | K] || X <- L].
recv(K, 0) -> K;
recv(K, N) ->
    self() ! {m, N},
    receive {m, M} -> recv([M | K], N - 1) end.

%% A chain of calls passing the same value down, body-recursive.
down(0, Acc) -> Acc;
down(N, Acc) -> [N | down(N - 1, [Acc])].

main() ->
    L = [1, 2, 3],
    S = "abc",
    [rev(L, []), app(L, S), app(S, L), twice(L), twice(S), cells(a, [b]), cells(L, S),
     branch(L, true), branch(L, false), caller(L), caller(S), in_try(L),
     comp(L, S), recv([], 3), down(3, x), L, S].
