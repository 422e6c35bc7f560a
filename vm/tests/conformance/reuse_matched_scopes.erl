-module(reuse_matched_scopes).
%% Matched terms reused in funs (named and not), receive and try bodies, next to binary
%% patterns whose sizes read head variables, map patterns and comprehension generators.
-export([main/0]).
main() ->
    F = fun([X | T]) -> [X | T]; (Y) -> Y end,
    G = fun Loop(0, [H | R]) -> [H | R]; Loop(N, [H | R]) -> Loop(N - 1, [H | R]) end,
    self() ! {msg, [1, 2]},
    Rcv = receive {msg, [A | B]} -> {[A | B], {msg, [A | B]}} end,
    Try = try {ok, [1 | 2]} of {ok, [P | Q]} -> [P | Q] catch _:_ -> no end,
    Bin = sized(<<3, 1, 2, 3, 9>>, [7 | 8]),
    M = mapped(#{k => [1, 2]}),
    Lc = [[X | T] || [X | T] <- [[1, 2], [3]]],
    Rec = recur([a, b, c], 0),
    {F([1, 2]), F(z), G(3, [x, y]), Rcv, Try, Bin, M, Lc, Rec}.
sized(<<N, Rest:N/binary, _/binary>>, [H | T]) -> {Rest, [H | T]}.
mapped(#{k := [H | T]}) -> [H | T].
recur([H | T], N) when N < 3 -> recur([H | T], N + 1);
recur([H | T], _) -> {[H | T], T}.
