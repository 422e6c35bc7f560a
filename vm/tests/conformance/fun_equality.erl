-module(fun_equality).
-export([main/0]).

f(X) -> X.
main() ->
    A = fun f/1, B = fun f/1, C = fun lists:map/2, D = fun lists:map/2,
    R = [A == B, C =:= D, A == C, is_function(A), erlang:fun_info(C, module), erlang:fun_info(C, name)],
    io:format("~p~n", [R]),
    R.
