-module(conc_registered_send).
-export([main/0]).

%% Sending to a registered name reaches the process; `registered()` lists it; the name
%% can be reused once the process is gone.
main() ->
    Self = self(),
    Echo = fun Loop() -> receive {From, M} -> From ! {echo, M}, Loop(); stop -> ok end end,
    P = spawn(Echo),
    true = register(conc_echo_srv, P),
    conc_echo_srv ! {Self, hello},
    R1 = receive {echo, X} -> X after 2000 -> none end,
    Listed = lists:member(conc_echo_srv, registered()),
    %% Send to {Name, node()} works too.
    {conc_echo_srv, node()} ! {Self, via_tuple},
    R2 = receive {echo, Y} -> Y after 2000 -> none end,
    %% erlang:send/2 returns the message.
    R3 = erlang:send(conc_echo_srv, {Self, by_send}) =:= {Self, by_send},
    R4 = receive {echo, Z} -> Z after 2000 -> none end,
    M = monitor(process, P),
    conc_echo_srv ! stop,
    receive {'DOWN', M, _, _, _} -> ok end,
    Gone = whereis(conc_echo_srv),
    P2 = spawn(Echo),
    Reuse = register(conc_echo_srv, P2),
    P2 ! stop,
    io:format("~p~n", [[R1, Listed, R2, R3, R4, Gone, Reuse]]),
    [R1, R2, R4].
