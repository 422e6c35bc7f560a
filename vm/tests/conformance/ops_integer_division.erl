-module(ops_integer_division).
-export([main/0]).

main() ->
    Ps = [{17, 5}, {-17, 5}, {17, -5}, {-17, -5}, {0, 3}, {3, 17}],
    R = [{A div B, A rem B, A / B} || {A, B} <- Ps],
    io:format("~p~n", [R]),
    R.
