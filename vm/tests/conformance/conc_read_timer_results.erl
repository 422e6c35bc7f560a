-module(conc_read_timer_results).
-export([main/0]).

%% read_timer tells the time left without cancelling; false once the timer is gone.
main() ->
    Ref = erlang:start_timer(10000, self(), x),
    T1 = erlang:read_timer(Ref),
    io:format("left: ~p~n", [is_integer(T1) andalso T1 > 5000 andalso T1 =< 10000]),
    receive after 20 -> ok end,
    T2 = erlang:read_timer(Ref),
    io:format("decreasing: ~p~n", [T2 =< T1]),
    _ = erlang:cancel_timer(Ref),
    io:format("after cancel: ~p~n", [erlang:read_timer(Ref)]),
    Short = erlang:send_after(1, self(), done),
    receive done -> ok end,
    io:format("after firing: ~p~n", [erlang:read_timer(Short)]),
    io:format("unknown: ~p~n", [erlang:read_timer(make_ref())]),
    Bad = [try erlang:read_timer(X) catch C:E -> {C, E} end || X <- [a, 42, []]],
    io:format("bad: ~p~n", [Bad]),
    Bad.
