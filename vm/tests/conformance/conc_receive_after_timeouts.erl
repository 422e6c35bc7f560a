-module(conc_receive_after_timeouts).
-export([main/0]).

%% `after N` waits N ms when nothing matches; a message arriving before then wins; the
%% timeout expression is evaluated; `after infinity` waits for ever (here: for a message).
main() ->
    T0 = erlang:monotonic_time(millisecond),
    R1 = receive never -> never after 30 -> timeout end,
    Waited = erlang:monotonic_time(millisecond) - T0,
    io:format("~p waited at least 30 ms: ~p~n", [R1, Waited >= 30]),
    erlang:send_after(10, self(), late),
    R2 = receive late -> late_arrived after 5000 -> timeout end,
    Self = self(),
    spawn(fun() -> receive after 20 -> Self ! from_child end end),
    R3 = receive from_child -> from_child after infinity -> impossible end,
    Timeout = fun(X) -> X * 2 end,
    R4 = receive never -> never after Timeout(5) -> computed end,
    %% A timeout variable bound to infinity.
    Inf = infinity,
    Self ! ping,
    R5 = receive ping -> pong after Inf -> impossible end,
    io:format("~p~n", [[R2, R3, R4, R5]]),
    [R1, R2, R3, R4, R5].
