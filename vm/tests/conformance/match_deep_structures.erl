-module(match_deep_structures).
-export([main/0]).

main() ->
    Data = {config, [{server, #{host => "h", ports => [80, 443]}}, {client, #{retries => 3}}]},
    {config, [{server, #{ports := [P1 | _]}}, {client, #{retries := R}}]} = Data,
    [{_, S} | _] = element(2, Data),
    io:format("~p ~p ~p~n", [P1, R, maps:get(host, S)]),
    {P1, R}.
