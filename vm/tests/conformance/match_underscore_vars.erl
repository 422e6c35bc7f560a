-module(match_underscore_vars).
-export([main/0]).

main() ->
    {_Ignored, Used} = {1, 2},
    [_ | _] = [a],
    _ = some_call(),
    _Also = 5,
    R = [Used, _Ignored],
    io:format("~p~n", [R]),
    R.
some_call() -> ignored.
