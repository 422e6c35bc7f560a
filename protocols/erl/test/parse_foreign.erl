%% Parses frames built by someone else (the Rust test writes them with etherparse into the
%% generated module foreign_frames) and prints what the Erlang stack reads in each, one line
%% per frame: "name: layer key=value ...". Fragments named frag_* go through ipv4_reasm and
%% print once, when the datagram is whole.
-module(parse_foreign).
-export([main/0]).

main() ->
    lists:foldl(fun({Name, Frame}, R) -> describe(Name, Frame, R) end,
                ipv4_reasm:new(#{}), foreign_frames:frames()),
    ok.

describe(Name, Frame, R) ->
    case eth:parse(Frame) of
        {error, E} ->
            line(Name, io_lib:format("error ~w", [E])),
            R;
        {ok, #{vlans := Vl, type := Type, payload := P}} ->
            Vids = [V || #{vid := V} <- Vl],
            Eth = io_lib:format("vlans=~w type=~4.16.0b", [Vids, Type]),
            net(Name, Eth, Type, P, R)
    end.

net(Name, Eth, 16#0806, P, R) ->
    case arp:parse(P) of
        {ok, #{op := Op, sha := Sha, spa := Spa, tha := Tha, tpa := Tpa}} ->
            line(Name, [Eth, io_lib:format(" arp ~w ~s ~s ~s ~s",
                                           [Op, eth:mac_to_string(Sha), ipv4:format_addr(Spa),
                                            eth:mac_to_string(Tha), ipv4:format_addr(Tpa)])]);
        {error, E} ->
            line(Name, [Eth, io_lib:format(" error ~w", [E])])
    end,
    R;
net(Name, Eth, 16#0800, P, R) ->
    case ipv4:parse(P) of
        {error, E} ->
            line(Name, [Eth, io_lib:format(" error ~w", [E])]),
            R;
        {ok, Pkt} ->
            case ipv4:is_fragment(Pkt) of
                false ->
                    line(Name, [Eth, ip_text(Pkt), transport(Pkt)]),
                    R;
                true ->
                    case ipv4_reasm:add(R, Pkt, 0) of
                        {complete, Whole, R2} ->
                            line("reassembled", [Eth, ip_text(Whole), transport(Whole)]),
                            R2;
                        {incomplete, R2} -> R2;
                        {dropped, Why, R2} ->
                            line(Name, io_lib:format("dropped ~w", [Why])),
                            R2
                    end
            end
    end;
net(Name, Eth, _Type, _P, R) ->
    line(Name, [Eth, " other"]),
    R.

ip_text(#{src := S, dst := D, proto := Pr, ttl := Ttl, id := Id, df := Df, tos := Tos,
          header_len := Hl, payload := P}) ->
    io_lib:format(" ipv4 ~s>~s proto=~b ttl=~b id=~b df=~w tos=~b hlen=~b len=~b",
                  [ipv4:format_addr(S), ipv4:format_addr(D), Pr, Ttl, Id, Df, Tos, Hl,
                   byte_size(P)]).

transport(#{proto := 1, payload := P}) ->
    case icmp:parse(P) of
        {ok, #{type := T, id := Id, seq := Seq, data := Data}} ->
            io_lib:format(" icmp ~w id=~b seq=~b data=~s", [T, Id, Seq, test_util:hex(Data)]);
        {ok, #{type := T, code := C}} ->
            io_lib:format(" icmp ~w code=~b", [T, C]);
        {error, E} ->
            io_lib:format(" error ~w", [E])
    end;
transport(#{proto := 17, src := S, dst := D, payload := P}) ->
    case udp:parse(S, D, P) of
        {ok, #{src_port := Sp, dst_port := Dp, data := Data}} ->
            io_lib:format(" udp ~b>~b data=~s", [Sp, Dp, digest(Data)]);
        {error, E} ->
            io_lib:format(" error ~w", [E])
    end;
transport(#{proto := Pr}) ->
    io_lib:format(" proto ~b", [Pr]).

%% Short data in hex; long data as its length and checksum (the Rust side computes both).
digest(Data) when byte_size(Data) =< 32 -> test_util:hex(Data);
digest(Data) -> io_lib:format("len~b,csum~4.16.0b", [byte_size(Data), inet_csum:checksum(Data)]).

line(Name, Text) ->
    io:format("~s: ~s~n", [Name, Text]).
