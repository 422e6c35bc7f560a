-module(float_arith).
-export([main/0]).

t(F) -> try F() catch C:R -> {C, R} end.

main() ->
    R = [1.0 + 2, 3 * 1.5, 7 / 2, 6 / 3, t(fun() -> 1.0e308 + 1.0e308 - 1.0e308 end), 0.1 * 3, 1.0 - 0.9, -0.0 + 0.0, 2.0 * -0.0,
         math:pow(2, 0.5), math:sqrt(2), math:pi(), math:exp(1), math:log(10), math:log10(1000), math:log2(8),
         math:sin(0), math:cos(0), math:atan2(1, 1), math:floor(-1.5), math:ceil(-1.5), math:fmod(7.5, 2)],
    io:format("~p~n", [R]),
    R.
