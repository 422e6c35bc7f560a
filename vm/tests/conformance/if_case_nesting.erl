-module(if_case_nesting).
-export([main/0]).

classify(N) ->
    case N rem 15 of
        0 -> fizzbuzz;
        _ -> if N rem 3 =:= 0 -> fizz; N rem 5 =:= 0 -> buzz; true -> N end
    end.
main() ->
    R = [classify(N) || N <- lists:seq(1, 20)],
    io:format("~w~n", [R]),
    R.
