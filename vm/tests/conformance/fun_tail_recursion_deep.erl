-module(fun_tail_recursion_deep).
-export([main/0]).

loop(0, Acc) -> Acc;
loop(N, Acc) -> loop(N - 1, Acc + N).
count([], N) -> N;
count([_ | T], N) -> count(T, N + 1).
main() ->
    R = [loop(1000000, 0), count(lists:seq(1, 200000), 0)],
    io:format("~p~n", [R]),
    R.
