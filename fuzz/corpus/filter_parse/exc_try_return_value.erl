-module(exc_try_return_value).
-export([main/0]).

main() ->
    A = try 1 catch _:_ -> 2 end,
    B = try throw(x) catch x -> 3 end,
    C = try error(y) catch error:_ -> 4 after ok end,
    D = try 5 after 6 end,
    io:format("~w~n", [[A, B, C, D]]),
    [A, B, C, D].
