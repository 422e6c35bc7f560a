-module(fmt_io_lib_returns).
-export([main/0]).

main() ->
    A = io_lib:format("~p-~w", [x, "y"]),
    B = lists:flatten(io_lib:format("~5.2f", [3.14159])),
    C = io_lib:write({a, [b]}),
    D = io_lib:write_atom('hello world'),
    E = io_lib:write_string("quote\"d"),
    F = lists:flatten(io_lib:print({a, lists:seq(1, 40)})),
    G = io_lib:char_list("abc"),
    io:format("~s~n~s~n~s~n~s~n~s~n~s~n~p~n", [A, B, C, D, E, F, G]),
    {lists:flatten(A), B, lists:flatten(C)}.
