-module(fmt_p_atoms_in_structures).
-export([main/0]).

main() ->
    T = {'Capital', 'with space', [a, 'b-c', 'if', 'catch'], #{'Key' => 'Value', ok => 'not ok'}},
    io:format("~p~n~w~n", [T, T]),
    io:format("~p~n", [[T, T, T]]),
    T.
