-module(proc_spawn_message).
-export([main/0]).

main() ->
    Parent = self(),
    Pid = spawn(fun() -> receive {ping, From} -> From ! {pong, self()} end end),
    Pid ! {ping, Parent},
    R = receive {pong, Pid} -> got_pong after 1000 -> timeout end,
    io:format("~p~n", [R]),
    R.
