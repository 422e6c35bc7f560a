-module(term_to_binary_roundtrip).
-export([main/0]).

main() ->
    Ts = [0, -1, 1 bsl 70, 1.5, atom, "str", <<"bin">>, <<1:3>>, {a, [b, {c}]}, #{k => [v]}, [], {}],
    R = [binary_to_term(term_to_binary(T)) =:= T || T <- Ts],
    B = term_to_binary({hello, 1}),
    io:format("~p ~p~n", [R, B]),
    {R, B, byte_size(term_to_binary(lists:seq(1, 10)))}.
