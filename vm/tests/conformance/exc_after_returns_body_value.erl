-module(exc_after_returns_body_value).
-export([main/0]).

main() ->
    put(n, 0),
    A = try put(n, 1), body catch _:_ -> c after put(n, 99) end,
    B = get(n),
    C = try try throw(x) after put(n, inner) end catch throw:x -> get(n) end,
    D = (fun() -> try 1 after ok end end)(),
    io:format("~p~n", [[A, B, C, D]]),
    [A, B, C, D].
