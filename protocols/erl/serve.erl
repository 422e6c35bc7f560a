%% Ready-made entry points for `exo run` over a real NIC (the annex's TAP/netns and simulated
%% wire tests), so a command line can start the stack without writing Erlang:
%%
%%   exo run protocols/erl/*.erl --call serve:main --nic tap:exo0 --ip 192.0.2.2/24 --gw 192.0.2.1
%%       the stack answering ARP and ping, UDP echo on port 7; prints "serve: ready ..." and
%%       runs until killed
%%   exo run protocols/erl/*.erl --call serve:ping_gw ...
%%       pings the gateway 20 times (1 s timeout each), prints "serve: ping N/20", returns
%%
%% start/1 and ping/2 take the config map, for tests over fake_link.
-module(serve).
-export([main/0, ping_gw/0, start/1, ping/2]).

main() ->
    {ok, Stack} = start(pdu:config()),
    io:format("serve: stack ~w up~n", [Stack]),
    receive after infinity -> ok end.

ping_gw() ->
    ping(pdu:config(), 20).

%% Starts a stack from Config with the UDP echo server on port 7; prints the ready line.
start(Config) ->
    case netstack:start(Config) of
        {ok, Stack} ->
            {ok, _} = udp_echo:start(Stack, 7),
            #{ip := Ip, mac := Mac} = Config,
            io:format("serve: ready ip=~s mac=~s udp_echo=7~n",
                      [ipv4:format_addr(Ip), eth:mac_to_string(Mac)]),
            {ok, Stack};
        {error, Reason} = Error ->
            io:format("serve: cannot start: ~w~n", [Reason]),
            Error
    end.

%% Starts a stack from Config and pings its gw Count times; prints and returns the result.
ping(Config = #{gw := Gw}, Count) when Gw =/= undefined ->
    {ok, Stack} = start(Config),
    N = ping:ping(Stack, Gw, Count, 1000),
    io:format("serve: ping ~b/~b~n", [N, Count]),
    {ok, Stack};
ping(_Config, _Count) ->
    io:format("serve: no gateway to ping (exo run --gw ADDR)~n"),
    {error, no_gw}.
