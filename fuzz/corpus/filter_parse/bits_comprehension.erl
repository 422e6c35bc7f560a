-module(bits_comprehension).
-export([main/0]).

main() ->
    B = << <<(X * 2)>> || <<X>> <= <<1, 2, 3>> >>,
    L = [X || <<X:4>> <= <<16#1234:16>>],
    P = [{A, Bv} || <<A:4, Bv:4>> <= <<16#12, 16#34>>, A > 1],
    F = << <<X:3>> || X <- [1, 2, 3, 4] >>,
    io:format("~w ~w ~w ~w~n", [B, L, P, F]),
    {B, L, P, F, << <<C>> || <<C>> <= <<"abc">>, C =/= $b >>}.
