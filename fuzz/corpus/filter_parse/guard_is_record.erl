-module(guard_is_record).
-export([main/0]).
-record(pt, {x = 0, y = 0}).
-record(other, {a}).

f(R) when is_record(R, pt) -> pt;
f(R) when is_record(R, other, 2) -> other;
f(_) -> no.
main() ->
    R = [f(#pt{}), f(#other{}), f({pt, 1}), f({pt, 1, 2}), f(x)],
    io:format("~p~n", [R]),
    R.
