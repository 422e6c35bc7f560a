-module(bits_bitstring_comprehension_edge).
-export([main/0]).

main() ->
    R = [[X || <<X:3>> <= <<2#10110011, 2#01>>], << <<X:1>> || X <- [1, 0, 1, 1] >>, << <<B/bitstring>> || B <- [<<1:1>>, <<2:2>>] >>,
         [B || <<B:2/binary>> <= <<"abcde">>], << <<C>> || <<C>> <= <<>> >>],
    io:format("~w~n", [R]),
    R.
