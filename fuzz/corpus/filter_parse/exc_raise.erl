-module(exc_raise).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = try
            try error(first) catch error:E:St -> erlang:raise(throw, {wrapped, E}, St) end
        catch C:X -> {C, X}
        end,
    B = t(fun() -> erlang:raise(bad_class, x, []) end),
    io:format("~p ~p~n", [R, B]),
    {R, B}.
