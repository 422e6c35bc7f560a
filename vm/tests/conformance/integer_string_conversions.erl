-module(integer_string_conversions).
-export([main/0]).

main() ->
    R = [integer_to_list(-123), integer_to_list(255, 16), integer_to_binary(42), integer_to_binary(255, 2), list_to_integer("-0"),
         list_to_integer("+17"), binary_to_integer(<<"7f">>, 16), float_to_list(0.5), list_to_float("-1.0e-3"),
         number_to_list_like(12), erlang:list_to_integer("zz", 36)],
    io:format("~p~n", [R]),
    R.
number_to_list_like(N) -> lists:flatten(io_lib:format("~w", [N])).
