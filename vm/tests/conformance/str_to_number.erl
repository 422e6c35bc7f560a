-module(str_to_number).
-export([main/0]).

main() ->
    R = [string:to_integer("123abc"), string:to_integer("-42"), string:to_integer("abc"), string:to_integer(<<"77 rest">>),
         string:to_float("3.14xyz"), string:to_float("1e5"), string:to_float("-2.5e-3"), string:to_float("7"),
         list_to_integer("ff", 16), integer_to_list(255, 2), list_to_float("2.50"), try list_to_integer("") catch C:E -> {C, E} end],
    io:format("~p~n", [R]),
    R.
