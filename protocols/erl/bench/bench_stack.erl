%% Throughput of the stack on whatever VM runs it: two netstacks over a lossless fake_link.
%% Prints "name: microseconds per operation" lines; run it on OTP and on our VM in turn
%% (docs/protocols.md has the commands and the figures).
-module(bench_stack).
-export([main/0]).

-define(IP_A, {192, 0, 2, 10}).
-define(IP_B, {192, 0, 2, 11}).

main() ->
    {ok, Wire} = fake_link:start(#{}),
    C = #{link => fake_link},
    {ok, A} = netstack:start(C#{filter => {Wire, a}, mac => <<2, 0, 0, 0, 0, 10>>, ip => ?IP_A}),
    {ok, B} = netstack:start(C#{filter => {Wire, b}, mac => <<2, 0, 0, 0, 0, 11>>, ip => ?IP_B}),
    {ok, _} = udp_echo:start(B, 7),
    {ok, Sock} = udp:open(A, 4000),
    1 = ping:ping(A, ?IP_B, 1, 5000),   % resolve ARP outside the timings
    N = 2000,
    per("ping_round_trip_us", N, fun() -> N = ping:ping(A, ?IP_B, N, 5000) end),
    Small = binary:copy(<<"x">>, 64),
    per("udp_echo_64B_round_trip_us", N,
        fun() -> [begin ok = udp:send(Sock, ?IP_B, 7, Small), {ok, _} = udp:recv(Sock, 5000) end
                  || _ <- lists:seq(1, N)] end),
    Big = list_to_binary([I rem 256 || I <- lists:seq(1, 60000)]),
    M = 20,
    per("udp_echo_60000B_round_trip_us", M,
        fun() -> [begin ok = udp:send(Sock, ?IP_B, 7, Big), {ok, {_, _, Big}} = udp:recv(Sock, 10000) end
                  || _ <- lists:seq(1, M)] end),
    Hdr = #{src => ?IP_A, dst => ?IP_B, proto => 17, id => 1},
    per("fragment_60000B_us", M, fun() -> [ipv4:fragment(Hdr, Big, 1500) || _ <- lists:seq(1, M)] end),
    per("checksum_60000B_us", M, fun() -> [inet_csum:checksum(Big) || _ <- lists:seq(1, M)] end),
    ok.

per(Name, N, Fun) ->
    T0 = erlang:monotonic_time(microsecond),
    Fun(),
    T = erlang:monotonic_time(microsecond) - T0,
    io:format("~s: ~.1f~n", [Name, T / N]).
