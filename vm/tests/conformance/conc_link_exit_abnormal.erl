-module(conc_link_exit_abnormal).
-export([main/0]).

%% An abnormal exit travels along links: a non-trapping linked process dies with the same
%% reason; a trapping one receives it as a message.
main() ->
    process_flag(trap_exit, true),
    %% Chain: main (trapping) - A (not trapping) - B, B exits with boom.
    Self = self(),
    A = spawn_link(fun() ->
                           _B = spawn_link(fun() -> receive go -> exit(boom) end end),
                           Self ! {ready, self(), _B},
                           receive never -> ok end
                   end),
    B = receive {ready, A, Bp} -> Bp end,
    B ! go,
    R1 = receive {'EXIT', A, RA} -> {a_died, RA} after 2000 -> none end,
    %% Reasons of any shape travel unchanged.
    Reasons = [{shutdown, x}, [1, 2], <<"bin">>, 42],
    R2 = [begin
              P = spawn_link(fun() -> exit(Why) end),
              receive {'EXIT', P, Got} -> Got =:= Why after 2000 -> timeout end
          end || Why <- Reasons],
    %% A linked process killed by a third one: its partner sees `killed`.
    P3 = spawn_link(fun() -> receive never -> ok end end),
    exit(P3, kill),
    R3 = receive {'EXIT', P3, W3} -> W3 after 2000 -> none end,
    %% exit/1 inside a catch is still caught; the process then ends normally.
    P4 = spawn_link(fun() -> catch exit(caught_here) end),
    R4 = receive {'EXIT', P4, W4} -> W4 after 2000 -> none end,
    io:format("~p~n", [[R1, R2, R3, R4]]),
    [R1, R2, R3, R4].
