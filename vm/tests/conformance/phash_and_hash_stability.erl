-module(phash_and_hash_stability).
-export([main/0]).

main() ->
    R = [erlang:phash2(T) || T <- [0, 1, a, "abc", <<"abc">>, {1, 2}, [1, 2, 3], 1.5, #{a => 1}]],
    R2 = [erlang:phash2(T, 100) || T <- [a, b, c]],
    io:format("~p ~p~n", [R, R2]),
    {R, R2}.
