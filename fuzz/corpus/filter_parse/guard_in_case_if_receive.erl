-module(guard_in_case_if_receive).
-export([main/0]).

cls(X) ->
    case X of
        N when is_integer(N), N < 0 -> neg;
        N when is_integer(N) -> if N > 100 -> huge; N > 10 -> big; true -> small end;
        _ -> nan
    end.
main() ->
    self() ! {msg, 5}, self() ! {msg, 50},
    G1 = receive {msg, V} when V > 10 -> V end,
    G2 = receive {msg, W} -> W end,
    Got = [G1, G2],
    R = [cls(X) || X <- [-1, 5, 50, 500, x]],
    io:format("~p ~p~n", [Got, R]),
    {Got, R}.
