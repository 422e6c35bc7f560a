%% Entry point of the Linux interop test's second phase: the Erlang stack resolves and pings
%% the Linux side (its gateway). The namespace is configured after exo starts, so the stack
%% first retries ARP until Linux answers, then pings 20 times, then waits to be killed.
-module(interop).
-export([ping_gw/0]).

ping_gw() ->
    Config = #{gw := Gw} = pdu:config(),
    {ok, Stack} = netstack:start(Config),
    io:format("interop: started~n"),
    Mac = resolve(Stack, Gw, 30),
    N = ping:ping(Stack, Gw, 20, 1000),
    io:format("interop: gw_mac=~s ping ~b/20~n", [eth:mac_to_string(Mac), N]),
    %% The device lives as long as this process: stay up while the test reads Linux's tables.
    receive after infinity -> ok end.

resolve(_Stack, _Gw, 0) ->
    exit(gateway_never_resolved);
resolve(Stack, Gw, Tries) ->
    case netstack:resolve(Stack, Gw, 1000) of
        {ok, Mac} -> Mac;
        {error, _} -> resolve(Stack, Gw, Tries - 1)
    end.
