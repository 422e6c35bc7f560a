-module(exc_bad_generator_and_filter).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [t(fun() -> [X || X <- an_atom] end), t(fun() -> [X || X <- [1, 2], X] end),
         t(fun() -> << <<X>> || X <- [1, 2 | tail] >> end), t(fun() -> [X || <<X>> <= not_binary] end),
         t(fun() -> [{X, Y} || X <- [1], Y <- [2 | bad]] end)],
    io:format("~p~n", [R]),
    R.
