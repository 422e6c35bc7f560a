-module(fmt_tilde_p_maps).
-export([main/0]).

main() ->
    M = #{name => "conformance", version => {1, 2, 3}, deps => [lists, maps, string, io_lib],
          config => #{timeout => 5000, retries => 3, endpoints => ["a.example", "b.example", "c.example"]}},
    io:format("~p~n", [M]),
    io:format("~p~n", [[M, #{}]]),
    io:format("~p~n", [#{{composite, key} => [1, 2, 3], <<"bin">> => #{nested => true}}]),
    ok.
