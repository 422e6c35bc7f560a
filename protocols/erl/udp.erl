%% UDP (RFC 768): the wire format with the pseudo-header checksum, and the socket-style API.
%%
%% Wire (pure): parse/3, build/5.
%% Sockets: open(Stack, Port) binds Port (0 picks a free one) to the calling process, which
%% then owns the socket: datagrams for it arrive in its mailbox and recv/2 takes them out.
%% A socket goes when its owner exits or calls close/1.
%%   {ok, Sock} = udp:open(Stack, 7),
%%   {ok, {Ip, Port, Data}} = udp:recv(Sock, 1000),
%%   ok = udp:send(Sock, Ip, Port, Data).
-module(udp).
-export([parse/3, build/5, open/2, send/4, recv/2, close/1, port/1]).

-define(PROTO_UDP, 17).
-define(HEADER_LEN, 8).
-define(MAX_PAYLOAD, 65507).   % 65,535 less the IP and UDP headers

%% Src and Dst are the IP addresses of the enclosing packet (the pseudo-header).
parse(Src, Dst, <<SP:16, DP:16, Len:16, Csum:16, _/binary>> = Bin) ->
    Size = byte_size(Bin),
    if Len < ?HEADER_LEN -> {error, {udp, {bad_length, Len}}};
       Len > Size -> {error, {udp, {truncated, Len, Size}}};
       true ->
            <<Dgram:Len/binary, _/binary>> = Bin,
            %% A zero checksum means the sender computed none (allowed over IPv4).
            case Csum =:= 0 orelse inet_csum:valid([pseudo(Src, Dst, Len), Dgram]) of
                false -> {error, {udp, bad_checksum}};
                true ->
                    <<_:?HEADER_LEN/binary, Data/binary>> = Dgram,
                    {ok, #{src_port => SP, dst_port => DP, data => Data}}
            end
    end;
parse(_Src, _Dst, Bin) when is_binary(Bin) ->
    {error, {udp, {short_datagram, byte_size(Bin)}}}.

%% A datagram as an iolist (Data is not copied), checksum always computed.
build(Src, Dst, SrcPort, DstPort, Data) ->
    Len = ?HEADER_LEN + iolist_size(Data),
    S0 = inet_csum:sum(pseudo(Src, Dst, Len), 0),
    S1 = inet_csum:sum(<<SrcPort:16, DstPort:16, Len:16, 0:16>>, S0),
    Csum = case inet_csum:finish(inet_csum:sum(Data, S1)) of
               0 -> 16#FFFF;   % zero would mean "no checksum"
               C -> C
           end,
    [<<SrcPort:16, DstPort:16, Len:16, Csum:16>>, Data].

pseudo({S1, S2, S3, S4}, {D1, D2, D3, D4}, Len) ->
    <<S1, S2, S3, S4, D1, D2, D3, D4, 0, ?PROTO_UDP, Len:16>>.

%% Socket API: thin calls into the netstack process; nothing here keeps state.

open(Stack, Port) ->
    case netstack:call(Stack, {udp_open, Port, self()}) of
        {ok, Bound} -> {ok, {udp_socket, Stack, Bound}};
        Error -> Error
    end.

port({udp_socket, _Stack, Port}) -> Port.

send({udp_socket, _, _}, _Ip, _Port, Data) when not is_binary(Data), not is_list(Data) ->
    {error, badarg};
send({udp_socket, Stack, SrcPort}, Ip, Port, Data) ->
    case iolist_size(Data) of
        N when N > ?MAX_PAYLOAD -> {error, emsgsize};
        _ -> netstack:call(Stack, {udp_send, SrcPort, Ip, Port, Data})
    end.

%% Takes the next datagram for Sock: {ok, {SrcIp, SrcPort, Data}} or {error, timeout}.
recv(Sock = {udp_socket, _, _}, Timeout) ->
    receive
        {udp, Sock, Ip, Port, Data} -> {ok, {Ip, Port, Data}}
    after Timeout ->
        {error, timeout}
    end.

close(Sock = {udp_socket, Stack, Port}) ->
    Reply = netstack:call(Stack, {udp_close, Port, self()}),
    flush(Sock),
    Reply.

flush(Sock) ->
    receive {udp, Sock, _, _, _} -> flush(Sock) after 0 -> ok end.
