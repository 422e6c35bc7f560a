-module(accumulators_and_reverse).
-export([main/0]).

rev(L) -> rev(L, []).
rev([], Acc) -> Acc;
rev([H | T], Acc) -> rev(T, [H | Acc]).
split_evens(L) -> split_evens(L, [], []).
split_evens([], E, O) -> {lists:reverse(E), lists:reverse(O)};
split_evens([H | T], E, O) when H rem 2 =:= 0 -> split_evens(T, [H | E], O);
split_evens([H | T], E, O) -> split_evens(T, E, [H | O]).
main() ->
    R = [rev([1, 2, 3]), split_evens(lists:seq(1, 10))],
    io:format("~p~n", [R]),
    R.
