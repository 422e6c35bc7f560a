-module(recv_compiled_scan).
-export([main/0]).

%% receive lowered to mailbox-scan instructions: selective receive keeps the skipped
%% messages in order, guards that raise only fail their clause, `after 0` polls, timeouts
%% fire, and a receive in non-tail position hands its value on.

flush(Acc) ->
    receive M -> flush([M | Acc]) after 0 -> lists:reverse(Acc) end.

pick(Tag) ->
    receive
        {Tag, X} when is_integer(X), X > 2 -> {big, X};
        {Tag, X} when element(1, X) =:= a -> {tuple_a, X};
        {Tag, X} -> {other, X}
    after 0 -> none
    end.

mid() ->
    V = receive {mid, N} -> N * 10 after 50 -> timeout end,
    {got, V}.

bad_timeout() ->
    try receive _ -> never after nope -> never end
    catch error:R -> {error, R}
    end.

echo() ->
    receive
        {From, stop} -> From ! stopped;
        {From, Msg} -> From ! {echo, Msg}, echo()
    end.

main() ->
    Self = self(),
    [Self ! M || M <- [{b, 1}, {a, 1}, {a, 5}, {c, x}, {a, {a, 2}}, {a, {b, 3}}, {b, 9}]],
    P1 = pick(a),
    P2 = pick(a),
    P3 = pick(a),
    P4 = pick(a),
    P5 = pick(a),
    Rest = flush([]),
    T = mid(),
    self() ! {mid, 4},
    T2 = mid(),
    B = bad_timeout(),
    E = spawn(fun echo/0),
    E ! {Self, hello},
    E ! {Self, [1, 2]},
    E ! {Self, stop},
    Replies = [receive R -> R after 1000 -> lost end || _ <- [1, 2, 3]],
    Zero = receive x -> x after 0 -> empty end,
    {[P1, P2, P3, P4, P5], Rest, T, T2, B, Replies, Zero}.
