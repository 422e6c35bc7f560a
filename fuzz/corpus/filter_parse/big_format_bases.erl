-module(big_format_bases).
-export([main/0]).

main() ->
    N = 16#DEADBEEFCAFEBABE1234,
    io:format("~b~n~.16b~n~.16B~n~.2b~n~.36B~n~x~n~#~n", [N, N, N, N, N, -N, "0x", N]),
    io:format("~40b|~-40.16B|~n", [N, N]),
    N.
