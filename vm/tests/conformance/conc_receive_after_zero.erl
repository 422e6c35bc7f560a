-module(conc_receive_after_zero).
-export([main/0]).

%% `after 0` polls: it takes a matching message already there, or times out at once and
%% leaves non-matching messages in place.
main() ->
    R1 = receive X -> {got, X} after 0 -> empty end,
    self() ! hello,
    R2 = receive hello -> hello_taken after 0 -> empty end,
    self() ! other,
    R3 = receive hello -> hello_taken after 0 -> timeout end,
    R4 = receive Y -> {still_there, Y} after 0 -> empty end,
    %% A flush loop built on after 0.
    [self() ! I || I <- lists:seq(1, 10)],
    N = flush(0),
    R5 = receive Z -> Z after 0 -> flushed end,
    io:format("~p~n", [[R1, R2, R3, R4, N, R5]]),
    N.

flush(N) -> receive _ -> flush(N + 1) after 0 -> N end.
