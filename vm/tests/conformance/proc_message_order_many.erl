-module(proc_message_order_many).
-export([main/0]).

main() ->
    Self = self(),
    [spawn(fun() -> Self ! {n, N} end) || N <- lists:seq(1, 50)],
    L = [receive {n, N} -> N end || _ <- lists:seq(1, 50)],
    S = lists:sort(L),
    io:format("~p~n", [S =:= lists:seq(1, 50)]),
    length(S).
