-module(fun_capture_env).
-export([main/0]).

main() ->
    Xs = [1, 2, 3],
    Fs = [fun() -> X * Y end || X <- Xs, Y <- [10]],
    Acc = lists:foldl(fun(F, A) -> [F() | A] end, [], Fs),
    Z = 100,
    G = fun(Z1) -> Z1 + Z end,
    io:format("~p ~p~n", [Acc, G(1)]),
    {Acc, G(1)}.
