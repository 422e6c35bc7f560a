%% timer: the parts of OTP's timer module that need no timer server (tc, sleep, conversions).
%%
%% OTP runs send_after/apply_after through a gen_server and ETS; our VM provides
%% erlang:send_after/start_timer natively, so only the pure functions live here. Semantics follow
%% OTP 25.2's timer.erl (Apache License 2.0, Ericsson AB).
-module(timer).

-export([tc/1, tc/2, tc/3, sleep/1, seconds/1, minutes/1, hours/1, hms/3]).

%% tc returns {Microseconds, Result}, measured on the monotonic clock as OTP 25 does.
tc(F) ->
    T1 = erlang:monotonic_time(),
    Val = F(),
    T2 = erlang:monotonic_time(),
    {erlang:convert_time_unit(T2 - T1, native, microsecond), Val}.

tc(F, A) ->
    T1 = erlang:monotonic_time(),
    Val = apply(F, A),
    T2 = erlang:monotonic_time(),
    {erlang:convert_time_unit(T2 - T1, native, microsecond), Val}.

tc(M, F, A) ->
    T1 = erlang:monotonic_time(),
    Val = apply(M, F, A),
    T2 = erlang:monotonic_time(),
    {erlang:convert_time_unit(T2 - T1, native, microsecond), Val}.

sleep(T) ->
    receive
    after T -> ok
    end.

seconds(Seconds) -> 1000 * Seconds.

minutes(Minutes) -> 1000 * 60 * Minutes.

hours(Hours) -> 1000 * 60 * 60 * Hours.

hms(H, M, S) -> hours(H) + minutes(M) + seconds(S).
