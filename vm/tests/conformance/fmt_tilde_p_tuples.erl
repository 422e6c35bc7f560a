-module(fmt_tilde_p_tuples).
-export([main/0]).

main() ->
    T = {request, {method, get}, {path, "/some/long/path/to/a/resource"}, {headers, [{"host", "example.org"},
         {"accept", "*/*"}, {"user-agent", "conformance-test/1.0"}]}, {body, <<"payload bytes">>}},
    io:format("~p~n", [T]),
    io:format("~p~n", [{T, T}]),
    io:format("~p~n", [{a, {b, {c, {d, {e, {f, lists:seq(1, 30)}}}}}}]),
    ok.
