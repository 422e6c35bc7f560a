-module(fib).
-export([main/0, fib/1]).
fib(0) -> 0;
fib(1) -> 1;
fib(N) -> fib(N - 1) + fib(N - 2).
main() ->
    {T, V} = timer:tc(fun() -> fib(30) end),
    io:put_chars(integer_to_list(T div 1000) ++ " ms\n"),
    V.
