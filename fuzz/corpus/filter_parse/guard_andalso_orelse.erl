-module(guard_andalso_orelse).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

f(X) when is_integer(X) andalso X > 10 orelse is_atom(X) -> yes;
f(X) when not is_integer(X) -> not_int;
f(X) when (X > 0) xor (X > 5) -> between;
f(_) -> no.
main() ->
    R = [f(X) || X <- [11, 5, a, "s", 3, 7, -1]],
    E = [true andalso false, false orelse true, true andalso 1, false orelse x, not true, true xor true,
         true and false, true or false],
    io:format("~p ~p~n", [R, E]),
    {R, E, t(fun() -> 1 andalso true end), t(fun() -> x or true end)}.
