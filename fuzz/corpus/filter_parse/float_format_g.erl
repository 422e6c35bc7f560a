-module(float_format_g).
-export([main/0]).

main() ->
    L = [0.0, 1.0, 0.1, 0.01, 0.0001, 123.0, 1234.0, 12345.0, 1.0e10, 1.5e-10, 99999.0, 0.5, 1/3],
    [io:format("~g|~.2g|~.4g|~.10g|~n", [F, F, F, F]) || F <- L],
    length(L).
