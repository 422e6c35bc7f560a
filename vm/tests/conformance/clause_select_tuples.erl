%% Clause selection keyed on tuple elements, on several columns at once, in case and
%% receive as in function heads: aliases, string and tuple literals, binaries and maps below
%% the first column, guards that fail after the keys matched, and no clause matching.
-module(clause_select_tuples).
-export([main/0]).

msg(_, {ping, From, 1}) -> {pong1, From};
msg(_, {ping, _, N}) when N > 10 -> pong_big;
msg(0, _) -> zero;
msg(_, {ping, From, _}) -> {pong, From};
msg(_, {data, <<X, _/binary>>}) -> {data, X};
msg(_, {data, #{k := V}}) -> {map, V};
msg(_, {data, [H | _] = L}) -> {list, H, length(L)};
msg(_, {data, "ab"}) -> ab;
msg(_, {data, {1, 2}}) -> one_two;
msg(_, {data, _}) -> data;
msg(K, {stop, Why}) when K > 1 -> {stop, Why};
msg(_, {stop, normal}) -> stopped;
msg(_, {A, B, C, D}) -> {four, A, B, C, D};
msg(_, {_, _, _}) -> triple.

grid(a, 1, x) -> a1x;
grid(a, 2, _) -> a2;
grid(b, _, y) -> by;
grid(_, 1, y) -> any1y;
grid(c, 3, z) -> c3z;
grid(a, _, z) -> az;
grid(_, _, _) -> rest.

kase(V) ->
    case V of
        {tag, [1 | _]} -> t1;
        {tag, [2, 3]} -> t23;
        {tag, [X, X | _]} -> {same, X};
        {other, 1} -> o1;
        {other, N} when is_integer(N), N > 5 -> {other_big, N};
        [{tag, 1} | _] -> list_t1;
        [{tag, _} | T] -> {list_t, T};
        {tag, {in, 1}} -> in1;
        {tag, {in, _} = In} -> {in, In}
    end.

rcv(0, Acc) ->
    lists:reverse(Acc);
rcv(N, Acc) ->
    R = receive
            {job, 1, X} -> {one, X};
            {job, 2, _} -> two;
            {ctl, stop} -> stop;
            {ctl, S} when is_atom(S) -> {ctl, S};
            {job, _, [a | _]} -> job_a
        after 0 -> empty
        end,
    rcv(N - 1, [R | Acc]).

try_all(F, Args) ->
    [case catch apply(F, A) of
         {'EXIT', {Reason, _}} -> {error, Reason};
         V -> V
     end || A <- Args].

main() ->
    Msgs = [{ping, p, 1}, {ping, p, 11}, {ping, p, 2}, {ping, p, 1.0}, {data, <<7, 8>>},
            {data, <<>>}, {data, #{k => v}}, {data, #{}}, {data, [q, r]}, {data, "ab"},
            {data, {1, 2}}, {data, {1, 3}}, {data, x}, {stop, normal}, {stop, crash},
            {a, b, c, d}, {x, y, z}, {ping, q}, [ping], pong, {}, 3],
    G = [[A, B, C] || A <- [a, b, c, d], B <- [1, 2, 3, 4.0], C <- [x, y, z]],
    Ks = [{tag, [1, 2]}, {tag, [2, 3]}, {tag, [2, 2]}, {tag, [2, 3, 4]}, {tag, [3]},
          {other, 1}, {other, 9}, {other, 2}, {other, x}, [{tag, 1}], [{tag, 2}, z],
          [{tag}], {tag, {in, 1}}, {tag, {in, 2}}, {tag, {out, 1}}, {tag, []}, tag],
    self() ! {ctl, go},
    self() ! {job, 3, [b]},
    self() ! {job, 2, x},
    self() ! {job, 3, [a, b]},
    self() ! {job, 1, y},
    self() ! {ctl, stop},
    self() ! {ctl, "str"},
    {[try_all(fun msg/2, [[K, M] || K <- [0, 1, 2], M <- Msgs])],
     try_all(fun grid/3, G),
     try_all(fun kase/1, [[V] || V <- Ks]),
     rcv(8, []),
     receive Left -> Left after 0 -> none end}.
