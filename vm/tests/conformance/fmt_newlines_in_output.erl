-module(fmt_newlines_in_output).
-export([main/0]).

main() ->
    io:format("line one~nline two~n"),
    io:format("~s", ["raw\nnewline\n"]),
    io:put_chars("put_chars\n"),
    io:put_chars([<<"iolist ">>, "mixed", $\n]),
    io:nl(),
    io:format("end~n"),
    done.
