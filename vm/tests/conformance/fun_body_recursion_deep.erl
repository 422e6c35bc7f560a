-module(fun_body_recursion_deep).
-export([main/0]).

sum([]) -> 0;
sum([H | T]) -> H + sum(T).
build(0) -> [];
build(N) -> [N | build(N - 1)].
main() ->
    L = build(100000),
    R = [sum(L), length(L), hd(L)],
    io:format("~p~n", [R]),
    R.
