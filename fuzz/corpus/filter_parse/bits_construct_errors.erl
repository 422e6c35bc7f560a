-module(bits_construct_errors).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [t(fun() -> <<(list_to_atom("a")):8>> end),
         t(fun() -> <<1.5:8>> end),
         t(fun() -> Sz = -1, <<1:Sz>> end),
         t(fun() -> <<"abc":2/binary>> end),
         t(fun() -> B = <<1:3>>, <<B/binary>> end),
         t(fun() -> <<16#110000/utf8>> end),
         t(fun() -> <<1.0:16/float>> end)],
    io:format("~p~n", [R]),
    length(R).
