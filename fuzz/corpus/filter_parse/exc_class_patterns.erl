-module(exc_class_patterns).
-export([main/0]).

c(F) ->
    try F() catch
        throw:{a, _} = T -> {throw_a, T};
        throw:_ -> throw_other;
        error:badarith -> arith;
        error:{badmatch, V} -> {badmatch, V};
        exit:E when is_atom(E) -> {exit_atom, E};
        Class:Reason -> {Class, Reason}
    end.
main() ->
    R = [c(fun() -> throw({a, 1}) end), c(fun() -> throw(b) end), c(fun() -> 1 / zero() end),
         c(fun() -> {x} = {zero()} end), c(fun() -> exit(k) end), c(fun() -> exit({k}) end), c(fun() -> error(z) end)],
    io:format("~p~n", [R]),
    R.
zero() -> 0.
