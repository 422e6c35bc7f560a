-module(proc_selective_receive).
-export([main/0]).

main() ->
    self() ! {b, 2}, self() ! {a, 1}, self() ! {c, 3},
    A = receive {a, X} -> X end,
    C = receive {c, Y} -> Y end,
    B = receive {b, Z} -> Z end,
    None = receive _ -> unexpected after 0 -> empty end,
    io:format("~p~n", [[A, B, C, None]]),
    [A, B, C, None].
