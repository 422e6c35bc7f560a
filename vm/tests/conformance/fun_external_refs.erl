-module(fun_external_refs).
-export([main/0, double/1]).

double(X) -> 2 * X.
main() ->
    F1 = fun double/1, F2 = fun lists:reverse/1, F3 = fun erlang:length/1,
    M = lists, F = sum,
    F4 = fun M:F/1,
    R = [F1(4), F2([1, 2, 3]), F3([a, b]), F4([1, 2, 3]), lists:map(fun double/1, [1, 2]),
         is_function(F2, 1), is_function(F2, 2), apply(F1, [10]), apply(?MODULE, double, [3])],
    io:format("~p~n", [R]),
    R.
