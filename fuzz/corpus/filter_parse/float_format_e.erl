-module(float_format_e).
-export([main/0]).

main() ->
    L = [0.0, 1.0, -1.5, 0.000123, 123456.789, 1.0e100, 5.0e-324, 9.9999999, 1/7],
    [io:format("~e|~.2e|~.3e|~.10e|~15.4e|~n", [F, F, F, F, F]) || F <- L],
    length(L).
