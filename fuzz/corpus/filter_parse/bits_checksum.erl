-module(bits_checksum).
-export([main/0]).

sum(<<A:16, Rest/binary>>, Acc) -> sum(Rest, Acc + A);
sum(<<A:8>>, Acc) -> sum(<<>>, Acc + (A bsl 8));
sum(<<>>, Acc) -> fold(Acc).
fold(S) when S > 16#FFFF -> fold((S band 16#FFFF) + (S bsr 16));
fold(S) -> (bnot S) band 16#FFFF.
main() ->
    Cs = [sum(B, 0) || B <- [<<>>, <<1>>, <<1, 2>>, <<16#45, 0, 0, 16#73, 0, 0, 16#40, 0, 16#40, 16#11>>,
                             list_to_binary(lists:seq(1, 99))]],
    io:format("~w~n", [Cs]),
    Cs.
