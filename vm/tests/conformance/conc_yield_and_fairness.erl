-module(conc_yield_and_fairness).
-export([main/0]).

%% erlang:yield/0 returns true; a busy loop in one process does not stop others from
%% running to completion (reductions are counted).
main() ->
    Y = [erlang:yield() || _ <- lists:seq(1, 5)],
    Self = self(),
    Busy = spawn(fun() -> spin(0) end),
    Workers = [spawn(fun() -> Self ! {done, I, lists:sum(lists:seq(1, 1000 * I))} end)
               || I <- lists:seq(1, 4)],
    Results = [receive {done, I, S} -> S after 5000 -> timeout end || I <- lists:seq(1, 4)],
    exit(Busy, kill),
    io:format("~p ~p ~p~n", [Y, Results, length(Workers)]),
    Results.

spin(N) -> spin(N + 1).
