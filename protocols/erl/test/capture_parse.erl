%% Reads real captured frames (the Rust test writes them, as hex, into the generated module
%% capture_frames: count/0, frame/1) and prints one canonical line per frame of what the stack's parsers see:
%%   N: eth VIDS TYPE | arp OP SHA SPA THA TPA
%%   N: eth VIDS TYPE | ipv4 SRC DST PROTO TTL ID DF MF OFFSET PAYLOADLEN | udp SP DP DATALEN
%%   N: eth VIDS TYPE | ipv4 ... | icmp TYPE CODE
%%   N: ... | error LAYER
%% The Rust side prints the same from etherparse's reading of the frame and compares.
-module(capture_parse).
-export([main/0]).

main() ->
    [io:format("~b: ~s~n", [N, line(test_util:unhex(capture_frames:frame(N)))])
     || N <- lists:seq(0, capture_frames:count() - 1)],
    ok.

line(Frame) ->
    case eth:parse(Frame) of
        {error, _} -> "error eth";
        {ok, #{vlans := Vl, type := Type, payload := P}} ->
            Vids = lists:join(",", [integer_to_list(V) || #{vid := V} <- Vl]),
            [io_lib:format("eth [~s] ~4.16.0b | ", [Vids, Type]), net(Type, P)]
    end.

net(16#0806, P) ->
    case arp:parse(P) of
        {ok, #{op := Op, sha := Sha, spa := Spa, tha := Tha, tpa := Tpa}} ->
            io_lib:format("arp ~s ~s ~s ~s ~s",
                          [op(Op), eth:mac_to_string(Sha), ipv4:format_addr(Spa),
                           eth:mac_to_string(Tha), ipv4:format_addr(Tpa)]);
        {error, _} -> "error arp"
    end;
net(16#0800, P) ->
    case ipv4:parse(P) of
        {error, _} -> "error ipv4";
        {ok, Pkt = #{src := S, dst := D, proto := Pr, ttl := Ttl, id := Id, df := Df, mf := Mf,
                     offset := Off, payload := Pl}} ->
            Ip = io_lib:format("ipv4 ~s ~s ~b ~b ~b ~w ~w ~b ~b",
                               [ipv4:format_addr(S), ipv4:format_addr(D), Pr, Ttl, Id, Df, Mf,
                                Off, byte_size(Pl)]),
            case ipv4:is_fragment(Pkt) of
                true -> Ip;
                false -> [Ip, transport(Pkt)]
            end
    end;
net(_, _) ->
    "other".

op({other, N}) -> integer_to_list(N);
op(Op) -> atom_to_list(Op).

transport(#{proto := 17, src := S, dst := D, payload := P}) ->
    case udp:parse(S, D, P) of
        {ok, #{src_port := Sp, dst_port := Dp, data := Data}} ->
            io_lib:format(" | udp ~b ~b ~b", [Sp, Dp, byte_size(Data)]);
        {error, _} -> " | error udp"
    end;
transport(#{proto := 1, payload := P}) ->
    case P of
        <<Type, Code, _/binary>> ->
            case icmp:parse(P) of
                {ok, _} -> io_lib:format(" | icmp ~b ~b", [Type, Code]);
                {error, _} -> " | error icmp"
            end;
        _ -> " | error icmp"
    end;
transport(_) ->
    "".
