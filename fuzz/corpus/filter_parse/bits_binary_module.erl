-module(bits_binary_module).
-export([main/0]).

main() ->
    B = <<"a,b,,c">>,
    R = [binary:split(B, <<",">>), binary:split(B, <<",">>, [global]),
         binary:split(B, [<<",">>, <<"b">>], [global, trim]),
         binary:match(B, <<",">>), binary:matches(B, <<",">>), binary:match(B, <<"z">>),
         binary:replace(B, <<",">>, <<";">>, [global]), binary:copy(<<"ab">>, 3),
         binary:first(B), binary:last(B), binary:at(B, 2),
         binary:decode_unsigned(<<1, 0>>), binary:decode_unsigned(<<1, 0>>, little),
         binary:encode_unsigned(65536), binary:encode_unsigned(258, little),
         binary:bin_to_list(<<"xyz">>), binary:list_to_bin([1, [2]]), binary:longest_common_prefix([<<"abc">>, <<"abd">>])],
    io:format("~p~n", [R]),
    R.
