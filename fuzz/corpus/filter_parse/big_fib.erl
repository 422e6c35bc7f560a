-module(big_fib).
-export([main/0]).

fib(N) -> fib(N, 0, 1).
fib(0, A, _) -> A;
fib(N, A, B) -> fib(N - 1, B, A + B).
main() ->
    L = [fib(N) || N <- [10, 50, 90, 100, 150, 300]],
    io:format("~p~n", [L]),
    L.
