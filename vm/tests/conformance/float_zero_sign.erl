%% The sign of float zeros as OTP 25 computes them where its compiler does not know the
%% operand's type (an exported function's argument): `-X` is `0 - X`, so -0.0 never comes
%% out of a negation; abs/1 leaves -0.0 alone; a literal -0.0 and products keep the sign.
-module(float_zero_sign).
-export([main/0, neg/1, abs_of/1, times/2, plus/2]).

neg(X) -> -X.
abs_of(X) -> abs(X).
times(X, Y) -> X * Y.
plus(X, Y) -> X + Y.

main() ->
    M = ?MODULE,
    [M:neg(0.0), M:neg(-0.0), M:neg(1.5), M:neg(-2.5), M:abs_of(-0.0), M:abs_of(0.0),
     M:abs_of(-1.5), -0.0, M:times(-1, 0.0), M:times(0.0, -1.0), M:plus(-0.0, 0.0),
     M:plus(-0.0, -0.0), -0.0 == 0.0, -0.0 =:= 0.0, M:neg(0), M:neg(-9223372036854775808)].
