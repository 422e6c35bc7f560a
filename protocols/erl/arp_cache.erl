%% The ARP cache and the per-address queues of packets waiting for a resolution.
%%
%% Pure: every function takes the current time (milliseconds) and returns the new state plus
%% the actions for the caller (the netstack process) to carry out, so expiry, retries and the
%% give-up are tested without a clock or a network.
%%
%% Limits (options of new/1, all in the netstack config):
%%   arp_ttl_ms        how long a learned entry stays valid (default 60,000)
%%   arp_retry_ms      interval between requests for an unresolved address (default 1,000)
%%   arp_retries       requests sent before giving up (default 3)
%%   arp_queue_len     packets queued per unresolved address (default 64)
%%   arp_queue_bytes   bytes queued per unresolved address (default 262,144, about Linux's
%%                     unres_qlen_bytes: a 60,000-byte datagram's 41 fragments must fit)
%%   arp_max_entries   entries kept; the one expiring first is evicted past it (default 1,024)
%% When a queue is full the oldest packet is dropped (what Linux does with unres_qlen).
-module(arp_cache).
-export([new/1, lookup/3, insert/4, enqueue/4, want/3, tick/2, next_deadline/1, entries/2,
         pending/1]).

new(Opts) ->
    #{entries => #{},     % Ip => {Mac, ExpiresAt}
      pending => #{},     % Ip => #{queue, len, bytes, sent, next}
      ttl => maps:get(arp_ttl_ms, Opts, 60000),
      retry => maps:get(arp_retry_ms, Opts, 1000),
      retries => maps:get(arp_retries, Opts, 3),
      qlen => maps:get(arp_queue_len, Opts, 64),
      qbytes => maps:get(arp_queue_bytes, Opts, 262144),
      max_entries => maps:get(arp_max_entries, Opts, 1024)}.

%% {ok, Mac} for a live entry, miss otherwise (an expired entry counts as absent).
lookup(#{entries := E}, Ip, Now) ->
    case maps:find(Ip, E) of
        {ok, {Mac, Exp}} when Exp > Now -> {ok, Mac};
        _ -> miss
    end.

%% Learns Ip -> Mac. Returns {C2, Released}: the packets that were waiting for Ip, oldest
%% first, now ready to be sent to Mac.
insert(C = #{entries := E0, pending := P, ttl := Ttl}, Ip, Mac, Now) ->
    E = evict_if_full(maps:remove(Ip, E0), C, Now),
    E1 = maps:put(Ip, {Mac, Now + Ttl}, E),
    case maps:take(Ip, P) of
        {#{queue := Q}, P2} -> {C#{entries := E1, pending := P2}, lists:reverse(Q)};
        error -> {C#{entries := E1}, []}
    end.

evict_if_full(E, #{max_entries := Max}, Now) ->
    case maps:size(E) < Max of
        true -> E;
        false ->
            Live = maps:filter(fun(_, {_, Exp}) -> Exp > Now end, E),
            case maps:size(Live) < Max of
                true -> Live;
                false ->
                    [{_, Victim} | _] = lists:sort([{Exp, Ip} || {Ip, {_, Exp}} <- maps:to_list(Live)]),
                    maps:remove(Victim, Live)
            end
    end.

%% Queues Packet (an iolist) for unresolved Ip. Returns {Action, C2, Dropped} where Action is
%% send_request when this is the first packet for Ip (the caller sends an ARP request now) or
%% queued, and Dropped counts packets pushed out of a full queue.
enqueue(C = #{pending := P, retry := Retry}, Ip, Packet, Now) ->
    Size = iolist_size(Packet),
    case maps:find(Ip, P) of
        error ->
            Entry = #{queue => [Packet], len => 1, bytes => Size, sent => 1, next => Now + Retry},
            {send_request, C#{pending := maps:put(Ip, Entry, P)}, 0};
        {ok, Entry = #{queue := Q, len := L, bytes := B}} ->
            {Q2, L2, B2, Dropped} = bound([Packet | Q], L + 1, B + Size, C),
            Entry2 = Entry#{queue := Q2, len := L2, bytes := B2},
            {queued, C#{pending := maps:put(Ip, Entry2, P)}, Dropped}
    end.

%% Starts a resolution of Ip with nothing queued (an explicit lookup, netstack:resolve/3).
%% {send_request, C2} when the caller must send the first request, {pending, C} when one is
%% already under way.
want(C = #{pending := P, retry := Retry}, Ip, Now) ->
    case maps:is_key(Ip, P) of
        true -> {pending, C};
        false ->
            Entry = #{queue => [], len => 0, bytes => 0, sent => 1, next => Now + Retry},
            {send_request, C#{pending := maps:put(Ip, Entry, P)}}
    end.

%% The queue is newest first; drop from the old end until both bounds hold.
bound(Q, L, B, #{qlen := MaxL, qbytes := MaxB}) when L =< MaxL, B =< MaxB ->
    {Q, L, B, 0};
bound(Q, L, B, C) ->
    [Oldest | RevRest] = lists:reverse(Q),
    {Q2, L2, B2, D} = bound(lists:reverse(RevRest), L - 1, B - iolist_size(Oldest), C),
    {Q2, L2, B2, D + 1}.

%% Advances time: drops expired entries, and for each unresolved address whose retry time has
%% come either asks again ({request, Ip}) or, after arp_retries requests, gives up
%% ({give_up, Ip, DroppedPackets}). Returns {C2, Actions}.
tick(C = #{entries := E, pending := P, retry := Retry, retries := Max}, Now) ->
    E2 = maps:filter(fun(_, {_, Exp}) -> Exp > Now end, E),
    {P2, Actions} =
        maps:fold(
          fun(Ip, Entry = #{next := Next, sent := Sent, len := L}, {Acc, Acts}) ->
                  if Next > Now -> {maps:put(Ip, Entry, Acc), Acts};
                     Sent >= Max -> {Acc, [{give_up, Ip, L} | Acts]};
                     true ->
                          Entry2 = Entry#{sent := Sent + 1, next := Now + Retry},
                          {maps:put(Ip, Entry2, Acc), [{request, Ip} | Acts]}
                  end
          end, {#{}, []}, P),
    {C#{entries := E2, pending := P2}, lists:sort(Actions)}.

%% The earliest time tick/2 has work to do for pending addresses: infinity when none wait.
%% Entry expiry needs no timer (lookup checks the time; tick sweeps when it runs anyway).
next_deadline(#{pending := P}) ->
    maps:fold(fun(_, #{next := N}, Acc) -> min(N, Acc) end, infinity, P).

%% Live entries as a sorted list of {Ip, Mac, MsLeft}.
entries(#{entries := E}, Now) ->
    lists:sort([{Ip, Mac, Exp - Now} || {Ip, {Mac, Exp}} <- maps:to_list(E), Exp > Now]).

%% Unresolved addresses as a sorted list of {Ip, QueuedPackets, RequestsSent}.
pending(#{pending := P}) ->
    lists:sort([{Ip, L, S} || {Ip, #{len := L, sent := S}} <- maps:to_list(P)]).
