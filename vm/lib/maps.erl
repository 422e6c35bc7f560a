%% maps: the higher-order and convenience functions of OTP 25's maps module.
%%
%% The BIF-level functions (new/get/find/put/remove/is_key/keys/values/size/to_list/from_list/
%% merge/update) are VM natives. What is written here follows OTP 25.2's maps.erl (Apache License
%% 2.0, Ericsson AB); iteration is defined over maps:to_list/1, which gives OTP's iteration order
%% for small maps, and an iterator has OTP's shape ([0 | Map], then {K, V, Next} chains).
-module(maps).

-export([get/3, filter/2, filtermap/2, fold/3, foreach/2, map/2, update_with/3,
         update_with/4, without/2, with/2, iterator/1, next/1, intersect/2, intersect_with/3,
         merge_with/3, groups_from_list/2, groups_from_list/3, from_keys/2, take/2]).

get(Key, Map, Default) when is_map(Map) ->
    case Map of
        #{Key := Value} -> Value;
        #{} -> Default
    end;
get(Key, Map, Default) -> erlang:error({badmap, Map}, [Key, Map, Default]).

%% from_keys/2 and take/2 are BIFs in OTP; Erlang fallbacks.
from_keys(Keys, Value) when is_list(Keys) -> maps:from_list([{K, Value} || K <- Keys]);
from_keys(Keys, Value) -> erlang:error(badarg, [Keys, Value]).

take(Key, Map) when is_map(Map) ->
    case Map of
        #{Key := Value} -> {Value, maps:remove(Key, Map)};
        #{} -> error
    end;
take(Key, Map) -> erlang:error({badmap, Map}, [Key, Map]).

intersect(Map1, Map2) when is_map(Map1), is_map(Map2) ->
    intersect_with(fun(_K, _V1, V2) -> V2 end, Map1, Map2);
intersect(Map1, Map2) -> erlang:error(error_type_two_maps(Map1, Map2), [Map1, Map2]).

