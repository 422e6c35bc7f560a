-module(exc_catch_expression).
-export([main/0]).

main() ->
    R = [catch throw(x), catch 1 + 1, catch exit(e), catch error(r)],
    Tags = [case X of {'EXIT', {Reason, _Stack}} -> {exit_tuple, Reason}; {'EXIT', Reason} -> {exit, Reason}; V -> V end || X <- R],
    V = (catch 10) + 1,
    io:format("~p ~p~n", [Tags, V]),
    {Tags, V}.
