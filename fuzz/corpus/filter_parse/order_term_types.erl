-module(order_term_types).
-export([main/0]).

main() ->
    L = [{1}, "str", <<"b">>, atom, 1.5, 2, self(), make_ref(), fun() -> ok end, #{}, [], {}, [a], <<>>],
    S = lists:sort(L),
    io:format("~p~n", [[type(X) || X <- S]]),
    [type(X) || X <- S].
type(X) when is_integer(X); is_float(X) -> number;
type(X) when is_atom(X) -> atom;
type(X) when is_reference(X) -> reference;
type(X) when is_function(X) -> function;
type(X) when is_pid(X) -> pid;
type(X) when is_tuple(X) -> {tuple, tuple_size(X)};
type(X) when is_map(X) -> map;
type([]) -> nil;
type(X) when is_list(X) -> list;
type(X) when is_binary(X) -> binary.
