-module(phash2_random_terms).
-export([main/0]).

%% erlang:phash2/1,2 on 400 pseudo-random terms built by our own generator (a 31-bit LCG,
%% so both VMs build the same terms): integers of every size and sign, floats, atoms
%% (latin1 and unicode), strings, improper lists, binaries and bitstrings at every bit
%% offset, tuples, nested maps, external funs. Prints a checksum line per 50 terms and the
%% first terms' hashes in full.

main() ->
    {Terms, _} = gen_n(400, 12345, []),
    Hashes = [{erlang:phash2(T), erlang:phash2(T, 1000), erlang:phash2(T, 1 bsl 32)} || T <- Terms],
    lists:foreach(fun({I, H}) -> io:format("~b ~w~n", [I, H]) end,
                  lists:zip(lists:seq(1, 40), lists:sublist(Hashes, 40))),
    print_chunks(Hashes, 1),
    length(Hashes).

print_chunks([], _) -> ok;
print_chunks(Hs, N) ->
    {Chunk, Rest} = lists:split(min(50, length(Hs)), Hs),
    io:format("chunk ~b: ~w~n", [N, [H || {H, _, _} <- Chunk]]),
    print_chunks(Rest, N + 1).

gen_n(0, S, Acc) -> {lists:reverse(Acc), S};
gen_n(N, S, Acc) ->
    {T, S1} = term(S, 3),
    gen_n(N - 1, S1, [T | Acc]).

next(S) -> (S * 1103515245 + 12345) band 16#7fffffff.

rand(S, N) -> S1 = next(S), {(S1 bsr 8) rem N, S1}.

term(S, Depth) ->
    {K, S1} = rand(S, case Depth of 0 -> 8; _ -> 14 end),
    leaf_or_node(K, S1, Depth).

leaf_or_node(0, S, _) -> {I, S1} = rand(S, 300), {I - 150, S1};
leaf_or_node(1, S, _) ->
    {E, S1} = rand(S, 130),
    {M, S2} = rand(S1, 1000000),
    {Neg, S3} = rand(S2, 2),
    V = (M + 1) * (1 bsl E) + M,
    {case Neg of 0 -> V; 1 -> -V end, S3};
leaf_or_node(2, S, _) ->
    {A, S1} = rand(S, 100000),
    {B, S2} = rand(S1, 40),
    {(A - 50000) / (B + 1), S2};
leaf_or_node(3, S, _) ->
    {I, S1} = rand(S, 12),
    {lists:nth(I + 1, [a, ok, error, '', 'hello world', 'Élan', 'ñandú', '日本',
                       true, false, undefined, 'a_very_long_atom_name_with_many_chars']), S1};
leaf_or_node(4, S, _) ->
    {L, S1} = rand(S, 20),
    str(L, S1, []);
leaf_or_node(5, S, _) ->
    {L, S1} = rand(S, 40),
    {Str, S2} = str(L, S1, []),
    {list_to_binary(Str), S2};
leaf_or_node(6, S, _) ->
    {L, S1} = rand(S, 30),
    {Str, S2} = str(L, S1, []),
    {Off, S3} = rand(S2, 8),
    {Bits, S4} = rand(S3, 8),
    Bin = list_to_binary(Str),
    Total = bit_size(Bin),
    Take = max(0, Total - Off - Bits),
    <<_:Off, Sub:Take/bits, _/bits>> = <<Bin/binary, 0:16>>,
    {Sub, S4};
leaf_or_node(7, S, _) ->
    {I, S1} = rand(S, 6),
    {lists:nth(I + 1, [[], {}, #{}, <<>>, 0.0, -0.0]), S1};
leaf_or_node(8, S, D) ->
    {L, S1} = rand(S, 5),
    {Es, S2} = terms(L, S1, D - 1, []),
    {list_to_tuple(Es), S2};
leaf_or_node(9, S, D) ->
    {L, S1} = rand(S, 5),
    terms(L, S1, D - 1, []);
leaf_or_node(10, S, D) ->
    {L, S1} = rand(S, 4),
    {Es, S2} = terms(L + 1, S1, D - 1, []),
    {T, S3} = term(S2, 0),
    {Es ++ T, S3};
leaf_or_node(11, S, D) ->
    {L, S1} = rand(S, 6),
    {Ks, S2} = terms(L, S1, D - 1, []),
    {Vs, S3} = terms(L, S2, D - 1, []),
    {maps:from_list(lists:zip(Ks, Vs)), S3};
leaf_or_node(12, S, _) ->
    {I, S1} = rand(S, 4),
    {lists:nth(I + 1, [fun lists:map/2, fun erlang:phash2/1, fun lists:reverse/1,
                       fun io:format/2]), S1};
leaf_or_node(13, S, D) ->
    {L, S1} = rand(S, 40),
    {Es, S2} = terms(L, S1, D - 1, []),
    {[X || X <- Es, is_integer(X)] ++ [1 | Es], S2}.

terms(0, S, _, Acc) -> {Acc, S};
terms(N, S, D, Acc) ->
    {T, S1} = term(S, max(D, 0)),
    terms(N - 1, S1, D, [T | Acc]).

str(0, S, Acc) -> {Acc, S};
str(N, S, Acc) ->
    {C, S1} = rand(S, 256),
    str(N - 1, S1, [C | Acc]).
