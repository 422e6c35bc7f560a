-module(proc_send_after_timers).
-export([main/0]).

main() ->
    erlang:send_after(30, self(), late),
    erlang:send_after(10, self(), early),
    T = erlang:start_timer(20, self(), mid),
    A = receive X1 -> X1 end,
    B = receive {timeout, T, M} -> M end,
    C = receive X3 -> X3 end,
    Ref = erlang:send_after(1000, self(), never),
    Left = erlang:cancel_timer(Ref),
    io:format("~p ~p ~p ~p~n", [A, B, C, is_integer(Left)]),
    [A, B, C].
