%% Preprocessor features OTP 25 has: ?FUNCTION_NAME and ?FUNCTION_ARITY (the function whose
%% form uses them, funs inside it included), -if/-elif/-else on constant guard expressions
%% and defined/1, ?LINE and ??Arg stringification, macros overloaded by arity.
-module(pp_function_macros).
-export([main/0]).

-define(WHERE, {?MODULE, ?FUNCTION_NAME, ?FUNCTION_ARITY}).
-define(SHOW(X), {??X, X}).
-define(PAIR, pair).
-define(PAIR(A), {pair, A}).
-define(PAIR(A, B), {pair, A, B}).
-define(LEVEL, 3).

-if(?LEVEL >= 3 andalso defined(WHERE)).
level() -> high.
-elif(?LEVEL >= 1).
level() -> low.
-else.
level() -> none.
-endif.

-if(not defined(NOPE)).
-ifdef(PAIR).
flags() -> [pair_defined, ?PAIR, ?PAIR(1), ?PAIR(1, 2)].
-else.
flags() -> [].
-endif.
-elif(true).
flags() -> never.
-endif.

-if(is_integer(?LINE) and (length([a, b]) =:= 2)).
guard_bifs() -> yes.
-else.
guard_bifs() -> no.
-endif.

-if(1 / 0 > 1).
raises() -> taken.
-else.
raises() -> not_taken.
-endif.

main() ->
    [?WHERE, clauses(a), clauses(a, b), clauses(a, b, c), in_fun(), level(), flags(),
     guard_bifs(), raises(), ?SHOW(1 + 2 * 3), ?SHOW([x, "y", $z]), line_is_integer()].

clauses(_) -> ?WHERE.
clauses(_, _) -> ?WHERE.
clauses(_, _, _) ->
    ?WHERE.

in_fun() ->
    F = fun(X) -> {X, ?FUNCTION_NAME, ?FUNCTION_ARITY} end,
    F(inner).

line_is_integer() -> is_integer(?LINE).
