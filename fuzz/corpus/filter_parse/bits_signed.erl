-module(bits_signed).
-export([main/0]).

main() ->
    L = [<<V:8/signed>> || V <- [-128, -1, 0, 127]],
    D = [begin <<S:8/signed>> = B, <<U:8/unsigned>> = B, {S, U} end || B <- L],
    <<A:4/signed, B:4/signed>> = <<16#F7>>,
    io:format("~p~n~p~n", [L, D]),
    {A, B, <<-1:12/signed>>, <<-5:7>>}.
