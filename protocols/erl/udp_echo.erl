%% A UDP echo server over a netstack: every datagram received on Port goes back to its sender.
-module(udp_echo).
-export([start/2, stop/1]).

%% Returns {ok, Pid} once the port is bound, or {error, Reason} (e.g. eaddrinuse).
start(Stack, Port) ->
    Parent = self(),
    Ref = make_ref(),
    Pid = spawn(fun() ->
                        case udp:open(Stack, Port) of
                            {ok, Sock} -> Parent ! {Ref, ok}, loop(Sock);
                            Error -> Parent ! {Ref, Error}
                        end
                end),
    receive
        {Ref, ok} -> {ok, Pid};
        {Ref, Error} -> Error
    end.

stop(Pid) ->
    Pid ! stop,
    ok.

loop(Sock) ->
    receive
        {udp, Sock, Ip, Port, Data} ->
            udp:send(Sock, Ip, Port, Data),
            loop(Sock);
        stop ->
            udp:close(Sock)
    end.
