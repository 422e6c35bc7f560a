-module(apply_fixed_arity).
-export([main/0]).
-export([two/2, zero/0, count/2, sum_to/2]).

%% apply/3 and apply/2 with an argument list of known length compile to direct calls
%% (M:F(...), Fun(...)); one call site then sees BIFs, Erlang functions, undefined
%% functions and bad names in turn (its inline cache must follow each change).

two(A, B) -> {two, A, B}.
zero() -> zero.

%% Tail recursion through apply/3: a million steps in constant space.
count(0, Acc) -> Acc;
count(N, Acc) -> apply(?MODULE, count, [N - 1, Acc + 1]).

%% Body recursion through apply/3.
sum_to(0, _) -> 0;
sum_to(N, M) -> N + apply(M, sum_to, [N - 1, M]).

reason(F) ->
    try F() of
        V -> {ok, V}
    catch
        C:R -> {C, R}
    end.

%% A fun's printed form differs between VMs: keep the class and the reason's tag.
tag({C, {T, _}}) -> {C, T};
tag(Other) -> Other.

id(X) -> X.

site(M, F, A) -> reason(fun() -> apply(M, F, [A, 2]) end).

main() ->
    M = ?MODULE,
    R1 = [apply(M, two, [1, 2]), apply(M, zero, []), apply(erlang, element, [1, {z}]),
          apply(lists, reverse, [[1, 2, 3]]), apply(M, two, [a | [b]]),
          apply(erlang, atom_to_list, [abc]), apply(fun(X) -> X * 2 end, [21]),
          apply(fun M:two/2, [x, y]), apply(fun erlang:max/2, [3, 9])],
    io:format("~p~n", [R1]),
    io:format("~p~n", [count(1000000, 0)]),
    io:format("~p~n", [sum_to(1000, M)]),
    %% One site, different targets in turn.
    Targets = [{M, two}, {erlang, max}, {M, two}, {lists, nosuch}, {M, zero}, {nomod, f},
               {M, two}, {1, two}, {M, 2}, {erlang, max}, {M, two}],
    io:format("~p~n", [[site(Mo, Fu, 7) || {Mo, Fu} <- Targets]]),
    io:format("~p~n", [[tag(reason(fun() -> apply(fun(X) -> X end, [1, 2]) end)),
                        reason(fun() -> apply(id(not_a_fun), [1]) end)]]),
    Bad = [reason(fun() -> apply(M, 3, []) end), reason(fun() -> apply(7, two, [1, 2]) end),
           reason(fun() -> apply(M, nosuch, [1]) end),
           reason(fun() -> N = id(1), N:two(1, 2) end),
           reason(fun() -> F = id("two"), M:F(1, 2) end)],
    io:format("~p~n", [Bad]),
    ok.
