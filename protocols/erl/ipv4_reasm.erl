%% IPv4 reassembly with a timeout and memory limits against fragment floods.
%%
%% Pure: add/3 and expire/2 take the time (milliseconds) and return the new state.
%% Datagrams are keyed by {Src, Dst, Proto, Id} (RFC 791). Limits (netstack config keys):
%%   reasm_timeout_ms      a datagram not complete this long after its first fragment is
%%                         dropped (default 30,000, Linux's ipfrag_time)
%%   reasm_max_bytes       payload bytes one datagram may hold (default 65,515: 65,535 less
%%                         the header; a fragment reaching past it is refused)
%%   reasm_total_bytes     payload bytes held over all datagrams (default 1 MiB)
%%   reasm_max_datagrams   datagrams in flight (default 64)
%% When the datagram count or the byte total would pass its limit, the oldest datagrams are
%% evicted to make room (Linux's inet_frag evictor does the same): a flood costs the datagrams
%% in progress during it, but never locks reassembly out once it stops.
%% Overlapping fragments drop their whole datagram, as Linux has done since 2018 (overlaps
%% are the stuff of evasion attacks); an exact duplicate is ignored.
-module(ipv4_reasm).
-export([new/1, add/3, expire/2, next_deadline/1, stats/1, in_flight/1]).

new(Opts) ->
    #{dgrams => #{},
      bytes => 0,
      timeout => maps:get(reasm_timeout_ms, Opts, 30000),
      max_bytes => maps:get(reasm_max_bytes, Opts, 65515),
      total_bytes => maps:get(reasm_total_bytes, Opts, 1048576),
      max_dgrams => maps:get(reasm_max_datagrams, Opts, 64),
      next_seq => 0,      % arrival order, to evict the oldest first among equal deadlines
      stats => #{reassembled => 0, timeouts => 0, overlaps => 0, evicted => 0,
                 refused_limit => 0, malformed => 0, duplicates => 0}}.

%% Pkt is a parsed fragment (ipv4:parse/1). Returns
%%   {complete, Pkt2, R2}   Pkt2 is the whole datagram (offset 0, mf false, joined payload)
%%   {incomplete, R2}
%%   {dropped, Reason, R2}  the fragment (and for overlap or inconsistency, its datagram) is gone
add(R = #{dgrams := Ds}, Pkt = #{src := S, dst := D, proto := P, id := Id, offset := Off,
                                 mf := Mf, payload := Data}, Now) ->
    Key = {S, D, P, Id},
    Len = byte_size(Data),
    End = Off + Len,
    #{max_bytes := MaxBytes} = R,
    if End > MaxBytes -> drop(malformed, {too_large, End}, R);
       Mf andalso Len rem 8 =/= 0 -> drop(malformed, {unaligned_fragment, Len}, R);
       Mf andalso Len =:= 0 -> drop(malformed, empty_fragment, R);
       true ->
            case maps:find(Key, Ds) of
                {ok, Dg} -> add_to(R, Key, Dg, Pkt, Off, Len, End, Mf);
                error -> start(R, Key, Pkt, Off, Len, End, Mf, Now)
            end
    end.

start(R0 = #{total_bytes := TB, max_dgrams := MD}, Key, Pkt, Off, Len, End, Mf, Now) ->
    if Len > TB -> drop(refused_limit, memory_limit, R0);
       true ->
            R = #{dgrams := Ds, next_seq := Seq} = evict_count(R0, MD - 1),
            Dg = #{frags => [], bytes => 0, total => undefined, first => undefined,
                   deadline => Now + maps:get(timeout, R), seq => Seq},
            add_to(R#{dgrams := maps:put(Key, Dg, Ds), next_seq := Seq + 1}, Key, Dg, Pkt, Off,
                   Len, End, Mf)
    end.

