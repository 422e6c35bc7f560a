-module(apply_dynamic_calls).
-export([main/0]).
-export([helper/2]).

helper(A, B) -> {helper, A, B}.
main() ->
    M = ?MODULE, F = helper,
    R = [apply(M, F, [1, 2]), M:F(3, 4), apply(fun lists:max/1, [[1, 5, 2]]), erlang:apply(lists, sum, [[1, 2]]),
         (fun ?MODULE:helper/2)(x, y), apply(erlang, element, [1, {z}])],
    io:format("~p~n", [R]),
    R.
