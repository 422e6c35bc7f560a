%% ARP for IPv4 over Ethernet (RFC 826): parse and build the 28-byte packet.
%%
%% Pure functions. A parsed packet is #{op := request | reply | {other, N}, sha, spa, tha, tpa}
%% with hardware addresses as 6-byte binaries and protocol addresses as {A, B, C, D}.
%% The cache and the queue of packets waiting for a resolution live in arp_cache.
-module(arp).
-export([parse/1, build/5, request/3, reply/4]).

-define(HTYPE_ETHERNET, 1).
-define(PTYPE_IPV4, 16#0800).
-define(OP_REQUEST, 1).
-define(OP_REPLY, 2).

parse(<<?HTYPE_ETHERNET:16, ?PTYPE_IPV4:16, 6, 4, Op:16, Sha:6/binary, A1, A2, A3, A4,
        Tha:6/binary, B1, B2, B3, B4, _Padding/binary>>) ->
    {ok, #{op => op_name(Op), sha => Sha, spa => {A1, A2, A3, A4}, tha => Tha,
           tpa => {B1, B2, B3, B4}}};
parse(<<HType:16, PType:16, HLen, PLen, _/binary>>)
  when HType =/= ?HTYPE_ETHERNET; PType =/= ?PTYPE_IPV4; HLen =/= 6; PLen =/= 4 ->
    {error, {arp, {unsupported, HType, PType, HLen, PLen}}};
parse(Bin) when is_binary(Bin) ->
    {error, {arp, {short_packet, byte_size(Bin)}}}.

op_name(?OP_REQUEST) -> request;
op_name(?OP_REPLY) -> reply;
op_name(N) -> {other, N}.

op_code(request) -> ?OP_REQUEST;
op_code(reply) -> ?OP_REPLY;
op_code({other, N}) -> N.

build(Op, Sha, {A1, A2, A3, A4}, Tha, {B1, B2, B3, B4}) ->
    <<?HTYPE_ETHERNET:16, ?PTYPE_IPV4:16, 6, 4, (op_code(Op)):16, Sha:6/binary,
      A1, A2, A3, A4, Tha:6/binary, B1, B2, B3, B4>>.

%% Who has TargetIp? Tell MyIp. The target hardware address is unknown, hence zero.
request(MyMac, MyIp, TargetIp) ->
    build(request, MyMac, MyIp, <<0:48>>, TargetIp).

%% The answer to a request from (ToMac, ToIp) for our address.
reply(MyMac, MyIp, ToMac, ToIp) ->
    build(reply, MyMac, MyIp, ToMac, ToIp).
