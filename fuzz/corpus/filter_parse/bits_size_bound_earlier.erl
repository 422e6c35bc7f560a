-module(bits_size_bound_earlier).
-export([main/0]).

parse(<<L:8, Data:L/binary, Rest/binary>>) -> {Data, Rest};
parse(_) -> error.
tlv(<<T:8, L:16, V:L/binary, R/binary>>) -> [{T, V} | tlv(R)];
tlv(<<>>) -> [].
main() ->
    X = parse(<<3, "abcde">>), Y = parse(<<9, "ab">>),
    Z = tlv(<<1, 0, 2, "hi", 2, 0, 0, 3, 0, 3, "xyz">>),
    io:format("~p~n~p~n~p~n", [X, Y, Z]),
    {X, Y, Z}.
