-module(proc_links_trap_exit).
-export([main/0]).

main() ->
    process_flag(trap_exit, true),
    P = spawn_link(fun() -> exit(crashed) end),
    R1 = receive {'EXIT', P, Why} -> Why after 1000 -> timeout end,
    Q = spawn_link(fun() -> receive stop -> ok end end),
    Q ! stop,
    R2 = receive {'EXIT', Q, W} -> W after 1000 -> timeout end,
    io:format("~p ~p~n", [R1, R2]),
    {R1, R2}.
