-module(guard_type_tests).
-export([main/0]).

ty(X) when is_integer(X) -> integer;
ty(X) when is_float(X) -> float;
ty(X) when is_atom(X) -> atom;
ty(X) when is_binary(X) -> binary;
ty(X) when is_bitstring(X) -> bitstring;
ty(X) when is_list(X) -> list;
ty(X) when is_tuple(X) -> tuple;
ty(X) when is_map(X) -> map;
ty(X) when is_function(X) -> function;
ty(X) when is_pid(X) -> pid;
ty(X) when is_reference(X) -> reference;
ty(_) -> other.
main() ->
    R = [ty(X) || X <- [1, 1.0, a, <<>>, <<1:1>>, [], "s", {}, #{}, fun() -> ok end, self(), make_ref()]],
    io:format("~p~n", [R]),
    R.
