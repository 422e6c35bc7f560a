-module(ops_bitwise).
-export([main/0]).

main() ->
    R = [16#F0 band 16#3C, 16#F0 bor 16#0F, 16#FF bxor 16#0F, bnot 16#FF, 1 bsl 10, 1024 bsr 3, -1024 bsr 3, -1 bsl 4,
         5 bsl -1, 5 bsr -1, 16#FFFFFFFF band -1, -5 band 16#FF],
    io:format("~p~n", [R]),
    R.
