-module(lists_filter_partition).
-export([main/0]).

main() ->
    L = lists:seq(1, 12), Even = fun(X) -> X rem 2 =:= 0 end,
    R = [lists:filter(Even, L), lists:partition(Even, L), lists:all(Even, [2, 4]), lists:any(Even, [1, 3]),
         lists:dropwhile(fun(X) -> X < 5 end, L), lists:takewhile(fun(X) -> X < 5 end, L), lists:splitwith(fun(X) -> X < 3 end, L),
         lists:search(fun(X) -> X > 7 end, L), lists:search(fun(X) -> X > 70 end, L)],
    io:format("~p~n", [R]),
    R.
