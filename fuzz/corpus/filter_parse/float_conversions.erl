-module(float_conversions).
-export([main/0]).

main() ->
    R = [float(7), trunc(-2.7), round(-2.5), round(2.5), round(0.49999999999999994), ceil(1.2), floor(-1.2),
         float_to_list(1.5), float_to_list(0.1, [{decimals, 4}]), float_to_list(0.1, [{scientific, 3}]),
         float_to_list(2.0, [{decimals, 3}, compact]), float_to_binary(1.25), list_to_float("1.5e3"),
         binary_to_float(<<"-0.25">>), float_to_list(1.0e-10, [short]), erlang:float_to_list(123.0, [short])],
    io:format("~p~n", [R]),
    R.
