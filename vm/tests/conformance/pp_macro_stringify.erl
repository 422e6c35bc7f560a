-module(pp_macro_stringify).
-export([main/0]).
-define(SHOW(E), io_lib:format("~s = ~p", [??E, E])).
-define(TWICE(F), begin F, F end).

main() ->
    A = lists:flatten(?SHOW(1 + 2 * 3)),
    B = lists:flatten(?SHOW(lists:seq(1, 3))),
    ?TWICE(io:format("twice~n")),
    io:format("~s~n~s~n", [A, B]),
    {A, B}.
