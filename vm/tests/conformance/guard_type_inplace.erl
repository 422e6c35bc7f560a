%% Guard type tests (compiled to in-place `is_type` tests) on every kind of term, and
%% operators with a literal integer operand (`op`/`test` with a constant) on small integers,
%% bignums, floats and non-numbers, including overflow into bignums and badarith.
-module(guard_type_inplace).
-export([main/0]).

kind(X) when is_integer(X), X > 100 -> big_int;
kind(X) when is_integer(X) -> int;
kind(X) when is_float(X) -> float;
kind(X) when is_boolean(X) -> bool;
kind(X) when is_atom(X) -> atom;
kind(X) when is_tuple(X), tuple_size(X) + 1 == 3 -> pair;
kind(X) when is_tuple(X) -> tuple;
kind(X) when is_list(X), length(X) == 0 -> nil;
kind(X) when is_list(X) -> list;
kind(X) when is_binary(X), byte_size(X) == 1 -> byte;
kind(X) when is_binary(X) -> binary;
kind(X) when is_bitstring(X) -> bits;
kind(X) when is_map(X) -> map;
kind(X) when is_function(X) -> function;
kind(X) when is_pid(X) -> pid;
kind(X) when is_reference(X) -> ref.

num(X) when is_number(X), X == 1 -> one;
num(X) when is_number(X), X >= 2.5 -> ge_two_and_a_half;
num(X) when is_number(X) -> number;
num(X) when not is_number(X) -> not_number.

%% The reason only: stack traces differ from OTP's (docs/vm.md, known differences).
-define(R(E), r(fun() -> E end)).

r(F) ->
    try F() catch error:Reason -> {error, Reason} end.

arith(X) ->
    [?R(X + 1), ?R(X - 2), ?R(X * 3), ?R(X div 2), ?R(X rem 3), ?R(X band 6), ?R(X bsl 2),
     ?R(X bsr 1), ?R(tuple_size({X, X}) + 1), ?R(X + 1.5)].

last(X) -> X * 7.

main() ->
    Terms = [0, 7, 101, 1 bsl 70, -(1 bsl 70), 1.0, 2.5, -0.0, true, false, ok, {a, b}, {},
             {a, b, c}, [], [1], "abc", <<1>>, <<1, 2>>, <<1:3>>, #{}, #{a => 1},
             fun() -> ok end, fun lists:map/2, self(), make_ref()],
    {[kind(T) || T <- Terms],
     [num(T) || T <- Terms],
     [arith(X) || X <- [0, 5, -7, 16#7fffffffffffffff, -16#8000000000000000, 1 bsl 64,
                        2.0, a, [1]]],
     [?R(last(X)) || X <- [3, 1 bsl 62, 1.5, x]]}.
