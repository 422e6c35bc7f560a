-module(match_clause_order).
-export([main/0]).

f([]) -> empty;
f([_]) -> one;
f([_, _]) -> two;
f([_ | _]) -> many;
f({}) -> empty_tuple;
f({_}) -> one_tuple;
f(X) when is_tuple(X) -> {tuple, tuple_size(X)};
f(_) -> other.
main() ->
    R = [f(X) || X <- [[], [1], [1, 2], [1, 2, 3], {}, {a}, {a, b}, 7]],
    io:format("~p~n", [R]),
    R.
