-module(bits_zero_copy_sub).
-export([main/0]).

walk(<<>>, Acc) -> lists:reverse(Acc);
walk(<<Len, Body:Len/binary, Rest/binary>>, Acc) -> walk(Rest, [Body | Acc]).
main() ->
    Big = list_to_binary(lists:seq(0, 200)),
    <<_:14/binary, Ip/binary>> = Big,
    Frames = walk(<<2, "ab", 0, 3, "xyz">>, []),
    io:format("~p ~p~n", [byte_size(Ip), Frames]),
    {binary:first(Ip), binary:last(Ip), Frames}.
