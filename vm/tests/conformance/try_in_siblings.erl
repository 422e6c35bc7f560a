-module(try_in_siblings).
-export([main/0]).

%% Variables bound inside a `try` are unsafe after it, but sibling expressions (list and
%% tuple elements, call arguments, operands) are checked independently, as erl_lint does:
%% each `try` below may bind `Reason` afresh.

main() ->
    L = [try 1 / zero() catch error:Reason -> Reason end,
         try atom_to_list(one()) catch error:Reason -> Reason end],
    io:format("~p~n", [L]),
    T = {try element(5, {a}) catch error:Why -> {caught, Why} end,
         try throw(x) catch throw:Why -> {thrown, Why} end},
    io:format("~p~n", [T]),
    io:format("~p~n", [pair(try hd([]) catch error:E -> E end,
                            try tl(x) catch error:E -> E end)]),
    N = (try 1 catch _:C -> C end) + (try 2 catch _:C -> C end),
    io:format("~p~n", [N]),
    Deep = [case X of 1 -> Y = one; _ -> Y = other end || X <- [1, 2]],
    io:format("~p~n", [Deep]).

zero() -> 0.
one() -> 1.
pair(A, B) -> {A, B}.
