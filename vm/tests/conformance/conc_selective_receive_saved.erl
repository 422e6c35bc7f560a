-module(conc_selective_receive_saved).
-export([main/0]).

%% A receive that skips messages leaves them in the mailbox, in their order, for later
%% receives.
main() ->
    Self = self(),
    [Self ! M || M <- [a, {b, 1}, c, {b, 2}, d, {urgent, x}, e]],
    U = receive {urgent, X} -> X end,
    B2 = receive {b, 2} -> two end,
    B = receive {b, N} -> N end,
    Rest = drain([]),
    io:format("~p ~p ~p ~p~n", [U, B2, B, Rest]),
    %% A later message that matches is taken even if older ones do not.
    Self ! old, Self ! {new, 1},
    New = receive {new, V} -> V end,
    Old = receive Y -> Y end,
    io:format("~p ~p~n", [New, Old]),
    %% Guards select too, and the skipped messages keep their order.
    [Self ! I || I <- [1, 20, 3, 40, 5]],
    Big1 = receive I1 when I1 > 10 -> I1 end,
    Big2 = receive I2 when I2 > 10 -> I2 end,
    Big = [Big1, Big2],
    Small = drain([]),
    io:format("~p ~p~n", [Big, Small]),
    {U, Rest, Big, Small}.

drain(Acc) -> receive M -> drain([M | Acc]) after 0 -> lists:reverse(Acc) end.
