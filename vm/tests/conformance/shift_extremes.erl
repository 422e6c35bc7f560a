%% Shifts by extreme amounts: by the most negative 64-bit integer (whose negation overflows),
%% by bignums, and of zero (which stays zero however far it moves), small and big operands.
-module(shift_extremes).
-export([main/0]).

main() ->
    Min = -16#8000000000000000,
    Max = 16#7fffffffffffffff,
    Big = 1 bsl 70,
    Cases = [{1, 'bsr', Min}, {0, 'bsr', Min}, {-1, 'bsr', Min}, {Big, 'bsr', Min}, {-Big, 'bsr', Min},
             {1, 'bsl', Min}, {-1, 'bsl', Min}, {Big, 'bsl', Min}, {-Big, 'bsl', Min},
             {0, 'bsl', Max}, {1, 'bsl', Max}, {0, 'bsl', 1 bsl 64}, {-1, 'bsr', 1 bsl 64},
             {1, 'bsr', Max}, {-1, 'bsr', Max}, {Big, 'bsr', Max}, {0, 'bsr', -(1 bsl 64)},
             {3, 'bsl', 62}, {3, 'bsl', 63}, {-3, 'bsl', 63}, {Big, 'bsl', 0}, {-5, 'bsr', 1},
             {-5, 'bsl', -1}, {5, 'bsr', -1}],
    [{X, Op, Y, shift(X, Op, Y)} || {X, Op, Y} <- Cases].

shift(X, Op, Y) ->
    try
        case Op of
            'bsl' -> X bsl Y;
            'bsr' -> X bsr Y
        end
    catch C:R -> {C, R}
    end.
