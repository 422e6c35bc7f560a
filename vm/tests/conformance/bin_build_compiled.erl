-module(bin_build_compiled).
-export([main/0]).

%% Binary construction lowered to one bs_build instruction over registers: every segment
%% type, computed sizes, units, endianness, and the errors OTP raises.

err(F) -> try F() catch error:R -> R end.

main() ->
    N = 12, B = <<1, 2, 3>>, F = 1.5,
    Ok = [<<N:16, N:16/little, -1:8/signed, 300:N>>,
          <<B/binary, B:2/binary, 7:3, 1:5>>,
          <<F/float, F:32/float, F:16/float>>,
          <<"abc", $d, 16#10ffff/utf8, 233/utf16, 233/utf16-little, 65/utf32>>,
          <<(1 bsl 70):72, (-3):4/unit:2>>,
          <<<<1:3>>/bits, <<>>/binary>>,
          byte_size(<<0:(N * 8)>>)],
    Errs = [err(fun() -> <<a:8>> end),
            err(fun() -> <<1:(-1)>> end),
            err(fun() -> <<B:4/binary>> end),
            err(fun() -> <<(<<1:3>>)/binary>> end),
            err(fun() -> <<F:24/float>> end),
            err(fun() -> <<16#d800/utf8>> end),
            err(fun() -> <<1:N/float>> end),
            err(fun() -> <<x:8, (error(later)):8>> end)],
    {Ok, Errs}.
