-module(conc_link_set_ops).
-export([main/0]).

%% link/unlink as set operations, as Estone's links micro drives them: linking twice is one
%% link (one unlink removes it), unlinking what is not linked is fine, link to self is a
%% no-op, a dead partner gives noproc (an exception, or an EXIT message when trapping), and
%% after many link/unlink rounds exactly the expected links remain on both sides.
main() ->
    Ps = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, 20)],
    [P1, P2 | _] = Ps,
    R1 = [link(P1), link(P1), links_of(self()) =:= [P1], links_of(P1) =:= [self()],
          unlink(P1), links_of(self()), links_of(P1), unlink(P1), unlink(P2)],
    R2 = [link(self()), links_of(self())],
    %% 50 rounds alternating over all 20: even rounds link, odd rounds unlink; then the
    %% first 7 linked once more.
    rounds(Ps, 50),
    [link(P) || P <- lists:sublist(Ps, 7)],
    Mine = lists:sort(links_of(self())) =:= lists:sort(lists:sublist(Ps, 7)),
    Theirs = [links_of(P) =:= [self()] || P <- lists:sublist(Ps, 7)]
        ++ [links_of(P) =:= [] || P <- lists:nthtail(7, Ps)],
    [unlink(P) || P <- Ps],
    Dead = spawn(fun() -> ok end),
    Ref = monitor(process, Dead),
    receive {'DOWN', Ref, process, Dead, _} -> ok end,
    R3 = [try link(Dead) catch C:E -> {C, E} end,
          try link(not_a_pid) catch C2:E2 -> {C2, E2} end,
          try unlink(not_a_pid) catch C3:E3 -> {C3, E3} end,
          unlink(Dead)],
    process_flag(trap_exit, true),
    R4 = [link(Dead), receive {'EXIT', Dead, Why} -> {exit_msg, Why} after 1000 -> none end],
    [P ! stop || P <- Ps],
    R = {R1, R2, Mine, Theirs, R3, R4},
    io:format("~p~n", [R]),
    ok.

rounds(_, 0) -> ok;
rounds(Ps, N) ->
    case N rem 2 of
        0 -> [link(P) || P <- Ps];
        1 -> [unlink(P) || P <- Ps]
    end,
    rounds(Ps, N - 1).

links_of(P) ->
    {links, L} = process_info(P, links),
    L.
