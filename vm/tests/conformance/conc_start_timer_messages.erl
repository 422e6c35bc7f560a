-module(conc_start_timer_messages).
-export([main/0]).

%% start_timer wraps the message as {timeout, TimerRef, Msg}, the reference being the one
%% start_timer returned.
main() ->
    Ref = erlang:start_timer(5, self(), tick),
    R1 = receive {timeout, Ref, Msg} -> {matched_ref, Msg}; Other -> {other, Other} after 2000 -> none end,
    Ref2 = erlang:start_timer(5, self(), {data, [1, 2, 3]}),
    R2 = receive {timeout, R, M} -> {R =:= Ref2, M} after 2000 -> none end,
    %% Two timers, told apart by their references.
    A = erlang:start_timer(40, self(), same),
    B = erlang:start_timer(10, self(), same),
    First = receive {timeout, X, same} -> if X =:= A -> a; X =:= B -> b end after 2000 -> none end,
    Second = receive {timeout, Y, same} -> if Y =:= A -> a; Y =:= B -> b end after 2000 -> none end,
    io:format("~p~n", [[R1, R2, First, Second]]),
    [R1, R2, First, Second].
