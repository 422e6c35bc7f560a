-module(exc_stacktrace_shape).
-export([main/0]).

main() ->
    R = try error(x) catch error:x:St -> {is_list(St), length(St) > 0, element(1, hd(St))} end,
    G = try throw(y) catch _:_:S -> is_list(S) end,
    io:format("~p ~p~n", [R, G]),
    {R, G}.
