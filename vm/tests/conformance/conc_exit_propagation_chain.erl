-module(conc_exit_propagation_chain).
-export([main/0]).

%% A crash at the end of a chain of linked processes takes the whole chain down, with the
%% same reason at every hop; a trapping process in the middle stops the cascade.
main() ->
    process_flag(trap_exit, true),
    Self = self(),
    Head = spawn_link(fun() -> chain(5, Self) end),
    Tail = receive {tail, T} -> T end,
    Pids = receive {pids, Ps} -> Ps end,
    Ms = [monitor(process, P) || P <- Pids],
    Tail ! crash,
    Reasons = [receive {'DOWN', M, process, _, W} -> W after 2000 -> none end || M <- Ms],
    R1 = receive {'EXIT', Head, W1} -> W1 after 2000 -> none end,
    io:format("~p ~p~n", [Reasons, R1]),
    %% A trapping middle link survives and reports.
    Mid = spawn_link(fun() ->
                             process_flag(trap_exit, true),
                             Leaf = spawn_link(fun() -> receive crash -> exit(leaf_crash) end end),
                             Self ! {leaf, Leaf},
                             receive {'EXIT', Leaf, W} -> Self ! {mid_saw, W} end,
                             receive stop -> ok end
                     end),
    Leaf = receive {leaf, L} -> L end,
    Leaf ! crash,
    R2 = receive {mid_saw, W2} -> W2 after 2000 -> none end,
    R3 = is_process_alive(Mid),
    Mid ! stop,
    R4 = receive {'EXIT', Mid, W4} -> W4 after 2000 -> none end,
    io:format("~p~n", [[R2, R3, R4]]),
    {Reasons, R1, R2, R3, R4}.

chain(N, Top) -> chain(N, Top, []).

chain(0, Top, Acc) ->
    Top ! {tail, self()},
    Top ! {pids, lists:reverse([self() | Acc])},
    receive crash -> exit(chain_broke) end;
chain(N, Top, Acc) ->
    Me = self(),
    spawn_link(fun() -> chain(N - 1, Top, [Me | Acc]) end),
    receive never -> ok end.
