-module(proplists_usage).
-export([main/0]).

main() ->
    P = [{host, "h"}, {port, 80}, debug, {port, 81}, {verbose, false}],
    R = [proplists:get_value(port, P), proplists:get_value(missing, P, def), proplists:get_bool(debug, P), proplists:get_bool(verbose, P),
         proplists:get_all_values(port, P), proplists:lookup(host, P), proplists:is_defined(debug, P), proplists:delete(port, P),
         proplists:compact(P), proplists:unfold([a, {b, 1}]), proplists:to_map([{a, 1}, b])],
    io:format("~p~n", [R]),
    R.
