-module(bits_pattern_in_fun_head).
-export([main/0]).

kind(<<"GET ", Path/binary>>) -> {get, Path};
kind(<<"POST ", Path/binary>>) -> {post, Path};
kind(<<C, _/binary>>) when C >= $a, C =< $z -> lower;
kind(_) -> unknown.
main() ->
    R = [kind(B) || B <- [<<"GET /index">>, <<"POST /x">>, <<"get">>, <<"PUT">>, <<>>]],
    io:format("~p~n", [R]),
    R.
