-module(queue_via_two_lists).
-export([main/0]).

new() -> {[], []}.
in(X, {F, B}) -> {F, [X | B]}.
out({[], []}) -> empty;
out({[], B}) -> out({lists:reverse(B), []});
out({[H | T], B}) -> {H, {T, B}}.
drain(Q) -> case out(Q) of empty -> []; {X, Q1} -> [X | drain(Q1)] end.
main() ->
    Q = lists:foldl(fun in/2, new(), lists:seq(1, 10)),
    {1, Q2} = out(Q),
    R = drain(in(11, Q2)),
    io:format("~w~n", [R]),
    R.
