-module(map_pattern_compiled).
-export([main/0]).

%% Map patterns lowered to is_map/get_map_elem: literal and bound-variable keys, nested
%% patterns, repeated values, keys that compare equal but not exactly, clause fall-through.

kind(#{type := circle, r := R}) -> {circle, R};
kind(#{type := rect, w := W, h := W}) -> {square, W};
kind(#{type := rect, w := W, h := H}) -> {rect, W, H};
kind(#{}) -> empty_or_other;
kind(_) -> not_a_map.

lookup(K, M) ->
    case M of
        #{K := {ok, V}} -> V;
        #{K := V} -> {raw, V};
        _ -> missing
    end.

nested(#{inner := #{v := [H | _]}}) -> H;
nested(_) -> no.

main() ->
    M = #{1 => int, 1.0 => float},
    {[kind(X) || X <- [#{type => circle, r => 2}, #{type => rect, w => 3, h => 3},
                       #{type => rect, w => 3, h => 4}, #{}, #{type => tri}, [1]]],
     [lookup(K, #{a => {ok, 1}, b => 2, {t} => {ok, t}}) || K <- [a, b, c, {t}]],
     lookup(1, M), lookup(1.0, M), lookup(2, M),
     nested(#{inner => #{v => [x, y]}}), nested(#{inner => #{v => []}}), nested(3),
     case #{a => 1} of #{a := X} when X > 0 -> pos; _ -> other end}.
