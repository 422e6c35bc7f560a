-module(float_format_f).
-export([main/0]).

main() ->
    L = [0.0, 1.0, -1.5, 0.125, 2.5, 0.005, 123.456, 1.0e10, 9.995, 0.045, 1/3],
    [io:format("~f|~.1f|~.2f|~.5f|~12.3f|~-12.3f|~n", [F, F, F, F, F, F]) || F <- L],
    length(L).
