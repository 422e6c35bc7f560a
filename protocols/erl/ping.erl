%% An ICMP echo client over a netstack: ping:ping(Stack, Ip, Count, TimeoutMs) sends Count echo
%% requests one after another, each waiting up to TimeoutMs for its reply, and returns the
%% number of replies received. ping/5 returns the details. (The echo responder is in netstack.)
-module(ping).
-export([ping/4, ping/5]).

-define(PAYLOAD_LEN, 56).   % what Linux ping sends by default

ping(Stack, Ip, Count, TimeoutMs) ->
    case ping(Stack, Ip, Count, TimeoutMs, #{}) of
        #{received := N} -> N;
        Error -> Error
    end.

%% Opts: payload_len (56). Returns #{sent, received, late, lost_seqs, rtt_us => [integer()]}
%% or {error, Reason}. Replies are matched on identifier, sequence number and payload; late
%% counts replies that came after their request had timed out (not in received).
ping(Stack, Ip, Count, TimeoutMs, Opts) ->
    Ident = erlang:unique_integer([positive]) band 16#FFFF,
    case netstack:call(Stack, {icmp_subscribe, Ident, self()}) of
        ok ->
            Len = maps:get(payload_len, Opts, ?PAYLOAD_LEN),
            Payload = list_to_binary([I band 255 || I <- lists:seq(0, Len - 1)]),
            R = run(Stack, Ip, Ident, Payload, 1, Count, TimeoutMs,
                    #{sent => 0, received => 0, late => 0, lost_seqs => [], rtt_us => []}),
            netstack:call(Stack, {icmp_unsubscribe, Ident}),
            flush(Ident),
            R#{lost_seqs := lists:reverse(maps:get(lost_seqs, R)),
               rtt_us := lists:reverse(maps:get(rtt_us, R))};
        Error ->
            Error
    end.

run(_Stack, _Ip, _Ident, _Payload, Seq, Count, _T, Acc) when Seq > Count ->
    Acc;
run(Stack, Ip, Ident, Payload, Seq, Count, T, Acc = #{sent := S, received := N}) ->
    Start = erlang:monotonic_time(microsecond),
    case netstack:call(Stack, {icmp_echo, Ip, Ident, Seq band 16#FFFF, Payload}) of
        ok ->
            {Got, Late} = wait(Ip, Ident, Seq band 16#FFFF, Payload, Start + T * 1000, 0),
            AccL = Acc#{late := maps:get(late, Acc) + Late},
            Acc2 = case Got of
                       ok ->
                           Rtt = erlang:monotonic_time(microsecond) - Start,
                           AccL#{sent := S + 1, received := N + 1,
                                 rtt_us := [Rtt | maps:get(rtt_us, Acc)]};
                       timeout ->
                           AccL#{sent := S + 1, lost_seqs := [Seq | maps:get(lost_seqs, Acc)]}
                   end,
            run(Stack, Ip, Ident, Payload, Seq + 1, Count, T, Acc2);
        Error ->
            Error
    end.

%% Waits for this sequence number's reply until Deadline (microseconds); late replies to
%% earlier requests are counted and discarded on the way. Returns {ok | timeout, Late}.
wait(Ip, Ident, Seq, Payload, Deadline, Late) ->
    Left = max(0, (Deadline - erlang:monotonic_time(microsecond)) div 1000),
    receive
        {icmp_echo_reply, _, Ip, Ident, Seq, Payload} -> {ok, Late};
        {icmp_echo_reply, _, Ip, Ident, _, Payload} -> wait(Ip, Ident, Seq, Payload, Deadline, Late + 1);
        {icmp_echo_reply, _, _, Ident, _, _} -> wait(Ip, Ident, Seq, Payload, Deadline, Late)
    after Left ->
        {timeout, Late}
    end.

flush(Ident) ->
    receive {icmp_echo_reply, _, _, Ident, _, _} -> flush(Ident) after 0 -> ok end.
