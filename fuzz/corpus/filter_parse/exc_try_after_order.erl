-module(exc_try_after_order).
-export([main/0]).

main() ->
    put(log, []),
    Log = fun(X) -> put(log, [X | get(log)]) end,
    R1 = try Log(body), ok after Log(after1) end,
    R2 = try try throw(t) after Log(after_inner) end catch throw:T -> Log({caught, T}), T after Log(after_outer) end,
    R3 = (catch try error(e) after Log(after3) end),
    io:format("~p~n", [lists:reverse(get(log))]),
    {R1, R2, element(1, R3), lists:reverse(get(log))}.
