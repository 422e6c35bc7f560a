-module(lists_seq_nth).
-export([main/0]).

main() ->
    R = [lists:seq(1, 5), lists:seq(5, 1, -1), lists:seq(1, 10, 3), lists:seq(1, 0), lists:nth(3, [a, b, c, d]),
         lists:nthtail(2, [a, b, c]), lists:last([1, 2, 3]), lists:droplast([1, 2, 3]), lists:sublist([1, 2, 3, 4], 2),
         lists:sublist([1, 2, 3, 4], 2, 2), lists:split(2, [a, b, c]), lists:duplicate(3, x), lists:enumerate([a, b, c])],
    io:format("~p~n", [R]),
    R.
