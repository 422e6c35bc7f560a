-module(lc_compiled_loops).
-export([main/0]).

%% List comprehensions lowered to loops in the function's own frame: several generators,
%% skipped non-matching elements, guard and plain filters, errors, side-effect order.

pairs(L) -> [{X, Y} || X <- L, Y <- L, X < Y].

tagged(L) -> [V || {ok, V} <- L].

bound(K, L) -> [V || {Key, V} <- L, Key =:= K].

plain_filter(L) -> [X || X <- L, is_even(X)].
is_even(X) -> X rem 2 =:= 0.

guard_filter(L) -> [X || X <- L, X > 2].

raising_guard(L) -> [X || X <- L, hd(X) > 0].

first_filter(B) -> [x || B, _ <- [1, 2]].

order() ->
    put(seen, []),
    L = [begin put(seen, [{X, Y} | get(seen)]), X * Y end || X <- [1, 2, 3], Y <- [10, 20]],
    {L, lists:reverse(get(seen))}.

nested(L) -> [[Y * 2 || Y <- X] || X <- L].

errors() ->
    [try F() catch error:R -> R end
     || F <- [fun() -> [X || X <- [1, 2 | three]] end,
              fun() -> [X || X <- not_a_list] end,
              fun() -> [X || X <- [1, 2], X] end,
              fun() -> [X || X <- [a, b], X + 1] end]].

big(N) -> length([X || X <- lists:seq(1, N), X rem 7 =:= 0]).

main() ->
    {pairs([1, 2, 3]), tagged([{ok, 1}, error, {ok, 2}, {ok, 3, x}]),
     bound(b, [{a, 1}, {b, 2}, {c, 3}, {b, 4}]),
     plain_filter(lists:seq(1, 10)), guard_filter([1, 2, 3, 4]),
     raising_guard([[1], [], [-1], a, [5]]),
     first_filter(true), first_filter(false),
     order(), nested([[1, 2], [], [3]]), errors(), big(100000)}.
