-module(exc_nested_rethrow).
-export([main/0]).

main() ->
    R = try
            try error(inner)
            catch error:inner -> throw(rethrown)
            end
        catch throw:X -> {outer, X}
        end,
    S = try try exit(a) catch throw:_ -> no end catch exit:Y -> {passed_through, Y} end,
    U = try try throw(1) catch throw:N -> error({again, N}) end catch error:Z -> Z end,
    io:format("~p ~p ~p~n", [R, S, U]),
    {R, S, U}.
