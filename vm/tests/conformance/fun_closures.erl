-module(fun_closures).
-export([main/0]).

adder(N) -> fun(X) -> X + N end.
counter() -> fun Loop(0, Acc) -> Acc; Loop(N, Acc) -> Loop(N - 1, [N | Acc]) end.
main() ->
    A5 = adder(5),
    C = counter(),
    R = [A5(1), (adder(-1))(1), C(5, []), (fun(X, Y) -> X * Y end)(6, 7), erlang:fun_info(A5, arity)],
    io:format("~p~n", [R]),
    R.
