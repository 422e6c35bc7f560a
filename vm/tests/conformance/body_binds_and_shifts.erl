-module(body_binds_and_shifts).
-export([main/0]).

%% `X = Expr` statements whose value is unused are computed straight into X's slot; shifts
%% by 64 or more and shifts of zero take the small-integer path. Both compared with OTP.

id(X) -> X.

binds(I) ->
    X = 23,
    _ = 789 + I,
    Z = I + 1,
    {A, B} = {Z, X},
    [H | _] = [A, B],
    W = case I of 0 -> zero; _ -> other end,
    {X, Z, A, B, H, W}.

bad(I) ->
    {A, _} = id(I),
    A.

shifts() ->
    Vals = [0, 1, -1, 5, -5, 1 bsl 62, -(1 bsl 62), 16#7fffffffffffffff, -16#8000000000000000,
            1 bsl 70, -(1 bsl 70)],
    Counts = [0, 1, 62, 63, 64, 65, 100, 2000, -1, -64, -70],
    [[catch (V bsr C) || C <- Counts] || V <- Vals] ++
        [[catch (V bsl C) || C <- Counts] || V <- [0, 1, -1]].

main() ->
    io:format("~p~n", [[binds(0), binds(7)]]),
    io:format("~p~n", [try bad(3) catch error:R -> R end]),
    io:format("~p~n", [shifts()]),
    io:format("~p~n", [[(23 bsl 1 bsr I) * 23 div 2 bsr 4 || I <- [0, 1, 5, 63, 64, 2000]]]),
    ok.
