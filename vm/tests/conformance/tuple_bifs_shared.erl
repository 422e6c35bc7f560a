-module(tuple_bifs_shared).
-export([main/0]).

%% Tuples of every small size built, shared, updated and taken apart: the tuple BIFs leave
%% the original untouched, hashing and ordering see only the elements, and bad indices
%% raise badarg.
main() ->
    Ts = [list_to_tuple(lists:seq(1, N)) || N <- lists:seq(0, 20)],
    Sizes = [tuple_size(T) || T <- Ts],
    Hashes = [erlang:phash2(T) || T <- Ts],
    Hashes2 = [erlang:phash2(T, 1000) || T <- Ts],
    Big = list_to_tuple([{I, [I], <<I>>, {}} || I <- lists:seq(1, 40)]),
    Shared = {Big, Big, [Big | Big]},
    H3 = erlang:phash2(Shared),
    Upd = [setelement(I, Big, x) || I <- [1, 20, 40]],
    Orig = [element(I, Big) || I <- [1, 20, 40]],
    Changed = [element(I, U) || {I, U} <- lists:zip([1, 20, 40], Upd)],
    Rest = [tuple_to_list(U) =:= tuple_to_list(Big) || U <- Upd],
    Ins = [erlang:insert_element(I, {a, b, c}, z) || I <- [1, 2, 4]],
    Del = [erlang:delete_element(I, {a, b, c}) || I <- [1, 2, 3]],
    App = erlang:append_element(erlang:append_element({}, 1), {2}),
    Made = [erlang:make_tuple(3, q), erlang:make_tuple(4, 0, [{1, a}, {4, d}, {1, b}])],
    Errs = [err(F, A) || {F, A} <- [{element, [0, {a}]}, {element, [2, {a}]},
                                    {element, [1, {}]}, {setelement, [3, {a, b}, c]},
                                    {setelement, [a, {a}, c]}, {element, [1, [a]]},
                                    {tuple_size, [[]]}, {list_to_tuple, [[a | b]]},
                                    {insert_element, [5, {a, b, c}, z]},
                                    {delete_element, [0, {a}]}, {make_tuple, [-1, a]}]],
    Order = lists:sort([{b}, {a, a}, {}, {a}, {1.0, x}, {1, x}, {[], x}, {a, {b}}]),
    Eq = [{1, 2.0} == {1, 2}, {1, 2.0} =:= {1, 2}, Big =:= setelement(1, Big, element(1, Big))],
    Printed = lists:flatten(io_lib:format("~w ~p", [lists:sublist(Ts, 4), {Big, Made}])),
    R = {Sizes, Hashes, Hashes2, H3, Orig, Changed, Rest, Ins, Del, App, Made, Errs,
         Order, Eq, length(Printed), erlang:phash2(Printed)},
    io:format("~p~n", [R]),
    ok.

err(F, A) ->
    try apply(erlang, F, A) of V -> {ok, V} catch C:R -> {C, R} end.
