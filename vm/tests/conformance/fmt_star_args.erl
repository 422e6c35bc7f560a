-module(fmt_star_args).
-export([main/0]).

main() ->
    io:format("[~*w] [~-*w] [~.*f] [~*.*s]~n", [8, abc, 8, abc, 3, 3.14159, 6, 2, "hello"]),
    io:format("[~*c]~n", [4, $=]),
    io:format("[~*p]~n", [20, {a, b}]),
    ok.
