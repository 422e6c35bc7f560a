%% IPv4 (RFC 791): parse and build headers, the header checksum, and fragmentation by MTU.
%%
%% Pure functions. A parsed packet is a map
%%   #{src, dst := {A, B, C, D}, proto, ttl, tos, id, df, mf := boolean(),
%%     offset := bytes, header_len, total_len, payload := binary()}
%% Options are skipped (their bytes are counted in header_len and not interpreted). The payload
%% is a sub-binary of the packet, cut at total_len so Ethernet padding is dropped.
%% Reassembly is in ipv4_reasm.
-module(ipv4).
-export([parse/1, build/2, header/2, fragment/3, is_fragment/1, addr_to_bin/1, bin_to_addr/1,
         addr_to_int/1, int_to_addr/1, same_subnet/3, broadcast_addr/2, format_addr/1]).

-define(MIN_HEADER, 20).
-define(MAX_PACKET, 65535).

parse(<<4:4, Ihl:4, Tos, Total:16, Id:16, _Rsv:1, Df:1, Mf:1, FragOff:13, Ttl, Proto,
        _Csum:16, S1, S2, S3, S4, D1, D2, D3, D4, _/binary>> = Bin) ->
    HLen = Ihl * 4,
    Size = byte_size(Bin),
    if HLen < ?MIN_HEADER -> {error, {ipv4, {bad_header_length, HLen}}};
       Total < HLen -> {error, {ipv4, {total_length_below_header, Total, HLen}}};
       Total > Size -> {error, {ipv4, {truncated, Total, Size}}};
       true ->
            <<Header:HLen/binary, _/binary>> = Bin,
            case inet_csum:valid(Header) of
                false -> {error, {ipv4, bad_header_checksum}};
                true ->
                    PLen = Total - HLen,
                    <<_:HLen/binary, Payload:PLen/binary, _/binary>> = Bin,
                    {ok, #{src => {S1, S2, S3, S4}, dst => {D1, D2, D3, D4}, proto => Proto,
                           ttl => Ttl, tos => Tos, id => Id, df => Df =:= 1, mf => Mf =:= 1,
                           offset => FragOff * 8, header_len => HLen, total_len => Total,
                           payload => Payload}}
            end
    end;
parse(<<V:4, _/bitstring>>) when V =/= 4 ->
    {error, {ipv4, {bad_version, V}}};
parse(Bin) when is_binary(Bin) ->
    {error, {ipv4, {short_packet, byte_size(Bin)}}}.

is_fragment(#{mf := Mf, offset := Off}) -> Mf orelse Off > 0.

%% A 20-byte header (no options) for a payload of PayloadLen bytes. Hdr: #{src, dst, proto}
%% and optionally ttl (64), tos (0), id (0), df (false), mf (false), offset (bytes, a multiple
%% of 8).
header(Hdr = #{src := {S1, S2, S3, S4}, dst := {D1, D2, D3, D4}, proto := Proto}, PayloadLen) ->
    Total = ?MIN_HEADER + PayloadLen,
    Ttl = maps:get(ttl, Hdr, 64),
    Tos = maps:get(tos, Hdr, 0),
    Id = maps:get(id, Hdr, 0),
    Df = flag(maps:get(df, Hdr, false)),
    Mf = flag(maps:get(mf, Hdr, false)),
    Off = maps:get(offset, Hdr, 0) div 8,
    %% Both binaries are built from integers only: no byte of an existing binary is copied
    %% (the VM counts such copies; the send path should not add to them).
    H0 = <<4:4, 5:4, Tos, Total:16, Id:16, 0:1, Df:1, Mf:1, Off:13, Ttl, Proto, 0:16,
           S1, S2, S3, S4, D1, D2, D3, D4>>,
    Csum = inet_csum:checksum(H0),
    <<4:4, 5:4, Tos, Total:16, Id:16, 0:1, Df:1, Mf:1, Off:13, Ttl, Proto, Csum:16,
      S1, S2, S3, S4, D1, D2, D3, D4>>.

flag(true) -> 1;
flag(false) -> 0.

%% One unfragmented packet as an iolist (the payload is not copied).
build(Hdr, Payload) ->
    [header(Hdr, iolist_size(Payload)), Payload].

%% Splits Payload into packets that fit Mtu (bytes of IP header plus payload). Every fragment
%% but the last carries a multiple of 8 payload bytes (offsets count 8-byte units) and MF.
%% Returns {ok, [Packet]} or {error, Reason} when DF forbids the split or the datagram cannot
%% exist (over 65,535 bytes).
fragment(Hdr, Payload, Mtu) ->
    Len = iolist_size(Payload),
    MaxData = (Mtu - ?MIN_HEADER) div 8 * 8,
    if Len + ?MIN_HEADER > ?MAX_PACKET -> {error, {ipv4, {datagram_too_large, Len}}};
       Len + ?MIN_HEADER =< Mtu -> {ok, [build(Hdr, Payload)]};
       MaxData < 8 -> {error, {ipv4, {mtu_too_small, Mtu}}};
       true ->
            case maps:get(df, Hdr, false) of
                true -> {error, {ipv4, {needs_fragmentation_but_df, Len, Mtu}}};
                %% Only a datagram that must be split is flattened (its fragments are
                %% sub-binaries of one binary); a packet that fits goes out as the iolist.
                false -> {ok, split(Hdr, iolist_to_binary(Payload), 0, MaxData)}
            end
    end.

split(Hdr, Bin, Off, MaxData) when byte_size(Bin) =< MaxData ->
    [build(Hdr#{offset => Off, mf => false}, Bin)];
split(Hdr, Bin, Off, MaxData) ->
    <<Chunk:MaxData/binary, Rest/binary>> = Bin,
    [build(Hdr#{offset => Off, mf => true}, Chunk) | split(Hdr, Rest, Off + MaxData, MaxData)].

addr_to_bin({A, B, C, D}) -> <<A, B, C, D>>.
bin_to_addr(<<A, B, C, D>>) -> {A, B, C, D}.
addr_to_int({A, B, C, D}) -> (A bsl 24) bor (B bsl 16) bor (C bsl 8) bor D.
int_to_addr(N) -> {(N bsr 24) band 255, (N bsr 16) band 255, (N bsr 8) band 255, N band 255}.

mask(PrefixLen) -> (16#FFFFFFFF bsl (32 - PrefixLen)) band 16#FFFFFFFF.

same_subnet(A, B, PrefixLen) ->
    M = mask(PrefixLen),
    (addr_to_int(A) band M) =:= (addr_to_int(B) band M).

%% The directed broadcast address of Ip's subnet.
broadcast_addr(Ip, PrefixLen) ->
    M = mask(PrefixLen),
    int_to_addr((addr_to_int(Ip) band M) bor (bnot M band 16#FFFFFFFF)).

format_addr({A, B, C, D}) ->
    lists:flatten(io_lib:format("~b.~b.~b.~b", [A, B, C, D])).
