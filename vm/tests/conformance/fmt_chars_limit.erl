-module(fmt_chars_limit).
-export([main/0]).

main() ->
    T = {lists:seq(1, 50), "a long string that goes on and on", #{k => lists:seq(1, 20)}},
    [io:format("~s~n", [io_lib:format("~p", [T], [{chars_limit, N}])]) || N <- [10, 30, 60, 200]],
    [io:format("~s~n", [io_lib:format("~w", [T], [{chars_limit, N}])]) || N <- [10, 40]],
    [io:format("~s~n", [io_lib:format("~s", ["abcdefghijklmnop"], [{chars_limit, N}])]) || N <- [3, 5, 8]],
    ok.
