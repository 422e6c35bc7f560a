-module(fmt_p_mixed_printable).
-export([main/0]).

main() ->
    L = [[$a, $b, 0], [$a, $b, 300], [$a | "bc"], [10, 13, 9], [8, 11, 12, 27], "", [[]], ["", ""], [$a, [$b]], <<"a", 200>>, <<200, $a>>],
    [io:format("~p~n", [X]) || X <- L],
    length(L).
