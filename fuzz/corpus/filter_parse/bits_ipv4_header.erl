-module(bits_ipv4_header).
-export([main/0]).

parse(<<4:4, IHL:4, _Tos:8, Len:16, Id:16, _Flags:3, Frag:13, Ttl:8, Proto:8, _Csum:16,
        S1, S2, S3, S4, D1, D2, D3, D4, _/binary>>) ->
    #{ihl => IHL, len => Len, id => Id, frag => Frag, ttl => Ttl, proto => Proto,
      src => {S1, S2, S3, S4}, dst => {D1, D2, D3, D4}};
parse(_) -> not_ipv4.
main() ->
    H = <<16#45, 0, 0, 60, 16#1c, 16#46, 16#40, 0, 64, 6, 0, 0, 192, 168, 0, 1, 10, 0, 0, 2>>,
    P = parse(H),
    io:format("~p~n", [P]),
    {P, parse(<<6:4, 0:4>>)}.
