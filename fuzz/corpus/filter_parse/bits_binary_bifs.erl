-module(bits_binary_bifs).
-export([main/0]).

main() ->
    B = <<"hello, world">>,
    R = [binary:part(B, 0, 5), binary:part(B, {7, 5}), split_binary(B, 5),
         binary_to_list(B, 1, 3), list_to_binary([<<"a">>, "bc", [$d, [<<"e">>]]]),
         iolist_to_binary(["x", <<"y">>, $z]), iolist_size([<<1, 2>>, 3, [4]]),
         byte_size(<<1:9>>), bit_size(<<1:9>>), binary_to_term(term_to_binary({a, [1, "x"]})),
         bitstring_to_list(<<1, 2:3>>), list_to_bitstring([1, <<3:2>>])],
    io:format("~p~n", [R]),
    R.
