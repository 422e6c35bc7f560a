-module(float_format_width_pad).
-export([main/0]).

main() ->
    F = 3.14159,
    io:format("[~10.2f][~-10.2f][~10.2.0f][~.3.xf][~*.*f][~10.2e][~-12g]~n", [F, F, F, F, 8, 1, F, F, F]),
    F.
