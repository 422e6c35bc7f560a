-module(conc_link_exit_normal).
-export([main/0]).

%% A linked process ending normally: a non-trapping partner carries on, a trapping one
%% gets {'EXIT', Pid, normal}.
main() ->
    Self = self(),
    %% Non-trapping middle process linked to a child that ends normally.
    Middle = spawn(fun() ->
                           Child = spawn_link(fun() -> ok end),
                           receive after 50 -> ok end,
                           Self ! {middle_alive, is_pid(Child)},
                           receive stop -> ok end
                   end),
    R1 = receive {middle_alive, X} -> X after 2000 -> timeout end,
    Middle ! stop,
    process_flag(trap_exit, true),
    Child2 = spawn_link(fun() -> ok end),
    R2 = receive {'EXIT', Child2, Reason} -> {exit_msg, Reason} after 2000 -> none end,
    %% exit(normal) from the child counts as normal too.
    Child3 = spawn_link(fun() -> exit(normal) end),
    R3 = receive {'EXIT', Child3, Reason3} -> {exit_msg, Reason3} after 2000 -> none end,
    process_flag(trap_exit, false),
    io:format("~p~n", [[R1, R2, R3]]),
    [R1, R2, R3].
