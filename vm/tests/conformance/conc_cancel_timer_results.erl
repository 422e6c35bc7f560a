-module(conc_cancel_timer_results).
-export([main/0]).

%% cancel_timer returns the time left (an integer) for a pending timer, false for one
%% that fired or was cancelled already, and badarg for a non-reference.
main() ->
    Ref = erlang:send_after(10000, self(), never),
    Left = erlang:cancel_timer(Ref),
    io:format("pending: ~p~n", [is_integer(Left) andalso Left > 5000 andalso Left =< 10000]),
    io:format("again: ~p~n", [erlang:cancel_timer(Ref)]),
    R = receive never -> delivered after 50 -> not_delivered end,
    io:format("cancelled message: ~p~n", [R]),
    Fired = erlang:send_after(1, self(), fired),
    receive fired -> ok end,
    io:format("after firing: ~p~n", [erlang:cancel_timer(Fired)]),
    T = erlang:start_timer(10000, self(), x),
    io:format("start_timer cancel: ~p~n", [is_integer(erlang:cancel_timer(T))]),
    io:format("unknown ref: ~p~n", [erlang:cancel_timer(make_ref())]),
    Bad = [try erlang:cancel_timer(X) catch C:E -> {C, E} end || X <- [a, 1, self()]],
    io:format("bad: ~p~n", [Bad]),
    %% A fired timer's message stays in the mailbox even if cancelled afterwards.
    Late = erlang:send_after(1, self(), kept),
    receive after 30 -> ok end,
    C2 = erlang:cancel_timer(Late),
    Kept = receive kept -> kept after 0 -> gone end,
    io:format("~p ~p~n", [C2, Kept]),
    Bad.
