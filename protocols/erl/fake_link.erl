%% A fake link for tests: a process playing the wire between two endpoints, a and b, with
%% optional seeded loss and reordering. It implements the link contract netstack expects of
%% pdu: open/1, send/2, close/1, and {pdu, Handle, Frame} messages to the opener.
%%
%%   {ok, Wire} = fake_link:start(#{seed => 7, loss => 100, reorder => 50}),
%%   {ok, A} = netstack:start(#{link => fake_link, filter => {Wire, a}, mac => ..., ip => ...}),
%%   {ok, B} = netstack:start(#{link => fake_link, filter => {Wire, b}, ...}),
%%
%% loss and reorder are in thousandths (per frame). A frame picked for reordering is held
%% back and delivered right after the next frame, or after hold_ms (default 2) if none comes.
%% With capture => true the wire keeps every frame it was given, dropped ones marked, for
%% tests to inspect (frames/1). The random numbers come from a fixed LCG so a seed gives the
%% same decisions on OTP and on our VM.
-module(fake_link).
-export([start/1, stop/1, open/1, send/2, close/1, stats/1, frames/1]).

start(Opts) when is_map(Opts) ->
    Parent = self(),
    Ref = make_ref(),
    Pid = spawn(fun() -> Parent ! {Ref, started}, loop(init_state(Opts)) end),
    receive {Ref, started} -> {ok, Pid} end.

init_state(Opts) ->
    #{owners => #{},
      rng => maps:get(seed, Opts, 1) band 16#7FFFFFFF,
      loss => maps:get(loss, Opts, 0),
      reorder => maps:get(reorder, Opts, 0),
      hold_ms => maps:get(hold_ms, Opts, 2),
      capture => maps:get(capture, Opts, false),
      held => none,
      log => [],
      stats => #{carried => 0, dropped => 0, reordered => 0, delivered => 0, unattached => 0}}.

stop(Wire) -> call(Wire, stop).

%% Filter is {Wire, Side}: which end of which wire the calling process takes.
open({Wire, Side}) when Side =:= a; Side =:= b ->
    case call(Wire, {attach, Side, self()}) of
        ok -> {ok, {fake_link, Wire, Side}};
        Error -> Error
    end;
open(Other) ->
    {error, {fake_link, {bad_filter, Other}}}.

send({fake_link, Wire, Side}, IoData) ->
    Wire ! {frame, Side, iolist_to_binary(IoData)},
    ok.

close({fake_link, Wire, Side}) ->
    call(Wire, {detach, Side}).

stats(Wire) -> call(Wire, stats).

%% Every frame the wire was given, in order: [{FromSide, delivered | dropped, Frame}].
frames(Wire) -> call(Wire, frames).

call(Wire, Req) ->
    MRef = erlang:monitor(process, Wire),
    Wire ! {call, self(), MRef, Req},
    receive
        {MRef, Reply} -> erlang:demonitor(MRef, [flush]), Reply;
        {'DOWN', MRef, process, _, Reason} -> {error, {fake_link_down, Reason}}
    after 5000 ->
        erlang:demonitor(MRef, [flush]),
        {error, timeout}
    end.

loop(S) ->
    receive
        {frame, From, Frame} ->
            loop(carry(From, Frame, S));
        {timeout, _TRef, release} ->
            loop(release(S));
        {call, Pid, Ref, stop} ->
            Pid ! {Ref, ok};
        {call, Pid, Ref, Req} ->
            {Reply, S2} = handle(Req, S),
            Pid ! {Ref, Reply},
            loop(S2)
    end.

handle({attach, Side, Pid}, S = #{owners := O}) ->
    case maps:find(Side, O) of
        {ok, Other} when Other =/= Pid -> {{error, {fake_link, {side_taken, Side}}}, S};
        _ -> {ok, S#{owners := maps:put(Side, Pid, O)}}
    end;
handle({detach, Side}, S = #{owners := O}) ->
    {ok, S#{owners := maps:remove(Side, O)}};
handle(stats, S = #{stats := St}) ->
    {St, S};
handle(frames, S = #{log := L}) ->
    {lists:reverse(L), S}.

carry(From, Frame, S0 = #{loss := Loss, reorder := Reorder}) ->
    S = bump(carried, S0),
    {R1, S1} = random(S),
    case R1 < Loss of
        true ->
            log(From, dropped, Frame, bump(dropped, S1));
        false ->
            {R2, S2} = random(S1),
            S3 = log(From, delivered, Frame, S2),
            case R2 < Reorder andalso maps:get(held, S3) =:= none of
                true ->
                    erlang:start_timer(maps:get(hold_ms, S3), self(), release),
                    bump(reordered, S3#{held := {From, Frame}});
                false ->
                    release(deliver(From, Frame, S3))
            end
    end.

%% Delivers the held frame, if any.
release(S = #{held := none}) -> S;
release(S = #{held := {From, Frame}}) -> deliver(From, Frame, S#{held := none}).

deliver(From, Frame, S = #{owners := O}) ->
    To = case From of a -> b; b -> a end,
    case maps:find(To, O) of
        {ok, Pid} ->
            Pid ! {pdu, {fake_link, self(), To}, Frame},
            bump(delivered, S);
        error ->
            bump(unattached, S)
    end.

log(_From, _What, _Frame, S = #{capture := false}) -> S;
log(From, What, Frame, S = #{log := L}) -> S#{log := [{From, What, Frame} | L]}.

bump(Key, S = #{stats := St}) ->
    S#{stats := maps:update_with(Key, fun(N) -> N + 1 end, St)}.

%% A 31-bit linear congruential generator (glibc's constants); returns 0..999.
random(S = #{rng := X}) ->
    X2 = (X * 1103515245 + 12345) band 16#7FFFFFFF,
    {(X2 bsr 16) rem 1000, S#{rng := X2}}.
