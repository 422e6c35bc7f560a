-module(term_to_binary_pid_roundtrip).
-export([main/0]).

%% PENDING (VM differs): binary_to_term/1 must decode the pids and references that
%% term_to_binary/1 encodes (NEW_PID_EXT, NEWER_REFERENCE_EXT), so a term holding them
%% round-trips; our VM raises badarg. (Estone's binary-handling micro round-trips such a
%% term.)
main() ->
    Self = self(),
    Ref = make_ref(),
    R = [binary_to_term(term_to_binary(T)) =:= T
         || T <- [Self, Ref, {abc, 1, 2222, Self, "ancnd"}, [Ref, {Self}]]],
    io:format("~p~n", [R]),
    R.
