-module(fmt_width_on_terms).
-export([main/0]).

main() ->
    io:format("[~20p]~n[~5p]~n", [{a, b}, {long_tuple, long_element}]),
    R = (catch io_lib:format("~-20p", [{a, b}])),
    io:format("~p~n", [element(1, R)]),
    io:format("[~20w]~n[~-20w]~n[~5w]~n", [{a, b}, {a, b}, {long_tuple, long_element}]),
    io:format("[~20.10p]~n", ["string"]),
    ok.
