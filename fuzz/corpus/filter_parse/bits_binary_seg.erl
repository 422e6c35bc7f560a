-module(bits_binary_seg).
-export([main/0]).

main() ->
    Bin = <<"hello world">>,
    <<H:5/binary, _, W/binary>> = Bin,
    <<P:2/bytes, Q/bytes>> = W,
    C = <<H/binary, "-", W/binary>>,
    io:format("~p ~p ~p ~p~n", [H, W, P, Q]),
    {C, byte_size(C), <<Bin:3/binary>>}.
