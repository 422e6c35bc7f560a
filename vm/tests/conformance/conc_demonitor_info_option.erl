-module(conc_demonitor_info_option).
-export([main/0]).

%% PENDING (VM differs): demonitor/2 with [info] must return true only while the monitor
%% is active (false the second time, and false once the DOWN was delivered even with
%% [info, flush]); an unknown option must raise badarg. Our VM returns true in every case.
main() ->
    S = spawn(fun() -> receive stop -> ok end end),
    M3 = monitor(process, S),
    I1 = demonitor(M3, [info]),
    I2 = demonitor(M3, [info]),
    S ! stop,
    T = spawn(fun() -> ok end),
    M4 = monitor(process, T),
    receive after 50 -> ok end,
    I3 = demonitor(M4, [info, flush]),
    R3 = receive {'DOWN', M4, _, _, _} -> got_down after 0 -> flushed end,
    I4 = demonitor(make_ref(), [info]),
    Opt = try demonitor(make_ref(), [bogus]) catch C2:E2 -> {C2, E2} end,
    io:format("~p~n", [[I1, I2, I3, R3, I4, Opt]]),
    [I1, I2, I3, R3].
