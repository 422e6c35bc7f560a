-module(ops_precedence).
-export([main/0]).

main() ->
    R = [1 + 2 * 3, (1 + 2) * 3, 2 * 3 rem 4, -2 * -3, 10 - 4 - 3, 2 - -2, 7 div 2 * 2, 1 bsl 2 + 1, 1 + 1 bsl 2,
         not true orelse true, true andalso not false, 3 > 2 andalso 2 > 1, [1] ++ [2] ++ [3], [1, 2, 3] -- [1] -- [1],
         1 band 3 bor 4, 6 bxor 3 band 1, - (3 - 5), +4, bnot 0, 2 =:= 2.0 orelse 1 == 1.0],
    io:format("~p~n", [R]),
    R.
