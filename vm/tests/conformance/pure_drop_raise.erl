-module(pure_drop_raise).
-export([main/0]).

%% Calls whose value is unused and which OTP's compiler deletes when their arguments make
%% them succeed (self/0, node/0, element/2 on a tuple built in the body, hd/tl/length of a
%% list built there...), and the same calls with arguments that make them fail: those must
%% still raise the same error, after the output and the process-dictionary writes before
%% them and before those after them.
main() ->
    Ok = [run(F) || F <- [fun succeed_all/0, fun succeed_literals/0, fun succeed_pid/0,
                          fun() -> succeed_nested(1) end,
                          fun() -> succeed_nested(2) end,
                          fun() -> unread_binding(1) end, fun() -> unread_binding(2) end,
                          fun() -> exported(1) end, fun() -> exported(2) end]],
    Bad = [run(F) || F <- [fun bad_element_index/0, fun bad_element_zero/0,
                           fun bad_element_atom/0, fun bad_element_empty/0,
                           fun bad_element_list/0, fun bad_setelement/0,
                           fun bad_hd/0, fun bad_tl/0, fun bad_length_improper/0,
                           fun bad_length_tuple/0, fun bad_atom_to_list/0,
                           fun bad_list_to_atom/0, fun bad_list_to_atom_neg/0,
                           fun bad_list_to_atom_long/0, fun bad_tuple_to_list/0,
                           fun bad_list_to_tuple/0, fun bad_list_to_tuple_atom/0,
                           fun bad_tuple_size/0, fun bad_node/0, fun bad_node_int/0]],
    Unknown = [run(fun() -> unknown_args(X) end)
               || X <- [a, "a", [], {}, {a}, [x], [a | b], 1, 2.0, self()]],
    Case = [run(fun() -> in_case(X) end) || X <- [1, 2, 3]],
    {Ok, Bad, Unknown, Case}.

%% Prints, writes the dictionary, runs the body, writes again; reports what was raised,
%% what was printed around it (stdout) and the dictionary entry.
run(F) ->
    erase(),
    R = try F() of V -> {ok, V} catch C:E -> {C, E} end,
    {R, get(step)}.

step(N) -> io:format("step ~p~n", [N]), put(step, N).

succeed_all() ->
    step(1),
    Tup = {a},
    L = [x],
    self(), node(), make_ref(), date(), time(), get(a), get(),
    atom_to_list(''), _ = list_to_atom([]), tuple_to_list({}), _ = list_to_tuple([]),
    element(1, Tup), setelement(1, Tup, k), _ = setelement(1, Tup, k),
    hd(L), tl(L), length(L), tuple_size(Tup),
    is_atom(L), is_list(Tup), is_function(L), is_tuple(Tup),
    L, Tup, {L, Tup}, [L | Tup],
    step(2),
    {Tup, L}.

succeed_literals() ->
    step(1),
    element(2, {a, b}), setelement(3, {a, b, c}, z), hd([1, 2]), tl("ab"),
    length("abc"), length([]), atom_to_list(abc), list_to_atom("abc"),
    list_to_tuple([1, 2]), tuple_to_list({1, 2}), tuple_size({}),
    step(2),
    done.

succeed_pid() ->
    step(1),
    S = self(),
    node(S), node(S),
    step(2),
    is_pid(S).

%% A variable bound in an enclosing body keeps its known shape inside a case clause.
succeed_nested(X) ->
    T = {a, b},
    step(1),
    R = case X of
            1 -> element(2, T), one;
            _ -> tuple_size(T), other
        end,
    step(2),
    R.

bad_element_index() ->
    step(1),
    Tup = {a},
    element(2, Tup),
    step(2).

bad_element_zero() ->
    step(1),
    Tup = {a},
    element(0, Tup),
    step(2).

bad_element_atom() ->
    step(1),
    Tup = {a},
    element(a, Tup),
    step(2).

bad_element_empty() ->
    step(1),
    Tup = {},
    element(1, Tup),
    step(2).

bad_element_list() ->
    step(1),
    L = [a],
    element(1, L),
    step(2).

bad_setelement() ->
    step(1),
    Tup = {a},
    setelement(2, Tup, k),
    step(2).

bad_hd() ->
    step(1),
    L = [],
    hd(L),
    step(2).

bad_tl() ->
    step(1),
    L = {x},
    tl(L),
    step(2).

bad_length_improper() ->
    step(1),
    L = [a | b],
    length(L),
    step(2).

bad_length_tuple() ->
    step(1),
    L = {a},
    length(L),
    step(2).

bad_atom_to_list() ->
    step(1),
    atom_to_list("a"),
    step(2).

bad_list_to_atom() ->
    step(1),
    list_to_atom(a),
    step(2).

bad_list_to_atom_neg() ->
    step(1),
    list_to_atom([-1]),
    step(2).

bad_list_to_atom_long() ->
    step(1),
    list_to_atom("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    step(2).

bad_tuple_to_list() ->
    step(1),
    tuple_to_list([]),
    step(2).

bad_list_to_tuple() ->
    step(1),
    L = [a | b],
    list_to_tuple(L),
    step(2).

bad_list_to_tuple_atom() ->
    step(1),
    list_to_tuple(a),
    step(2).

bad_tuple_size() ->
    step(1),
    L = [a],
    tuple_size(L),
    step(2).

bad_node() ->
    step(1),
    node(a),
    step(2).

bad_node_int() ->
    step(1),
    N = 1,
    node(N),
    step(2).

%% Arguments not known at compile time: every call is made.
unknown_args(X) ->
    step(1),
    atom_to_list(X),
    step(2),
    element(1, X),
    step(3),
    hd(X),
    step(4),
    length(X),
    step(5),
    tuple_size(X),
    step(6),
    node(X),
    step(7),
    X.

%% A slot bound in several case clauses holds a different shape in each.
in_case(N) ->
    step(1),
    case N of
        1 -> T = {a, b};
        2 -> T = {a};
        _ -> T = [a]
    end,
    element(2, T),
    step(2),
    T.

%% A binding read only by dropped calls is not made; one read elsewhere (a later case
%% clause, a fun) is.
unread_binding(N) ->
    T = {a, N},
    element(1, T), tuple_size(T),
    step(1),
    U = [N],
    F = fun() -> U end,
    R = case N of
            1 -> length(U), one;
            _ -> U
        end,
    step(2),
    {R, F()}.

%% A variable bound in every clause of a case is read after it.
exported(N) ->
    case N of
        1 -> X = {N}, element(1, X);
        _ -> X = [N], hd(X)
    end,
    step(1),
    X.
