-module(fmt_atoms_quoting).
-export([main/0]).

main() ->
    As = [ok, 'OK', 'hello world', 'a-b', 'a@b', 'a.b', 'end', 'receive', 'when', 'maybe', 'else', '', 'with\'quote', 'ü', 'a1', '_a', 'tab	x', '\n'],
    [io:format("~p ~w ~s~n", [A, A, A]) || A <- As],
    As.
