-module(exc_unknown_catch_all).
-export([main/0]).

main() ->
    R = [try X() catch _ -> thrown; _:_ -> other end || X <- [fun() -> throw(a) end, fun() -> error(b) end, fun() -> exit(c) end]],
    io:format("~p~n", [R]),
    R.
