-module(order_binaries).
-export([main/0]).

main() ->
    L = [<<2>>, <<1, 2>>, <<1>>, <<>>, <<1:1>>, <<0:1>>, <<1, 2:3>>, <<"abc">>, <<"ab">>],
    S = lists:sort(L),
    io:format("~w~n", [S]),
    S.
