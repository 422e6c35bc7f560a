-module(bin_match_compiled).
-export([main/0]).

%% Bit-syntax patterns lowered to bs_start/bs_get/bs_end: sizes from earlier segments and
%% arguments, literals inside segments, every type, leftover bits failing the match, and
%% clause fall-through.

tlv(<<T:8, L:8, V:L/binary, Rest/binary>>) -> {T, V, Rest};
tlv(<<T:8, _/bits>>) -> {short, T};
tlv(_) -> none.

hdr(<<1:4, Ihl:4, _:8, Len:16/big, Rest/binary>>) when Ihl >= 5 -> {v1, Ihl, Len, byte_size(Rest)};
hdr(<<V:4, _/bits>>) -> {other, V};
hdr(<<>>) -> empty.

sized(N, B) ->
    case B of
        <<X:N/little-signed, _/binary>> -> X;
        _ -> nomatch
    end.

kinds(<<F:32/float, G:16/float, C/utf8, D/utf16-little, E/utf32, B:3/bits, _:5>>) ->
    {F, G, C, D, E, B};
kinds(_) -> no.

exact(<<A:8, B:8>>) -> {A, B};
exact(_) -> not_two_bytes.

lit(<<"GET ", Path/binary>>) -> {get, Path};
lit(<<$P, "OST ", _/binary>>) -> post;
lit(_) -> unknown.

main() ->
    {[tlv(B) || B <- [<<1, 2, 7, 8, 9>>, <<1, 5, 1>>, <<>>, <<3:4>>]],
     [hdr(B) || B <- [<<16#45, 0, 0, 20, 1, 2>>, <<16#43, 0, 0, 20>>, <<16#25, 1>>, <<>>]],
     [sized(N, <<255, 127, 1>>) || N <- [8, 16, 24, 32]],
     kinds(<<1.5:32/float, 2.0:16/float, 233/utf8, 8364/utf16-little, 65/utf32, 5:3, 0:5>>),
     kinds(<<1, 2>>),
     [exact(B) || B <- [<<1, 2>>, <<1, 2, 3>>, <<1>>, <<1, 2:7>>]],
     [lit(B) || B <- [<<"GET /x">>, <<"POST /">>, <<"PUT">>]],
     case <<9, 1, 2>> of <<N, Bs:N/binary>> -> Bs; <<_, R/binary>> -> R end}.
