-module(conc_send_after_messages).
-export([main/0]).

%% send_after delivers the message itself, to a pid or a registered name; several timers
%% deliver in deadline order, not creation order.
main() ->
    Ref = erlang:send_after(5, self(), plain),
    io:format("ref: ~p~n", [is_reference(Ref)]),
    R1 = receive M -> M after 2000 -> none end,
    register(conc_send_after_target, self()),
    erlang:send_after(5, conc_send_after_target, by_name),
    R2 = receive by_name -> by_name after 2000 -> none end,
    unregister(conc_send_after_target),
    erlang:send_after(120, self(), third),
    erlang:send_after(0, self(), first),
    erlang:send_after(60, self(), second),
    Order = [receive X -> X after 3000 -> missing end || _ <- [1, 2, 3]],
    %% A timer to a process that is gone is silently dropped.
    Dead = spawn(fun() -> ok end),
    MRef = monitor(process, Dead),
    receive {'DOWN', MRef, _, _, _} -> ok end,
    TRef = erlang:send_after(1, Dead, lost),
    io:format("~p~n", [[R1, R2, Order, is_reference(TRef)]]),
    Order.
