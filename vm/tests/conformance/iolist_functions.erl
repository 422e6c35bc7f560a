-module(iolist_functions).
-export([main/0]).

main() ->
    IO = ["abc", [$d, <<"ef">>], <<>>, [[[$g]]]],
    R = [iolist_to_binary(IO), iolist_size(IO), erlang:iolist_to_iovec(IO) =/= [], list_to_binary(IO), binary_to_list(<<"xyz">>, 2, 3),
         unicode:characters_to_list(<<"é"/utf8>>), unicode:characters_to_binary("é"), unicode:characters_to_binary("é", unicode, latin1)],
    io:format("~w~n", [R]),
    R.
