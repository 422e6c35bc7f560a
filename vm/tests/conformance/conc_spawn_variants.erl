-module(conc_spawn_variants).
-export([main/0, reply/2]).

%% spawn/1, spawn/3, spawn_link/1,3 and closures: arguments and captured variables reach
%% the new process; each spawn gives a distinct pid.
main() ->
    Self = self(),
    Captured = {some, [captured, data]},
    P1 = spawn(fun() -> Self ! {p1, Captured} end),
    P2 = spawn(?MODULE, reply, [Self, {p2, 1 bsl 70}]),
    P3 = spawn_link(fun() -> Self ! {p3, <<"bin">>} end),
    P4 = spawn_link(?MODULE, reply, [Self, {p4, 1.5}]),
    Got = [receive {Tag, V} -> {Tag, V} after 2000 -> none end || Tag <- [p1, p2, p3, p4]],
    Distinct = length(lists:usort([P1, P2, P3, P4])),
    Bad = [try spawn(X) catch C:E -> {C, E} end || X <- [not_a_fun, {fun_tuple}]],
    Bad3 = try spawn(?MODULE, reply, not_a_list) catch C3:E3 -> {C3, E3} end,
    io:format("~p ~p ~p ~p~n", [Got, Distinct, Bad, Bad3]),
    Got.

reply(To, Msg) -> To ! Msg.
