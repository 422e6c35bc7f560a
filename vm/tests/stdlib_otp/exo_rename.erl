%% Loads renamed copies of vm/lib/*.erl into a running OTP node, so that our library can be
%% compared with OTP's own on the same inputs. OTP's `lists`, `io_lib`, ... are sticky and cannot
%% be replaced, so module M becomes exo_M, and every remote call M:F/A (and fun M:F/A, and
%% -import(M, ...)) is redirected to exo_M only when our M exports F/A. Calls to functions we
%% leave to VM natives (lists:reverse/1, maps:to_list/1, ...) therefore reach OTP's real ones.
-module(exo_rename).
-export([load/1]).

load(LibDir) ->
    Files = filelib:wildcard(filename:join(LibDir, "*.erl")),
    Parsed = [begin
                  {ok, Forms} = epp:parse_file(F, []),
                  case [E || {error, E} <- Forms] of
                      [] -> ok;
                      Errs -> erlang:error({parse_error, F, Errs})
                  end,
                  Forms
              end || F <- Files],
    Exports = maps:from_list([{module_name(Fs), exports(Fs)} || Fs <- Parsed]),
    [load_one(rename(Fs, Exports)) || Fs <- Parsed],
    maps:keys(Exports).

module_name(Forms) -> hd([M || {attribute, _, module, M} <- Forms]).

exports(Forms) -> lists:append([Es || {attribute, _, export, Es} <- Forms]).

exo(M) -> list_to_atom("exo_" ++ atom_to_list(M)).

ours(M, F, A, Exports) ->
    case Exports of
        #{M := Es} -> lists:member({F, A}, Es);
        _ -> false
    end.

rename(Forms, Exports) -> [form(F, Exports) || F <- Forms].

form({attribute, L, module, M}, _) -> {attribute, L, module, exo(M)};
form({attribute, L, import, {M, Fs}}, Exports) ->
    case lists:all(fun({F, A}) -> ours(M, F, A, Exports) end, Fs) of
        true -> {attribute, L, import, {exo(M), Fs}};
        false -> {attribute, L, import, {M, Fs}}
    end;
form({function, L, N, A, Cs}, Exports) -> {function, L, N, A, expr(Cs, Exports)};
form(F, _) -> F.

expr({call, L, {remote, RL, {atom, ML, M}, {atom, FL, F}}, Args}, Exports) ->
    M1 = case ours(M, F, length(Args), Exports) of
             true -> exo(M);
             false -> M
         end,
    {call, L, {remote, RL, {atom, ML, M1}, {atom, FL, F}}, expr(Args, Exports)};
expr({'fun', L, {function, {atom, ML, M}, {atom, FL, F}, {integer, AL, A}}}, Exports) ->
    M1 = case ours(M, F, A, Exports) of
             true -> exo(M);
             false -> M
         end,
    {'fun', L, {function, {atom, ML, M1}, {atom, FL, F}, {integer, AL, A}}};
expr(T, Exports) when is_tuple(T) -> list_to_tuple(expr(tuple_to_list(T), Exports));
expr([H | T], Exports) -> [expr(H, Exports) | expr(T, Exports)];
expr(X, _) -> X.

load_one(Forms) ->
    case compile:forms(Forms, [return_errors, return_warnings]) of
        {ok, Mod, Bin, _Warnings} ->
            {module, Mod} = code:load_binary(Mod, atom_to_list(Mod) ++ ".erl", Bin),
            Mod;
        {error, Errors, _} -> erlang:error({compile_error, module_name(Forms), Errors})
    end.
