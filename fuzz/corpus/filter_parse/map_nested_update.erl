-module(map_nested_update).
-export([main/0]).

main() ->
    M = #{user => #{name => "x", roles => [admin]}, count => 0},
    #{user := U} = M,
    M2 = M#{user := U#{name := "y"}, count := maps:get(count, M) + 1},
    io:format("~p~n", [M2]),
    M2.
