%% ICMP for IPv4 (RFC 792): echo request/reply and destination unreachable, parse and build.
%%
%% Pure functions. A parsed message is one of
%%   #{type := echo_request | echo_reply, id, seq, data}
%%   #{type := dest_unreachable, code, original := binary()}   (IP header + 8 bytes)
%%   #{type := {other, Type}, code, body}
%% The rate limit on errors is token_bucket, applied by netstack.
-module(icmp).
-export([parse/1, echo_request/3, echo_reply/3, dest_unreachable/2, unreach_code/1]).

-define(ECHO_REPLY, 0).
-define(DEST_UNREACHABLE, 3).
-define(ECHO_REQUEST, 8).

parse(<<Type, Code, _Csum:16, Rest/binary>> = Bin) ->
    case inet_csum:valid(Bin) of
        false -> {error, {icmp, bad_checksum}};
        true -> {ok, body(Type, Code, Rest)}
    end;
parse(Bin) when is_binary(Bin) ->
    {error, {icmp, {short_message, byte_size(Bin)}}}.

body(?ECHO_REQUEST, 0, <<Id:16, Seq:16, Data/binary>>) ->
    #{type => echo_request, id => Id, seq => Seq, data => Data};
body(?ECHO_REPLY, 0, <<Id:16, Seq:16, Data/binary>>) ->
    #{type => echo_reply, id => Id, seq => Seq, data => Data};
body(?DEST_UNREACHABLE, Code, <<_Unused:32, Orig/binary>>) ->
    #{type => dest_unreachable, code => Code, original => Orig};
body(Type, Code, Body) ->
    #{type => {other, Type}, code => Code, body => Body}.

echo_request(Id, Seq, Data) -> message(?ECHO_REQUEST, 0, (Id bsl 16) bor Seq, Data).
echo_reply(Id, Seq, Data) -> message(?ECHO_REPLY, 0, (Id bsl 16) bor Seq, Data).

%% Code: net | host | protocol | port (or an integer). Original is the offending packet; RFC
%% 792 quotes its IP header and the first 8 bytes of its payload.
dest_unreachable(Code, Original) ->
    <<_:4, Ihl:4, _/binary>> = Original,
    Quote = binary:part(Original, 0, min(byte_size(Original), Ihl * 4 + 8)),
    message(?DEST_UNREACHABLE, unreach_code(Code), 0, Quote).

unreach_code(net) -> 0;
unreach_code(host) -> 1;
unreach_code(protocol) -> 2;
unreach_code(port) -> 3;
unreach_code(N) when is_integer(N) -> N.

%% Rest is the header's second word (echo: identifier and sequence number) as an integer, so
%% the header is built from integers and Data is never copied.
message(Type, Code, Rest, Data) ->
    Csum = inet_csum:finish(inet_csum:sum(Data, inet_csum:sum(<<Type, Code, 0:16, Rest:32>>, 0))),
    [<<Type, Code, Csum:16, Rest:32>>, Data].
