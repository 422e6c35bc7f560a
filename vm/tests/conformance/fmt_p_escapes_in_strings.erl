-module(fmt_p_escapes_in_strings).
-export([main/0]).

main() ->
    L = ["\e[1m", "bell\a", "nul\0x", "del\d", [127], [128, 129], [159, 160, 161], "\x{ff}", "emb\"ed", "back\\\\"],
    [io:format("~p ~w~n", [S, S]) || S <- L],
    io:format("~p~n", [L]),
    length(L).
