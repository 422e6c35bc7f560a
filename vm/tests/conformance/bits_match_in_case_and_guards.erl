-module(bits_match_in_case_and_guards).
-export([main/0]).

kind(B) ->
    case B of
        <<0:1, _:7, _/binary>> -> ascii_start;
        <<2#110:3, _:5, _/binary>> -> two_byte;
        <<X:8, _/binary>> when X >= 16#F0 -> four_byte;
        <<_, _/binary>> -> other;
        <<>> -> empty
    end.
main() ->
    R = [kind(B) || B <- [<<"a">>, <<"é"/utf8>>, <<16#1F600/utf8>>, <<"€"/utf8>>, <<>>]],
    io:format("~p~n", [R]),
    R.