intersect_with(Combiner, Map1, Map2)
  when is_map(Map1), is_map(Map2), is_function(Combiner, 3) ->
    maps:from_list([{K, Combiner(K, V1, V2)}
                    || {K, V1} <- iteration_order(Map1), #{K := V2} <- [Map2]]);
intersect_with(Combiner, Map1, Map2) ->
    erlang:error(error_type_merge_intersect(Map1, Map2, Combiner), [Combiner, Map1, Map2]).

merge_with(Combiner, Map1, Map2)
  when is_map(Map1), is_map(Map2), is_function(Combiner, 3) ->
    lists:foldl(fun({K, V2}, Acc) ->
                        case Acc of
                            #{K := V1} -> Acc#{K := Combiner(K, V1, V2)};
                            #{} -> Acc#{K => V2}
                        end
                end, Map1, iteration_order(Map2));
merge_with(Combiner, Map1, Map2) ->
    erlang:error(error_type_merge_intersect(Map1, Map2, Combiner), [Combiner, Map1, Map2]).

update_with(Key, Fun, Map) when is_function(Fun, 1), is_map(Map) ->
    case Map of
        #{Key := Value} -> Map#{Key := Fun(Value)};
        #{} -> erlang:error({badkey, Key}, [Key, Fun, Map])
    end;
update_with(Key, Fun, Map) -> erlang:error(error_type(Map), [Key, Fun, Map]).

update_with(Key, Fun, Init, Map) when is_function(Fun, 1), is_map(Map) ->
    case Map of
        #{Key := Value} -> Map#{Key := Fun(Value)};
        #{} -> Map#{Key => Init}
    end;
update_with(Key, Fun, Init, Map) -> erlang:error(error_type(Map), [Key, Fun, Init, Map]).

filter(Pred, MapOrIter) when is_function(Pred, 2) ->
    case pairs(MapOrIter) of
        {ok, Pairs} -> maps:from_list([{K, V} || {K, V} <- Pairs, Pred(K, V)]);
        error -> erlang:error({badmap, MapOrIter}, [Pred, MapOrIter])
    end;
filter(Pred, Map) -> erlang:error(badarg, [Pred, Map]).

filtermap(Fun, MapOrIter) when is_function(Fun, 2) ->
    case pairs(MapOrIter) of
        {ok, Pairs} -> maps:from_list(filtermap_1(Fun, Pairs));
        error -> erlang:error({badmap, MapOrIter}, [Fun, MapOrIter])
    end;
filtermap(Fun, Map) -> erlang:error(badarg, [Fun, Map]).

filtermap_1(Fun, [{K, V} | Pairs]) ->
    case Fun(K, V) of
        true -> [{K, V} | filtermap_1(Fun, Pairs)];
        {true, NewV} -> [{K, NewV} | filtermap_1(Fun, Pairs)];
        false -> filtermap_1(Fun, Pairs)
    end;
filtermap_1(_Fun, []) -> [].

foreach(Fun, MapOrIter) when is_function(Fun, 2) ->
    case pairs(MapOrIter) of
        {ok, Pairs} -> lists:foreach(fun({K, V}) -> Fun(K, V) end, Pairs);
        error -> erlang:error({badmap, MapOrIter}, [Fun, MapOrIter])
    end;
foreach(Fun, Map) -> erlang:error(badarg, [Fun, Map]).

fold(Fun, Init, MapOrIter) when is_function(Fun, 3) ->
    case pairs(MapOrIter) of
        {ok, Pairs} -> fold_1(Fun, Init, Pairs);
        error -> erlang:error({badmap, MapOrIter}, [Fun, Init, MapOrIter])
    end;
fold(Fun, Init, Map) -> erlang:error(badarg, [Fun, Init, Map]).

fold_1(Fun, Acc, [{K, V} | Pairs]) -> fold_1(Fun, Fun(K, V, Acc), Pairs);
fold_1(_Fun, Acc, []) -> Acc.

map(Fun, MapOrIter) when is_function(Fun, 2) ->
    case pairs(MapOrIter) of
        {ok, Pairs} -> maps:from_list([{K, Fun(K, V)} || {K, V} <- Pairs]);
        error -> erlang:error({badmap, MapOrIter}, [Fun, MapOrIter])
    end;
map(Fun, Map) -> erlang:error(badarg, [Fun, Map]).

%% The key/value pairs a map or an iterator still holds, in iteration order.
pairs(Map) when is_map(Map) -> {ok, iteration_order(Map)};
pairs(Iter) ->
    try next(Iter) of
        Next -> {ok, iter_pairs(Next)}
    catch
        error:_ -> error
    end.

iter_pairs({K, V, Iter}) -> [{K, V} | iter_pairs(next(Iter))];
iter_pairs(none) -> [].

iterator(M) when is_map(M) -> [0 | M];
iterator(M) -> erlang:error({badmap, M}, [M]).

next({K, V, I}) -> {K, V, I};
next([Path | Map]) when is_integer(Path), Path >= 0, is_map(Map) ->
    chain(lists:nthtail(Path, iteration_order(Map)));
next(none) -> none;
next(Iter) -> erlang:error(badarg, [Iter]).

%% OTP iterates a small map (at most 32 keys, a sorted "flatmap") in maps:to_list/1 order, and a
%% large one (a hash trie) in the reverse of maps:to_list/1 order.
iteration_order(Map) when map_size(Map) > 32 -> lists:reverse(maps:to_list(Map));
iteration_order(Map) -> maps:to_list(Map).

chain([{K, V} | T]) -> {K, V, chain(T)};
chain([]) -> none.

without(Ks, M) when is_list(Ks), is_map(M) -> lists:foldl(fun maps:remove/2, M, Ks);
without(Ks, M) -> erlang:error(error_type(M), [Ks, M]).

with(Ks, Map1) when is_list(Ks), is_map(Map1) -> maps:from_list(with_1(Ks, Map1));
with(Ks, M) -> erlang:error(error_type(M), [Ks, M]).

with_1([K | Ks], Map) ->
    case Map of
        #{K := V} -> [{K, V} | with_1(Ks, Map)];
        #{} -> with_1(Ks, Map)
    end;
with_1([], _Map) -> [].

groups_from_list(Fun, List0) when is_function(Fun, 1) ->
    try lists:reverse(List0) of
        List -> groups_from_list_1(Fun, fun(X) -> X end, List, #{})
    catch
        error:_ -> erlang:error(badarg, [Fun, List0])
    end;
groups_from_list(Fun, List) -> erlang:error(badarg, [Fun, List]).

groups_from_list(Fun, ValueFun, List0) when is_function(Fun, 1), is_function(ValueFun, 1) ->
    try lists:reverse(List0) of
        List -> groups_from_list_1(Fun, ValueFun, List, #{})
    catch
        error:_ -> erlang:error(badarg, [Fun, ValueFun, List0])
    end;
groups_from_list(Fun, ValueFun, List) -> erlang:error(badarg, [Fun, ValueFun, List]).

groups_from_list_1(Fun, ValueFun, [H | Tail], Acc) ->
    K = Fun(H),
    V = ValueFun(H),
    NewAcc = case Acc of
                 #{K := Vs} -> Acc#{K := [V | Vs]};
                 #{} -> Acc#{K => [V]}
             end,
    groups_from_list_1(Fun, ValueFun, Tail, NewAcc);
groups_from_list_1(_Fun, _ValueFun, [], Acc) -> Acc.

error_type(M) when is_map(M) -> badarg;
error_type(V) -> {badmap, V}.

error_type_two_maps(M1, M2) when is_map(M1) -> {badmap, M2};
error_type_two_maps(M1, _M2) -> {badmap, M1}.

error_type_merge_intersect(M1, M2, Combiner) when is_function(Combiner, 3) ->
    error_type_two_maps(M1, M2);
error_type_merge_intersect(_M1, _M2, _Combiner) -> badarg.