%% Evicts the oldest datagrams until at most Max remain.
evict_count(R = #{dgrams := Ds}, Max) when map_size(Ds) =< Max -> R;
evict_count(R, Max) -> evict_count(evict_oldest(R, none), Max).

%% Evicts the oldest datagrams other than Keep until Need more bytes fit; false if they cannot.
evict_bytes(R = #{bytes := B, total_bytes := TB}, Need, _Keep) when B + Need =< TB -> R;
evict_bytes(R = #{dgrams := Ds}, Need, Keep) ->
    case map_size(maps:remove(Keep, Ds)) of
        0 -> false;
        _ -> evict_bytes(evict_oldest(R, Keep), Need, Keep)
    end.

evict_oldest(R = #{dgrams := Ds, bytes := B}, Keep) ->
    Ages = [{T, S, K} || {K, #{deadline := T, seq := S}} <- maps:to_list(Ds), K =/= Keep],
    {_, _, Victim} = lists:min(Ages),
    #{bytes := DB} = maps:get(Victim, Ds),
    bump(evicted, R#{dgrams := maps:remove(Victim, Ds), bytes := B - DB}).

add_to(R, Key, Dg = #{frags := Fs, total := Total}, Pkt, Off, Len, End, Mf) ->
    case lists:keyfind(Off, 1, Fs) of
        {Off, Len} when Len > 0 ->
            {incomplete, bump(duplicates, R)};
        _ ->
            Overlap = lists:any(fun({O, L}) -> Off < O + L andalso O < End end, Fs),
            NewTotal = case Mf of true -> Total; false -> End end,
            Inconsistent =
                (not Mf andalso Total =/= undefined andalso Total =/= End)
                orelse (NewTotal =/= undefined andalso
                        lists:any(fun({O, L}) -> O + L > NewTotal end, [{Off, Len} | Fs])),
            if Overlap -> drop_dgram(overlaps, overlap, Key, R);
               Inconsistent -> drop_dgram(malformed, inconsistent_length, Key, R);
               true ->
                    case evict_bytes(R, Len, Key) of
                        %% This datagram alone would pass the byte total.
                        false -> drop_dgram(refused_limit, memory_limit, Key, R);
                        R2 -> store(R2, Key, Dg, Pkt, Off, Len, NewTotal)
                    end
            end
    end.

store(R = #{bytes := B, dgrams := Ds}, Key, Dg = #{frags := Fs, bytes := DB, first := First0},
      Pkt, Off, Len, NewTotal) ->
    First = case Off of 0 -> Pkt; _ -> First0 end,
    Dg2 = Dg#{frags := [{Off, Len} | Fs], bytes := DB + Len, total := NewTotal,
              first := First, {data, Off} => maps:get(payload, Pkt)},
    R2 = R#{bytes := B + Len},
    case NewTotal =:= DB + Len of
        true -> complete(R2, Key, Dg2);
        false -> {incomplete, R2#{dgrams := maps:put(Key, Dg2, Ds)}}
    end.

%% No overlaps and byte count equal to the total length: the fragments tile the datagram.
complete(R = #{dgrams := Ds, bytes := B}, Key, Dg = #{frags := Fs, bytes := DB, first := First}) ->
    Parts = [maps:get({data, O}, Dg) || {O, _} <- lists:sort(Fs)],
    Payload = iolist_to_binary(Parts),
    Whole = First#{offset := 0, mf := false, payload := Payload,
                   total_len := maps:get(header_len, First) + DB},
    R2 = bump(reassembled, R#{dgrams := maps:remove(Key, Ds), bytes := B - DB}),
    {complete, Whole, R2}.

drop(Counter, Reason, R) ->
    {dropped, Reason, bump(Counter, R)}.

drop_dgram(Counter, Reason, Key, R = #{dgrams := Ds, bytes := B}) ->
    #{bytes := DB} = maps:get(Key, Ds),
    {dropped, Reason, bump(Counter, R#{dgrams := maps:remove(Key, Ds), bytes := B - DB})}.

bump(Counter, R = #{stats := St}) ->
    R#{stats := maps:update_with(Counter, fun(N) -> N + 1 end, St)}.

%% Drops the datagrams whose time is up. Returns {R2, ExpiredKeys} (sorted).
expire(R = #{dgrams := Ds, bytes := B, stats := St}, Now) ->
    {Dead, Live} = lists:partition(fun({_, #{deadline := T}}) -> T =< Now end,
                                   maps:to_list(Ds)),
    Freed = lists:sum([DB || {_, #{bytes := DB}} <- Dead]),
    N = length(Dead),
    St2 = maps:update_with(timeouts, fun(X) -> X + N end, St),
    {R#{dgrams := maps:from_list(Live), bytes := B - Freed, stats := St2},
     lists:sort([K || {K, _} <- Dead])}.

next_deadline(#{dgrams := Ds}) ->
    maps:fold(fun(_, #{deadline := T}, Acc) -> min(T, Acc) end, infinity, Ds).

%% Counters plus the current occupancy.
stats(#{stats := St, dgrams := Ds, bytes := B}) ->
    St#{in_flight => map_size(Ds), held_bytes => B}.

in_flight(#{dgrams := Ds}) -> map_size(Ds).
