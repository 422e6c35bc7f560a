-module(exc_badfun_badarity).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    NotFun = 42, F = fun(X) -> X end,
    R = [t(fun() -> NotFun(1) end), t(fun() -> F(1, 2) end), t(fun() -> F() end),
         t(fun() -> apply(F, [1]) end), t(fun() -> apply(NotFun, []) end)],
    io:format("~p~n", [element(1, lists:unzip([{C, 0} || {C, _} <- R]))]),
    [case X of {error, {badarity, _}} -> badarity; {error, {badfun, V}} -> {badfun, V}; Other -> Other end || X <- R].
