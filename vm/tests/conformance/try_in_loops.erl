-module(try_in_loops).
-export([main/0]).

safe_div(A, B) -> try A div B catch error:badarith -> infinity end.
main() ->
    R = [safe_div(10, D) || D <- [5, 0, -3, 0, 1]],
    S = lists:foldl(fun(X, Acc) -> try X + Acc catch error:badarith -> Acc end end, 0, [1, a, 2, "b", 3]),
    io:format("~p ~p~n", [R, S]),
    {R, S}.
