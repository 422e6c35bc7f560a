-module(fun_multi_clause_guards).
-export([main/0]).

main() ->
    Classify = fun(X) when is_integer(X), X > 0 -> pos;
                  (X) when is_integer(X) -> nonpos;
                  (X) when is_list(X) -> list;
                  (_) -> other end,
    R = [Classify(X) || X <- [5, -5, 0, "s", a]],
    io:format("~p~n", [R]),
    R.
