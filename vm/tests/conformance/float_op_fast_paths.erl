-module(float_op_fast_paths).
-export([main/0]).

%% + - * / with a float operand (or / of two integers) take a fast path in the bytecode
%% loop: values, mixed operands, constants on either side, results returned directly,
%% and every case that must still raise badarith. Compared with OTP.

id(X) -> X.

ret_add(A, B) -> A + B.
ret_div(A, B) -> A / B.
ret_mul2(A) -> A * 2.
ret_div4(A) -> A / 4.

r(F) ->
    try F() of
        V -> V
    catch
        C:R -> {C, R}
    end.

main() ->
    Vals = [id(1.5), id(-2.25), id(3), id(0), id(0.0), id(-0.0), id(1 bsl 60), id(1.0e300),
            id(1 bsl 70)],
    Ops = [fun(A, B) -> A + B end, fun(A, B) -> A - B end, fun(A, B) -> A * B end,
           fun(A, B) -> A / B end],
    [io:format("~p~n", [[r(fun() -> Op(A, B) end) || B <- Vals]]) || Op <- Ops, A <- Vals],
    K = [r(fun() -> X * 2 end) || X <- Vals] ++ [r(fun() -> X / 4 end) || X <- Vals]
        ++ [r(fun() -> X - 1 end) || X <- Vals] ++ [r(fun() -> X + 0.5 end) || X <- Vals],
    io:format("~p~n", [K]),
    io:format("~p~n", [[r(fun() -> ret_add(id(A), 2.5) end) || A <- Vals]]),
    io:format("~p~n", [[r(fun() -> ret_div(id(A), 3) end) || A <- Vals]]),
    io:format("~p~n", [[r(fun() -> ret_mul2(A) end) || A <- Vals]]),
    io:format("~p~n", [[r(fun() -> ret_div4(A) end) || A <- Vals]]),
    io:format("~p~n", [[r(fun() -> id(a) + 1.0 end), r(fun() -> 1.0 / id(0) end),
                        r(fun() -> id(1.0e308) * 10 end), r(fun() -> id(7) / id(2) end),
                        r(fun() -> id(-7) / id(7) end)]]),
    ok.
