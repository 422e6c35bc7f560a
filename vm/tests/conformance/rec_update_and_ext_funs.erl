-module(rec_update_and_ext_funs).
-export([main/0, twice/1]).

%% Record update and `fun M:F/A` lowered to bytecode: updates copy, leave the original
%% alone, evaluate values in order, reject other terms with badrecord; external funs are
%% built from constants or computed names and reject bad parts with badarg.

-record(pt, {x = 0, y = 0, tag = none}).

twice(X) -> 2 * X.

moves() ->
    P = #pt{x = 1},
    Q = P#pt{y = 5},
    R = Q#pt{x = Q#pt.x + 10, tag = moved},
    {P, Q, R, R#pt{}}.

ordered() ->
    put(trace, []),
    Log = fun(V) -> put(trace, [V | get(trace)]), V end,
    P = (#pt{})#pt{y = Log(y), x = Log(x)},
    {P, lists:reverse(get(trace))}.

bad(V) ->
    try V#pt{x = 1} catch error:E -> E end.

ext() ->
    F = fun ?MODULE:twice/1,
    M = lists, N = reverse,
    G = fun M:N/1,
    H = fun erlang:length/1,
    Bad = [try fun A:B/C catch error:E -> E end
           || {A, B, C} <- [{1, x, 1}, {m, "f", 1}, {m, f, -1}, {m, f, 256}, {m, f, a}]],
    {F(21), G([1, 2, 3]), H([a, b]), lists:map(fun ?MODULE:twice/1, [1, 2]),
     is_function(G, 1), Bad}.

main() ->
    {moves(), ordered(), bad({pt, 1, 2}), bad({other, 1, 2, 3}), bad(pt), ext()}.
