%% Ethernet II frames with 802.1Q (and 802.1ad outer) VLAN tags: parse and build.
%%
%% Pure functions: no process, no time. A parsed frame is a map
%%   #{dst := <<_:48>>, src := <<_:48>>, vlans := [#{tpid, pcp, dei, vid}],
%%     type := EtherType, payload := binary()}
%% where vlans lists tags outermost first and payload is a sub-binary of the frame (no copy).
-module(eth).
-export([parse/1, build/2, header/1, broadcast/0, is_broadcast/1, is_multicast/1,
         mac_to_string/1, type_ipv4/0, type_arp/0]).

-define(HEADER_LEN, 14).
-define(MIN_FRAME, 60).        % without the FCS, which NICs add and strip
-define(TPID_8021Q, 16#8100).
-define(TPID_8021AD, 16#88A8).
-define(MAX_TAGS, 2).          % double tagging (QinQ) is the most a host meets
-define(TYPE_IPV4, 16#0800).
-define(TYPE_ARP, 16#0806).

type_ipv4() -> ?TYPE_IPV4.
type_arp() -> ?TYPE_ARP.

broadcast() -> <<255, 255, 255, 255, 255, 255>>.

is_broadcast(<<255, 255, 255, 255, 255, 255>>) -> true;
is_broadcast(_) -> false.

%% The group bit is the low bit of the first octet.
is_multicast(<<_:7, 1:1, _/binary>>) -> true;
is_multicast(_) -> false.

parse(<<Dst:6/binary, Src:6/binary, Rest/binary>>) ->
    parse_tags(Rest, [], Dst, Src);
parse(Frame) when is_binary(Frame) ->
    {error, {eth, {short_frame, byte_size(Frame)}}};
parse(_) ->
    {error, {eth, not_a_binary}}.

parse_tags(<<Tpid:16, Pcp:3, Dei:1, Vid:12, Rest/binary>>, Tags, Dst, Src)
  when Tpid =:= ?TPID_8021Q; Tpid =:= ?TPID_8021AD ->
    case length(Tags) < ?MAX_TAGS of
        true ->
            Tag = #{tpid => Tpid, pcp => Pcp, dei => Dei, vid => Vid},
            parse_tags(Rest, [Tag | Tags], Dst, Src);
        false ->
            {error, {eth, too_many_vlan_tags}}
    end;
parse_tags(<<Tpid:16, _/binary>>, _Tags, _Dst, _Src)
  when Tpid =:= ?TPID_8021Q; Tpid =:= ?TPID_8021AD ->
    {error, {eth, truncated_vlan_tag}};
parse_tags(<<Type:16, Payload/binary>>, Tags, Dst, Src) when Type >= 16#0600 ->
    {ok, #{dst => Dst, src => Src, vlans => lists:reverse(Tags), type => Type,
           payload => Payload}};
parse_tags(<<Len:16, _/binary>>, _Tags, _Dst, _Src) ->
    %% Values below 0x0600 are 802.3 lengths (LLC frames), which carry nothing we speak.
    {error, {eth, {ieee_802_3_length_field, Len}}};
parse_tags(_, _Tags, _Dst, _Src) ->
    {error, {eth, truncated_header}}.

%% The header as an iolist: Hdr is #{dst, src, type} with optional vlans (outermost first);
%% a tag may give only vid (pcp, dei default to 0, tpid to 802.1Q). The addresses go in as
%% they are, not copied.
header(#{dst := Dst, src := Src, type := Type} = Hdr) ->
    Tags = [tag(T) || T <- maps:get(vlans, Hdr, [])],
    [Dst, Src, Tags, <<Type:16>>].

tag(#{vid := Vid} = T) ->
    Tpid = maps:get(tpid, T, ?TPID_8021Q),
    Pcp = maps:get(pcp, T, 0),
    Dei = maps:get(dei, T, 0),
    <<Tpid:16, Pcp:3, Dei:1, Vid:12>>.

%% A whole frame as an iolist (the payload is not copied), padded to the 60-byte minimum.
build(Hdr, Payload) ->
    H = header(Hdr),
    Size = iolist_size(H) + iolist_size(Payload),
    case Size < ?MIN_FRAME of
        true -> [H, Payload, <<0:((?MIN_FRAME - Size) * 8)>>];
        false -> [H, Payload]
    end.

mac_to_string(<<A, B, C, D, E, F>>) ->
    lists:flatten(io_lib:format("~2.16.0b:~2.16.0b:~2.16.0b:~2.16.0b:~2.16.0b:~2.16.0b",
                                [A, B, C, D, E, F])).
