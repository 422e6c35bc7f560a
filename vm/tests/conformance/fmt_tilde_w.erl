-module(fmt_tilde_w).
-export([main/0]).

main() ->
    io:format("~w~n", [[1, 2.5, a, "abc", <<"b">>, {t}, #{k => v}, [$a | b], 'Quoted atom', -7]]),
    io:format("~w ~w ~w~n", [lists:seq(1, 40), "text", 'x y']),
    io:format("[~10w] [~-10w] [~3w]~n", [abc, abc, abcdef]),
    ok.
