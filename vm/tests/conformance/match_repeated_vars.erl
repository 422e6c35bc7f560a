-module(match_repeated_vars).
-export([main/0]).

same(X, X) -> true;
same(_, _) -> false.
pairs([{K, V}, {K, W} | _]) -> {dup, K, V, W};
pairs(_) -> nodup.
main() ->
    R = [same(1, 1), same(1, 1.0), same(a, b), same([1], [1]), pairs([{a, 1}, {a, 2}]), pairs([{a, 1}, {b, 2}])],
    io:format("~p~n", [R]),
    R.
