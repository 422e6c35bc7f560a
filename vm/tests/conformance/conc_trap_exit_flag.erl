-module(conc_trap_exit_flag).
-export([main/0]).

%% process_flag(trap_exit, _) returns the old value; while trapping, exit signals from
%% other processes (even normal ones sent by exit/2) become messages.
main() ->
    Old1 = process_flag(trap_exit, true),
    Old2 = process_flag(trap_exit, true),
    Old3 = process_flag(trap_exit, false),
    io:format("~p~n", [[Old1, Old2, Old3]]),
    process_flag(trap_exit, true),
    Me = self(),
    Sender = spawn(fun() -> exit(Me, normal), exit(Me, {custom, 1}), Me ! done end),
    Msgs = collect([]),
    io:format("~p~n", [[{'EXIT', From =:= Sender, Why} || {'EXIT', From, Why} <- Msgs]]),
    %% exit(self(), Reason) while trapping: a message from ourselves.
    exit(self(), to_myself),
    R = receive {'EXIT', P, W} -> {P =:= self(), W} after 1000 -> none end,
    io:format("~p~n", [R]),
    Bad = try process_flag(trap_exit, maybe) catch C:E -> {C, E} end,
    io:format("~p~n", [Bad]),
    process_flag(trap_exit, false),
    {Old1, Old2, Old3, R}.

collect(Acc) ->
    receive
        done -> lists:reverse(Acc);
        M -> collect([M | Acc])
    after 2000 -> lists:reverse(Acc)
    end.
