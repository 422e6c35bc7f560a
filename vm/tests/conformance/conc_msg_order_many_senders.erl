-module(conc_msg_order_many_senders).
-export([main/0]).

%% Several senders to one receiver: messages interleave in any way, but each sender's own
%% messages keep their order, and none is lost or duplicated.
main() ->
    Self = self(),
    Senders = [spawn(fun() -> receive go -> [Self ! {S, I} || I <- lists:seq(1, 100)] end end)
               || S <- lists:seq(1, 5)],
    [P ! go || P <- Senders],
    All = collect(500, []),
    PerSender = [[I || {S2, I} <- All, S2 =:= S] || S <- lists:seq(1, 5)],
    io:format("counts: ~p~n", [[length(L) || L <- PerSender]]),
    io:format("each in order: ~p~n", [[L =:= lists:seq(1, 100) || L <- PerSender]]),
    Extra = receive X -> {unexpected, X} after 50 -> none end,
    io:format("nothing more: ~p~n", [Extra]),
    lists:sum([I || {_, I} <- All]).

collect(0, Acc) -> lists:reverse(Acc);
collect(N, Acc) -> receive {S, I} -> collect(N - 1, [{S, I} | Acc]) end.
