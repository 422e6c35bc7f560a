-module(bits_match_fail).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

m1(<<A:8>>) -> {one, A};
m1(<<A:8, B:8>>) -> {two, A, B};
m1(<<_:4>>) -> nibble;
m1(_) -> none.
main() ->
    R = [m1(B) || B <- [<<1>>, <<1, 2>>, <<1:4>>, <<1, 2, 3>>, <<>>, abc]],
    E = t(fun() -> <<X:16>> = <<1>>, X end),
    io:format("~p~n~p~n", [R, E]),
    {R, E}.
