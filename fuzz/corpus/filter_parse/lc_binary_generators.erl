-module(lc_binary_generators).
-export([main/0]).

main() ->
    R = [[X || <<X>> <= <<1, 2, 3>>], [{A, B} || <<A:4, B:4>> <= <<16#AB, 16#CD>>],
         << <<(C - 32)>> || <<C>> <= <<"hello">>, C =/= $l >>, << <<X:16>> || X <- [1, 2] >>,
         [X || <<X:3>> <= <<255, 1:2>>], << <<B/binary, B/binary>> || B <- [<<"a">>, <<"bc">>] >>],
    io:format("~p~n", [R]),
    R.
