-module(conc_process_info_list_form).
-export([main/0]).

%% PENDING (VM differs): process_info(Pid, [Item, ...]) must return the list of {Item, Value}
%% pairs (and undefined for a dead process); our VM raises badarg for the list form.
%% process_info/2 for the common items, on ourselves, on another process and on a dead one.
main() ->
    Self = self(),
    [Self ! M || M <- [one, two, three]],
    I1 = [process_info(Self, message_queue_len), process_info(Self, messages),
          process_info(Self, trap_exit), process_info(Self, registered_name)],
    io:format("~p~n", [I1]),
    _ = [receive M -> M end || _ <- [1, 2, 3]],
    register(conc_pi_me, Self),
    put(pi_key, pi_value),
    I2 = process_info(Self, [registered_name, message_queue_len, dictionary]),
    io:format("~p~n", [I2]),
    unregister(conc_pi_me),
    P = spawn_link(fun() -> receive stop -> ok end end),
    {links, Links} = process_info(Self, links),
    {links, PLinks} = process_info(P, links),
    io:format("links: ~p ~p~n", [lists:member(P, Links), PLinks =:= [Self]]),
    unlink(P),
    {links, Links2} = process_info(Self, links),
    io:format("unlinked: ~p~n", [lists:member(P, Links2)]),
    M = monitor(process, P),
    P ! stop,
    receive {'DOWN', M, _, _, _} -> ok end,
    io:format("dead: ~p ~p~n", [process_info(P, messages), process_info(P, [links])]),
    Bad = [try process_info(Self, X) catch C:E -> {C, E} end || X <- [no_such_item, 42]],
    io:format("~p~n", [Bad]),
    erase(pi_key),
    I2.
