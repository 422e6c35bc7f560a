-module(fun_in_data_structures).
-export([main/0]).

main() ->
    Ops = #{add => fun erlang:'+'/2, sub => fun erlang:'-'/2, mul => fun(A, B) -> A * B end},
    R = [{Op, (maps:get(Op, Ops))(7, 3)} || Op <- [add, sub, mul]],
    T = {fun(X) -> X end, [fun() -> ok end]},
    io:format("~p ~p ~p~n", [R, (element(1, T))(x), (hd(element(2, T)))()]),
    R.
