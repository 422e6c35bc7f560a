-module(bits_append_loop).
-export([main/0]).

build(0, Acc) -> Acc;
build(N, Acc) -> build(N - 1, <<Acc/binary, N:16>>).
main() ->
    B = build(1000, <<>>),
    <<First:16, _/binary>> = B,
    Last = binary:last(B),
    Sum = lists:sum([X || <<X:16>> <= B]),
    io:format("~p ~p ~p ~p~n", [byte_size(B), First, Last, Sum]),
    {byte_size(B), Sum}.
