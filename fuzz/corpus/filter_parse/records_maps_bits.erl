-module(t1).
-export([main/0, fib/1]).
-record(pt, {x = 0, y = 0 :: integer(), z}).
-define(SQ(X), ((X) * (X))).

fib(0) -> 0;
fib(1) -> 1;
fib(N) -> fib(N - 1) + fib(N - 2).

main() ->
    io:put_chars("hello\n"),
    P = #pt{x = 3},
    Q = P#pt{y = 4},
    L = [X * 2 || X <- lists:reverse([1,2,3]), X > 1],
    B = <<1:4, 300:12, "ab">>,
    <<A:4, C:12, Rest/binary>> = B,
    F = fun(Y) -> Y + Q#pt.x end,
    M = #{a => 1, b => [x]},
    #{a := Av} = M,
    R = try 1 / 0 catch error:E -> {caught, E} end,
    T = catch throw(foo),
    {?SQ(5), fib(20), Q, L, B, A, C, Rest, F(10), Av, M#{c => 3}, R, T, 1 bsl 70, 2.5, "str", 'Quoted atom', self() =:= self()}.
