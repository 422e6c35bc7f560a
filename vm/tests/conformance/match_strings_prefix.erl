-module(match_strings_prefix).
-export([main/0]).

cmd("GET " ++ Path) -> {get, Path};
cmd("SET " ++ Rest) -> [K, V] = string:split(Rest, " "), {set, K, V};
cmd(_) -> unknown.
main() ->
    R = [cmd("GET /a"), cmd("SET k v"), cmd("DEL x")],
    io:format("~p~n", [R]),
    R.
