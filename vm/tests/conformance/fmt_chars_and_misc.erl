-module(fmt_chars_and_misc).
-export([main/0]).

main() ->
    io:format("~c~c~c|~5c|~-5c|~.3c|~n", [$a, $b, $c, $x, $y, $z]),
    io:format("~~ ~n"),
    io:format("~i~w~n", [ignored, shown]),
    io:format("a~3nb~n"),
    io:format("no args~n"),
    io:format("~s~n", [[72, 101, 108, 108, 111]]),
    ok.
