-module(gen_server_like_loop).
-export([main/0]).

start() -> spawn(fun() -> loop(0) end).
loop(N) ->
    receive
        {add, K} -> loop(N + K);
        {get, From, Ref} -> From ! {Ref, N}, loop(N);
        stop -> ok
    end.
call(P) -> Ref = make_ref(), P ! {get, self(), Ref}, receive {Ref, V} -> V after 1000 -> timeout end.
main() ->
    P = start(),
    [P ! {add, K} || K <- lists:seq(1, 10)],
    V = call(P),
    P ! stop,
    io:format("~p~n", [V]),
    V.
