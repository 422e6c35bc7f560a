%% binary: Erlang fallbacks for the parts of OTP's binary module that the VM does not provide
%% natively (the VM's natives, such as binary:match/split/part, take precedence).
%%
%% compile_pattern/1 returns the pattern itself: every function that accepts a compiled pattern
%% also accepts the plain one, so callers (string, for instance) behave the same. The precompiled
%% form is an optimisation in OTP, not an observable difference, unless printed.
-module(binary).

-export([compile_pattern/1, replace/3, replace/4]).

compile_pattern(<<_, _/binary>> = P) -> P;
compile_pattern([_ | _] = Ps) ->
    case lists:all(fun(P) -> is_binary(P) andalso byte_size(P) > 0 end, Ps) of
        true -> Ps;
        false -> erlang:error(badarg, [Ps])
    end;
compile_pattern(P) -> erlang:error(badarg, [P]).

replace(Subject, Pattern, Replacement) -> replace(Subject, Pattern, Replacement, []).

%% Options as in OTP: global, {scope, {Start, Len}} and {insert_replaced, N | [N]}, where N is a
%% byte position in Replacement at which the matched part is inserted.
replace(Subject, Pattern, Replacement, Options)
  when is_binary(Subject), is_binary(Replacement), is_list(Options) ->
    try
        {Global, Scope, Insert} = replace_options(Options, false, [], []),
        MatchOpts = Scope,
        Matches = case Global of
                      true -> binary:matches(Subject, Pattern, MatchOpts);
                      false ->
                          case binary:match(Subject, Pattern, MatchOpts) of
                              nomatch -> [];
                              M -> [M]
                          end
                  end,
        Positions = lists:sort(Insert),
        true = lists:all(fun(N) -> N =< byte_size(Replacement) end, Positions),
        iolist_to_binary(splice(Subject, 0, Matches, Replacement, Positions))
    catch
        error:_ -> erlang:error(badarg, [Subject, Pattern, Replacement, Options])
    end;
replace(Subject, Pattern, Replacement, Options) ->
    erlang:error(badarg, [Subject, Pattern, Replacement, Options]).

replace_options([global | T], _, S, I) -> replace_options(T, true, S, I);
replace_options([{scope, {_, _}} = Sc | T], G, _, I) -> replace_options(T, G, [Sc], I);
replace_options([{insert_replaced, N} | T], G, S, _) when is_integer(N), N >= 0 ->
    replace_options(T, G, S, [N]);
replace_options([{insert_replaced, Ns} | T], G, S, _) when is_list(Ns) ->
    true = lists:all(fun(N) -> is_integer(N) andalso N >= 0 end, Ns),
    replace_options(T, G, S, Ns);
replace_options([], G, S, I) -> {G, S, I}.

splice(Subject, Pos, [{Start, Len} | Ms], Repl, Positions) ->
    Before = binary:part(Subject, Pos, Start - Pos),
    Matched = binary:part(Subject, Start, Len),
    [Before, insert(Repl, Matched, Positions) | splice(Subject, Start + Len, Ms, Repl, Positions)];
splice(Subject, Pos, [], _Repl, _Positions) ->
    [binary:part(Subject, Pos, byte_size(Subject) - Pos)].

insert(Repl, _Matched, []) -> Repl;
insert(Repl, Matched, Positions) -> insert(Repl, Matched, Positions, 0).

insert(Repl, Matched, [P | Ps], From) ->
    [binary:part(Repl, From, P - From), Matched | insert(Repl, Matched, Ps, P)];
insert(Repl, _Matched, [], From) -> binary:part(Repl, From, byte_size(Repl) - From).
