-module(big_div_rem_signs).
-export([main/0]).

main() ->
    Ps = [{7, 2}, {-7, 2}, {7, -2}, {-7, -2}, {1 bsl 65, 3}, {-(1 bsl 65), 3}, {1 bsl 65, -(1 bsl 33)}],
    R = [{A div B, A rem B} || {A, B} <- Ps],
    io:format("~p~n", [R]),
    R.
