-module(fun_higher_order).
-export([main/0]).

compose(F, G) -> fun(X) -> F(G(X)) end.
curry(F) -> fun(A) -> fun(B) -> F(A, B) end end.
main() ->
    Inc = fun(X) -> X + 1 end, Dbl = fun(X) -> X * 2 end,
    R = [(compose(Inc, Dbl))(5), (compose(Dbl, Inc))(5), ((curry(fun(A, B) -> A - B end))(10))(3),
         lists:foldl(fun(F, Acc) -> F(Acc) end, 1, [Inc, Dbl, Dbl, Inc])],
    io:format("~p~n", [R]),
    R.
