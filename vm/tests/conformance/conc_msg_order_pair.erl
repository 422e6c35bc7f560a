-module(conc_msg_order_pair).
-export([main/0]).

%% Messages from one process to another arrive in the order they were sent, whatever the
%% sizes and kinds of the messages in between.
main() ->
    Self = self(),
    Rx = spawn(fun() -> Self ! {got, collect(200, [])} end),
    Msgs = [case I rem 4 of
                0 -> I;
                1 -> {I, lists:seq(1, I rem 7)};
                2 -> list_to_binary(integer_to_list(I));
                3 -> [I | "tail"]
            end || I <- lists:seq(1, 200)],
    [Rx ! M || M <- Msgs],
    Got = receive {got, G} -> G end,
    io:format("same order: ~p~n", [Got =:= Msgs]),
    io:format("first five: ~p~n", [lists:sublist(Got, 5)]),
    io:format("last: ~p~n", [lists:last(Got)]),
    length(Got).

collect(0, Acc) -> lists:reverse(Acc);
collect(N, Acc) -> receive M -> collect(N - 1, [M | Acc]) end.
