-module(conc_mailbox_nested_receive).
-export([main/0]).

%% A receive inside a receive clause, receive in a function called from a receive, and
%% messages left behind by the inner receive are still in order for the outer one.
main() ->
    Self = self(),
    [Self ! M || M <- [{outer, 1}, noise1, {inner, a}, noise2, {inner, b}, {outer, 2}]],
    R1 = receive
             {outer, N} ->
                 Inner = receive {inner, X} -> X end,
                 {N, Inner, inner_again()}
         end,
    R2 = receive {outer, M2} -> M2 end,
    Left = drain([]),
    io:format("~p ~p ~p~n", [R1, R2, Left]),
    %% Receive with a variable bound before the receive (a selective key).
    Key = k2,
    [Self ! {K, V} || {K, V} <- [{k1, 1}, {k2, 2}, {k3, 3}]],
    Got = receive {Key, V0} -> V0 end,
    Rest = drain([]),
    io:format("~p ~p~n", [Got, Rest]),
    {R1, R2, Left, Got, Rest}.

inner_again() -> receive {inner, Y} -> Y after 100 -> none end.

drain(Acc) -> receive M -> drain([M | Acc]) after 0 -> lists:reverse(Acc) end.
