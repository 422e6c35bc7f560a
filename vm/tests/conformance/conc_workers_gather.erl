-module(conc_workers_gather).
-export([main/0]).

%% Fan out work to many processes and gather the results in request order by receiving
%% on each worker's pid (selective receive keyed by pid).
main() ->
    Self = self(),
    Jobs = lists:seq(1, 30),
    Pids = [spawn(fun() ->
                          %% Later jobs finish first, so replies arrive out of order.
                          receive after (31 - J) rem 5 -> ok end,
                          Self ! {self(), J * J}
                  end) || J <- Jobs],
    Results = [receive {P, R} -> R after 5000 -> timeout end || P <- Pids],
    io:format("~p~n", [Results]),
    io:format("ok: ~p~n", [Results =:= [J * J || J <- Jobs]]),
    lists:sum(Results).
