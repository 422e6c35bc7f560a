%% Binary construction with sizes past the machine word: OTP raises system_limit (it sizes the
%% whole binary before writing any segment), and badarg for a negative or non-integer size.
%% Half-precision floats round to nearest even, overflowing to infinity's bits.
-module(bits_size_limits).
-export([main/0, build/3, half/1, order/2]).

build(V, Size, Unit) ->
    try
        case Unit of
            1 -> <<V:Size/integer-unit:1>>;
            8 -> <<V:Size/binary-unit:8>>;
            32 -> <<V:Size/integer-unit:32>>
        end
    catch C:R -> {C, R}
    end.

half(F) -> try <<F:16/float>> catch C:R -> {C, R} end.

%% A bad value before a size past the word: the size is found first.
order(A, Size) -> try <<A/binary, 1:Size>> catch C:R -> {C, R} end.

main() ->
    M = ?MODULE,
    Big = 1 bsl 64,
    [M:build(1, Big, 1), M:build(<<1>>, Big, 8), M:build(1, 1 bsl 62, 32),
     M:build(1, -1, 1), M:build(1, a, 1), M:build(1, 1.0, 1), M:build(<<1, 2>>, 1, 8),
     M:build(-1, 3, 1), M:build(1, -Big, 1), M:order(not_a_binary, Big),
     M:order(not_a_binary, 8), M:order(<<1>>, -1),
     [M:half(F) || F <- [1.0, -0.25, 0.1, 65504.0, 65519.0, 65520.0, 65535.0, 1.0e300,
                         2049.0, 2051.0, 6.103515625e-5, 5.960464477539063e-8, 1.0e-8,
                         2.9802322387695312e-8, -0.0]]].
