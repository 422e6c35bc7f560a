-module(proc_registered_names).
-export([main/0]).

main() ->
    P = spawn(fun Loop() -> receive {get, F} -> F ! {val, 42}, Loop(); stop -> ok end end),
    true = register(my_server, P),
    my_server ! {get, self()},
    V = receive {val, X} -> X after 1000 -> timeout end,
    W = whereis(my_server) =:= P,
    my_server ! stop,
    R = [V, W, whereis(no_such_name), catch (no_such_name ! hi)],
    io:format("~p~n", [[V, W, whereis(no_such_name)]]),
    {V, W, element(1, lists:last(R))}.
