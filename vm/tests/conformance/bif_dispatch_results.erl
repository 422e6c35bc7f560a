-module(bif_dispatch_results).
-export([main/0]).

%% The cheap BIFs of Estone's bif_dispatch, with their results kept and their error cases:
%% node/0,1, whereis/1 of registered and unknown names, the process dictionary's
%% put/get/erase sequence, date/0 and time/0 shapes, atom/list/tuple conversions.
main() ->
    S = self(),
    R = make_ref(),
    Nodes = [node(), node(S), node(R), err(node, [a]), err(node, [{S}]), err(node, [1])],
    register(bdr_name, S),
    Where = [whereis(bdr_name) =:= S, whereis(no_such_name), err(whereis, ["x"])],
    unregister(bdr_name),
    Dict = [put(a, 1), put(a, 2), get(a), put({k, 1}, x), get({k, 1}), get({k, 1.0}),
            erase(a), erase(a), get(a), lists:sort(get_keys()), erase({k, 1}), get()],
    {Y, Mo, D} = date(),
    {H, Mi, Sec} = time(),
    Cal = [is_integer(Y) andalso Y > 2000, Mo >= 1 andalso Mo =< 12, D >= 1 andalso D =< 31,
           H >= 0 andalso H < 24, Mi >= 0 andalso Mi < 60, Sec >= 0 andalso Sec < 61,
           [date(), time()] =:= [date(), time()] orelse second_boundary],
    Conv = [atom_to_list(''), list_to_atom([]), tuple_to_list({}), list_to_tuple([]),
            atom_to_list('a b'), list_to_atom("x y"), err(atom_to_list, ["a"]),
            err(list_to_atom, [a])],
    %% More distinct names than the VM's per-thread atom cache holds, twice over.
    Names = ["bdr_" ++ integer_to_list(N) || N <- lists:seq(1, 9000)],
    As = [list_to_atom(N) || N <- Names],
    Again = [list_to_atom(N) || N <- lists:reverse(Names)],
    Many = [As =:= lists:reverse(Again), [atom_to_list(A) || A <- As] =:= Names,
            list_to_atom("bdr_17") =:= lists:nth(17, As)],
    Tup = {a},
    Elems = [element(1, Tup), setelement(1, Tup, k), Tup, tuple_size(Tup),
             hd([x]), tl([x]), length([x]), err(hd, [[]]), err(length, [[a | b]])],
    Res = {Nodes, Where, Dict, Cal, Conv, Many, Elems},
    io:format("~p~n", [Res]),
    ok.

err(F, A) ->
    try apply(erlang, F, A) of V -> {ok, V} catch C:E -> {C, E} end.
