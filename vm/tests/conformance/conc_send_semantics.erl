-module(conc_send_semantics).
-export([main/0]).

%% `!` returns the message, sends to dead pids silently, fails with badarg for bad
%% destinations; messages are copies (the sender's later rebinding cannot affect them).
main() ->
    Self = self(),
    V = (Self ! {value, 1}),
    receive {value, 1} -> ok end,
    Dead = spawn(fun() -> ok end),
    M = monitor(process, Dead),
    receive {'DOWN', M, _, _, _} -> ok end,
    D = (Dead ! to_the_dead),
    Bad = [try X ! msg catch C:E -> {C, E} end || X <- [42, "name", {a, b, c}, [self()]]],
    Chained = (Self ! Self ! twice),
    Two = [receive twice -> twice after 100 -> none end || _ <- [1, 2]],
    Big = lists:seq(1, 1000),
    Self ! {big, Big},
    Recv = receive {big, B} -> length(B) =:= 1000 andalso B =:= Big end,
    io:format("~p~n", [[V, D, Bad, Chained, Two, Recv]]),
    [V, D, Chained, Two, Recv].
