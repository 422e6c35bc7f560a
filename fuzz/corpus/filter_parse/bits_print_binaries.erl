-module(bits_print_binaries).
-export([main/0]).

main() ->
    Bs = [<<>>, <<"plain text">>, <<1, 2, 3>>, <<"mix", 0, "ed">>, <<1:1>>, <<"abc", 5:3>>,
          <<"é"/utf8>>, <<"é">>, <<"line\nbreak">>, <<"tab\there">>, list_to_binary(lists:duplicate(100, $a)),
          list_to_binary(lists:seq(0, 40))],
    [io:format("~p | ~w | ~s~n", [B, B, [if is_binary(B) -> B; true -> <<"bits">> end]]) || B <- Bs],
    io:format("~p~n", [Bs]),
    length(Bs).
