-module(self_and_refs).
-export([main/0]).

main() ->
    Self = self(), R1 = make_ref(), R2 = make_ref(),
    Out = [is_pid(Self), is_reference(R1), R1 =:= R2, R1 == R1, node() =:= node(Self), is_atom(node())],
    io:format("~p~n", [Out]),
    Out.
