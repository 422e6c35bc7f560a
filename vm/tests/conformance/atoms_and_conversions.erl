-module(atoms_and_conversions).
-export([main/0]).

main() ->
    R = [atom_to_list(hello), list_to_atom("with space"), atom_to_binary(abc), binary_to_atom(<<"xyz">>),
         list_to_existing_atom("true"), catch list_to_existing_atom("surely_nonexistent_atom_123"),
         atom_to_binary('é'), atom_to_binary('é', latin1), is_atom(true), is_boolean(false), is_boolean(maybe)],
    io:format("~p~n", [[X || X <- R, not is_tuple(X)]]),
    [case X of {'EXIT', {E, _}} -> {exit, E}; _ -> X end || X <- R].
