-module(fmt_tilde_s).
-export([main/0]).

main() ->
    io:format("[~s] [~s] [~s] [~s]~n", ["abc", <<"bin">>, atom, [$a, ["bc"], <<"d">>]]),
    io:format("[~10s] [~-10s] [~.2s] [~10.2s] [~-10.2s]~n", ["abc", "abc", "abc", "abc", "abc"]),
    io:format("[~5s] [~.5s] [~3.1.*s]~n", ["toolongstring", "ab", $#, "xyz"]),
    io:format("[~s]~n", ["é"]),
    ok.
