-module(phash2_range_errors).
-export([main/0]).

%% phash2/2's range: 1..2^32 accepted, anything else is badarg; the result is below it.
main() ->
    Ranges = [1, 2, 7, 1000, 1 bsl 27, (1 bsl 32) - 1, 1 bsl 32, (1 bsl 32) + 1, 0, -1,
              1.0, a, 1 bsl 70],
    R = [{Range, try erlang:phash2({key, 42}, Range) catch C:E -> {C, E} end}
         || Range <- Ranges],
    io:format("~p~n", [R]),
    %% phash2/1 is phash2/2 with 2^27: the same value for any term.
    Same = [erlang:phash2(T) =:= erlang:phash2(T, 1 bsl 27)
            || T <- [a, 1, "x", {}, <<1, 2>>, [1 | 2], #{k => v}, 3.25, -(1 bsl 80)]],
    io:format("~p~n", [Same]),
    %% Equal terms under =:= hash equally; 0.0 and -0.0 hash alike; 1 and 1.0 do not.
    io:format("~p~n", [[erlang:phash2(0.0) =:= erlang:phash2(-0.0),
                        erlang:phash2(1) =:= erlang:phash2(1.0),
                        erlang:phash2(#{a => 1, b => 2}) =:= erlang:phash2(maps:from_list([{b, 2}, {a, 1}])),
                        erlang:phash2(<<1:1, 0:7>>) =:= erlang:phash2(<<128>>)]]),
    R.
