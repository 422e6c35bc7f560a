-module(bits_float_special).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [t(fun() -> <<F:64/float>> = <<16#7FF0000000000000:64>>, F end),
         t(fun() -> <<F:64/float>> = <<16#7FF8000000000000:64>>, F end),
         t(fun() -> <<F:32/float>> = <<16#7F800000:32>>, F end),
         t(fun() -> <<F:16/float>> = <<16#3C00:16>>, F end),
         t(fun() -> <<(-0.0)/float>> end), <<1.0:16/float>>, <<-2.5:16/float-little>>],
    io:format("~p~n", [R]),
    R.
