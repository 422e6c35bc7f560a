-module(exc_handlers_across_frames).
-export([main/0]).

%% Handlers lowered to the bytecode loop's handler stack: exceptions unwinding several frames
%% of the same loop, nested handlers, `after` on every exit path, rethrow keeping the trace.

deep(0, How) -> raise(How);
deep(N, How) -> [N | deep(N - 1, How)].

raise(error) -> error(boom);
raise(throw) -> throw(ball);
raise(exit) -> exit(gone);
raise(badmatch) -> {ok, _} = make(x);
raise(none) -> [].

make(X) -> {X}.

catch_deep(How) ->
    try deep(5, How) of
        L -> {value, length(L)}
    catch
        throw:T -> {thrown, T};
        error:E:St -> {error, E, is_list(St), element(2, hd(St))};
        C:R -> {other, C, R}
    end.

after_paths(How) ->
    put(log, []),
    R = strip(catch try
                 deep(3, How)
             of
                 [] -> of_empty;
                 [_ | _] = L -> error({in_of, length(L)})
             catch
                 throw:T -> {caught, T}
             after
                 put(log, ['after' | get(log)])
             end),
    {R, get(log)}.

strip({'EXIT', {Reason, St}}) when is_list(St) -> {'EXIT', Reason};
strip(X) -> X.

nested(How) ->
    try
        try deep(2, How)
        catch
            throw:T -> {inner, T}
        after
            put(order, [inner_after | get(order)])
        end
    catch
        C:R -> {outer, C, R}
    after
        put(order, [outer_after | get(order)])
    end.

rethrow(How) ->
    try
        try deep(2, How) catch error:boom -> not_reached_if_throw end
    catch
        Class:Reason:Stack -> {Class, Reason, length(Stack) > 0}
    end.

loop(0, Acc) -> lists:reverse(Acc);
loop(N, Acc) ->
    V = case N rem 3 of
            0 -> catch throw(N);
            1 -> catch error(N);
            2 -> catch N
        end,
    Short = case V of
                {'EXIT', {R, _}} -> {exit, R};
                Other -> Other
            end,
    loop(N - 1, [Short | Acc]).

tail_in_catch(N) -> try count(N) catch _:_ -> err end.
count(0) -> done;
count(N) -> count(N - 1).

after_value() ->
    X = try 1 after 2 end,
    Y = try throw(t) catch throw:t -> 3 after 4 end,
    {X, Y}.

main() ->
    put(order, []),
    Hows = [error, throw, exit, badmatch, none],
    A = [catch_deep(H) || H <- Hows],
    B = [after_paths(H) || H <- Hows],
    C = [nested(H) || H <- Hows],
    D = [rethrow(H) || H <- Hows],
    E = loop(9, []),
    F = tail_in_catch(100000),
    G = after_value(),
    {A, B, C, get(order), D, E, F, G}.
