-module(scope_siblings_runtime).
-export([main/0]).

%% What erl_lint's scope rules mean at run time: a variable bound by two siblings is compared
%% (left to right); one bound inside a comprehension or fun is a new, local variable; binary
%% sizes in a fun head or generator read the variable from before the pattern.

try_it(F) ->
    try F() catch error:R -> {error, R} end.

tuple_twice(Y) -> {X = 1, X = Y}.
list_twice(Y) -> [X = Y, X = 2].
ops_twice(Y) -> (X = Y) + (X = 2).
case_in_sibling(A) -> {X = 1, case A of 1 -> X = 2; _ -> ok end}.
lc_after_sibling() -> {X = 1, [X = Y || Y <- [1, 2]]}.
lc_keeps_outer() -> R = {X = 1, [X = Y || Y <- [5]]}, {R, X}.
fun_after_sibling() -> {X = 1, (fun() -> X = 2 end)()}.
fun_head_size(N) -> F = fun(N, <<X:N>>) -> {N, X} end, F(3, <<5:8>>).
gen_size(X) -> [X || <<X:X>> <- [<<7>>, <<9>>]].
head_size(<<N:8, X:N>>) -> {N, X}.
map_key_outer(K, M) -> case M of #{K := V} -> V; _ -> none end.
timeout_binds() -> receive after (T = 0) -> ok end, T.
both_bind_then_use(A) -> {X = A, X = A}, X.
bin_siblings(A) -> <<(X = A):8, (Y = A + 1):8>>, {X, Y}.
map_siblings() -> #{a => (X = 1), b => (Y = 2)}, X + Y.
filter_binds(L) -> [Y || X <- L, (Y = X * 2) > 2].

main() ->
    [tuple_twice(1), try_it(fun() -> tuple_twice(2) end),
     try_it(fun() -> list_twice(1) end), list_twice(2),
     ops_twice(2), try_it(fun() -> ops_twice(3) end),
     case_in_sibling(2), try_it(fun() -> case_in_sibling(1) end),
     lc_after_sibling(), lc_keeps_outer(), fun_after_sibling(),
     fun_head_size(8), gen_size(8), head_size(<<4, 9:4>>),
     map_key_outer(a, #{a => 1}), map_key_outer(b, #{a => 1}),
     timeout_binds(), both_bind_then_use(7), bin_siblings(1), map_siblings(),
     filter_binds([1, 2, 3])].
