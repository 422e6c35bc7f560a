-module(fun_recursive_named).
-export([main/0]).

main() ->
    Fact = fun F(0) -> 1; F(N) -> N * F(N - 1) end,
    Fib = fun G(N) when N < 2 -> N; G(N) -> G(N - 1) + G(N - 2) end,
    Len = fun L([]) -> 0; L([_ | T]) -> 1 + L(T) end,
    R = [Fact(20), Fib(20), Len(lists:seq(1, 100))],
    io:format("~p~n", [R]),
    R.
