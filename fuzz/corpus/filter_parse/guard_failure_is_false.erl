-module(guard_failure_is_false).
-export([main/0]).

g(X) when hd(X) > 0 -> pos_head;
g(X) when element(2, X) =:= b -> second_b;
g(X) when X / 0 > 1 -> never;
g(X) when length(X) >= 0 -> list;
g(_) -> fallthrough.
main() ->
    R = [g(X) || X <- [[1], [], {a, b}, {a}, 5, [a | b], "xy"]],
    io:format("~p~n", [R]),
    R.
