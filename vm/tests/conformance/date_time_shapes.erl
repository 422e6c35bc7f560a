-module(date_time_shapes).
-export([main/0]).

%% erlang:date/0 and time/0 (auto-imported) return {Y, M, D} and {H, Mi, S} of local time,
%% localtime/0 and universaltime/0 {Date, Time}. Only the shapes and ranges are printed, so
%% the output does not depend on the clock.
main() ->
    {Y, M, D} = date(),
    {H, Mi, S} = time(),
    {{Y2, _, _}, {_, _, _}} = erlang:localtime(),
    {{Y3, _, _}, {_, _, _}} = erlang:universaltime(),
    R = [Y >= 2024, M >= 1 andalso M =< 12, D >= 1 andalso D =< 31,
         H >= 0 andalso H =< 23, Mi >= 0 andalso Mi =< 59, S >= 0 andalso S =< 60,
         abs(Y2 - Y) =< 1, abs(Y3 - Y) =< 1],
    io:format("~p~n", [R]),
    R.
