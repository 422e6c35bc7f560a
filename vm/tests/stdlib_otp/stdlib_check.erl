%% Compares our library (loaded as exo_* by exo_rename) with OTP 25's own modules on many
%% inputs: fixed edge cases plus seeded random terms. OTP is the oracle; nothing here states an
%% expected output by hand. Prints one line per mismatch and a final
%% "checks=N failures=M" line that the Rust test (vm/tests/stdlib_otp.rs) asserts on.
-module(stdlib_check).
-export([main/1]).

main([LibDir]) ->
    exo_rename:load(LibDir),
    rand:seed(exsss, {17, 42, 4711}),
    put(checks, 0),
    put(failures, 0),
    format_cases(),
    random_format_cases(400),
    write_cases(),
    lists_cases(),
    string_cases(),
    maps_cases(),
    proplists_cases(),
    io_cases(),
    io:format("checks=~b failures=~b~n", [get(checks), get(failures)]),
    halt(0).

%% --- comparison -----------------------------------------------------------------------------

run(F) ->
    try {ok, F()}
    catch C:R -> {C, strip(R)}
    end.

%% Error reasons of our Erlang fallbacks carry no stack, but BIF errors may come with an
%% error_info map in the stacktrace only; the reason term itself is what must match.
strip(R) -> R.

same(What, Ours, Theirs) ->
    put(checks, get(checks) + 1),
    case run(Ours) =:= run(Theirs) of
        true -> ok;
        false ->
            put(failures, get(failures) + 1),
            io:format("MISMATCH ~p~n  ours:   ~p~n  otp:    ~p~n",
                      [What, run(Ours), run(Theirs)])
    end.

%% Call Mod:Fun(Args) on exo_Mod and on OTP's Mod.
cmp(Mod, Fun, Args) ->
    Exo = list_to_atom("exo_" ++ atom_to_list(Mod)),
    same({Mod, Fun, Args}, fun() -> apply(Exo, Fun, Args) end, fun() -> apply(Mod, Fun, Args) end).

%% Formatting is compared on the flattened characters: the deep-list shape is not observable
%% once printed.
fmt(Format, Args) ->
    same({format, Format, Args},
         fun() -> lists:flatten(exo_io_lib:format(Format, Args)) end,
         fun() -> lists:flatten(io_lib:format(Format, Args)) end).

fmt(Format, Args, Opts) ->
    same({format, Format, Args, Opts},
         fun() -> lists:flatten(exo_io_lib:format(Format, Args, Opts)) end,
         fun() -> lists:flatten(io_lib:format(Format, Args, Opts)) end).

%% --- io_lib:format ---------------------------------------------------------------------------

sample_terms() ->
    [0, 1, -1, 42, 255, 256, -256, 1 bsl 64, -(1 bsl 100), 12345678901234567890123456789,
     0.0, -0.0, 1.0, -1.5, 0.1, 1/3, 1.0e10, 1.0e-10, 123456789.125, 2.5e300, -1.0e-300,
     5.0e-324, 1.7976931348623157e308, 1.0e15, 1.0e16, 123.456, 100.0, 0.001,
     a, 'A', 'hello world', '', 'é', 'a-b', 'a@b', 'a.b', true, 'end', 'receive', 'maybe',
     'don\'t', '\n', [], "", "abc", "a\nb\tc", "with \"quotes\" and \\", [0], [7, 8, 9],
     [255], [256], [1000], "é", [$a | b], [1, 2 | 3], [[]], ["abc", "def"],
     <<>>, <<"abc">>, <<1, 2, 3>>, <<"é"/utf8>>, <<"é">>, <<255>>, <<1:1>>, <<3:3>>,
     <<"abc", 1:4>>, <<0:64>>, <<"hello\nworld">>, list_to_binary(lists:seq(32, 126)),
     {}, {a}, {a, b, c}, {"str", <<"bin">>, [1, 2]}, {{{{{deep}}}}}, #{}, #{a => 1},
     #{1 => a, a => 1, "s" => <<"b">>, {t} => [x]}, #{#{} => #{}},
     lists:seq(1, 30), lists:seq(1, 100), [lists:seq(1, 10) || _ <- lists:seq(1, 10)],
     {record_like, "some name", 42, [1, 2, 3], #{key => value}, <<"payload">>},
     [{key, "value"}, {other_key, [1, 2, 3]}, {third, #{nested => {a, b}}}],
     maps:from_list([{N, N * N} || N <- lists:seq(1, 20)]),
     maps:from_list([{list_to_atom([$k | integer_to_list(N)]), N} || N <- lists:seq(1, 40)]),
     [list_to_binary(lists:duplicate(N, $x)) || N <- lists:seq(1, 12)],
     list_to_tuple(lists:seq(1, 40)), lists:duplicate(30, "abcdefghij"),
     [[[[[[1, 2, 3]]]]], {{{[a, b, c]}}}], lists:seq(0, 300)].

format_cases() ->
    Terms = sample_terms(),
    [fmt(F, [T]) || T <- Terms,
                    F <- ["~p", "~w", "~p~n", "~lp", "~tp", "~tw", "xxxxxxxxxxxxxxxxxxxxxxx ~p",
                          "~30p", "~-30p|", "~10w", "~-10w|", "~20.5w"]],
    [fmt(F, [T, D]) || T <- Terms, F <- ["~P", "~W", "~tP"], D <- [0, 1, 2, 3, 5, 10]],
    [fmt("~p", [T], [{chars_limit, L}]) || T <- Terms, L <- [5, 20, 60]],
    [fmt("~w", [T], [{chars_limit, L}]) || T <- Terms, L <- [5, 20, 60]],
    Strings = ["", "a", "hello", "hello world, this is text", "é", [$a, [$b, <<"cd">>]],
               <<"bin">>, hello, 'quoted atom', "x\ny"],
    [fmt(F, [S]) || S <- Strings,
                    F <- ["~s", "~ts", "~10s|", "~-10s|", "~.3s|", "~10.3s|", "~-10.3s|",
                          "~5.10s|", "~.3.xs|"]],
    [fmt("~*s|", [W, S]) || S <- Strings, W <- [0, 3, 12]],
    [fmt("~.*s|", [P, S]) || S <- Strings, P <- [0, 1, 4]],
    [fmt("~10.3.*s|", [$., S]) || S <- Strings],
    Ints = [0, 1, -1, 7, 10, 255, -255, 4096, 1 bsl 70, -(1 bsl 70), 123456789],
    [fmt(F, [I]) || I <- Ints,
                    F <- ["~b", "~B", "~.2b", "~.16b", "~.16B", "~.36B", "~10b|", "~-10b|",
                          "~10.16.0b|", "~.8#", "~.16+", "~#", "~+", "~i"]],
    [fmt(F, [I, P]) || I <- Ints, F <- ["~x", "~X", "~.16x", "~.16X", "~10.16x|"],
                       P <- ["0x", '#', "", [$a, [$b]]]],
    [fmt(F, [C]) || C <- [$a, $Z, $\n, 255, 256, 1000, 0],
                    F <- ["~c", "~5c|", "~-5c|", "~.3c|", "~5.2c|", "~tc"]],
    Floats = [0.0, -0.0, 1.0, -1.0, 0.5, 0.05, 0.005, 1.5, 2.5, 9.999, 99.5, 0.125, 1/3, 2/3,
              123.456, 1.0e10, 1.0e-10, 1.0e100, 1.0e-100, 123456789.987654321, -0.000123,
              5.0e-324, 1.7976931348623157e308, 0.1, 0.95, 9.5, 0.0999, 1234.5678],
    [fmt(F, [X]) || X <- Floats,
                    F <- ["~e", "~f", "~g", "~.2e", "~.2f", "~.2g", "~.10e", "~.10f", "~.1g",
                          "~.3g", "~15e|", "~-15f|", "~15.3f|", "~15.3.0f|", "~w", "~p"]],
    [fmt("~20.4.*e|", [$_, X]) || X <- Floats],
    [fmt(F, []) || F <- ["", "plain", "~~", "~n", "a~nb", "~3n", "~5~|", "~-5~|", "tab\there"]],
    [fmt(F, A) || {F, A} <- [{"~p ~w ~s", [a, b, "c"]}, {"~p", []}, {"~z", [1]},
                             {"~s", [1]}, {"~d", [1]}, {"~p", [a, b]}, {"~b", [1.0]},
                             {"~f", [1]}, {"~s", [[1000]]}, {"~ts", [[1000]]},
                             {"~c", [a]}, {'~p', [a]}, {<<"~p">>, [<<"b">>]},
                             {"~*p", [a, b]}, {"~-*w|", [-5, x]}, {"~.*w|", [3, {a, b}]},
                             {"~p", [[$a | $b]]}, {"abc~", []}, {"~.0s|", ["abc"]}]].

random_format_cases(N) ->
    [begin
         T = rand_term(4),
         W = rand:uniform(60) + 10,
         Prefix = lists:duplicate(rand:uniform(30), $.),
         fmt(Prefix ++ "~p~n", [T]),
         fmt("~w", [T]),
         fmt("~" ++ integer_to_list(W) ++ "p", [T]),
         fmt("~P", [T, rand:uniform(8)])
     end || _ <- lists:seq(1, N)],
    ok.

rand_term(0) -> rand_leaf();
rand_term(D) ->
    case rand:uniform(10) of
        1 -> list_to_tuple([rand_term(D - 1) || _ <- lists:seq(1, rand:uniform(6) - 1)]);
        2 -> [rand_term(D - 1) || _ <- lists:seq(1, rand:uniform(8) - 1)];
        3 -> maps:from_list([{rand_leaf(), rand_term(D - 1)} || _ <- lists:seq(1, rand:uniform(5))]);
        4 -> rand_string();
        5 -> list_to_binary(rand_string());
        6 -> [rand_string() || _ <- lists:seq(1, rand:uniform(6))];
        7 -> {rand_atom(), rand_term(D - 1), rand_term(D - 1)};
        _ -> rand_leaf()
    end.

rand_leaf() ->
    case rand:uniform(9) of
        1 -> rand:uniform(1000) - 500;
        2 -> rand:uniform(1 bsl 80);
        3 -> (rand:uniform() - 0.5) * math:pow(10, rand:uniform(40) - 20);
        4 -> rand_atom();
        5 -> rand_string();
        6 -> list_to_binary([rand:uniform(256) - 1 || _ <- lists:seq(1, rand:uniform(6))]);
        7 -> <<(rand:uniform(127)):7>>;
        8 -> [rand:uniform(300) || _ <- lists:seq(1, rand:uniform(5))];
        9 -> []
    end.

rand_atom() ->
    element(rand:uniform(8), {ok, error, 'Quoted', hello_world, 'with space', undefined, 'é', x}).

rand_string() ->
    Alphabet = "abcdefghij klmnopqrstuvwxyzABC0123456789\n\t\"\\'é,.",
    [lists:nth(rand:uniform(length(Alphabet)), Alphabet) || _ <- lists:seq(1, rand:uniform(25) - 1)].

%% --- io_lib writers --------------------------------------------------------------------------

write_cases() ->
    Terms = sample_terms(),
    [cmp(io_lib, write, [T]) || T <- Terms],
    [cmp(io_lib, write, [T, D]) || T <- Terms, D <- [1, 3, -1]],
    [cmp(io_lib, print, [T]) || T <- Terms],
    [cmp(io_lib, print, [T, C, L, D]) || T <- Terms, {C, L, D} <- [{1, 40, -1}, {10, 80, 4}]],
    [cmp(io_lib, write_atom, [A]) || A <- [a, 'A', '', 'a b', 'end', 'é', 'aé', '_x', x@y, 'a.b']],
    [cmp(io_lib, F, [S]) || S <- ["", "abc", "a\"b", "\n\r\t\v\b\f\e\d", [0, 1, 31, 127, 128, 159, 160, 255],
                                  [256, 1000]],
                            F <- [write_string, printable_list, printable_latin1_list,
                                  printable_unicode_list, char_list, deep_char_list,
                                  latin1_char_list, write_latin1_string, write_string_as_latin1]],
    [cmp(io_lib, write_char, [C]) || C <- [$a, $\s, $\n, 0, 200, 1000]],
    [cmp(io_lib, chars_length, [S]) || S <- ["", "abc", [$a, <<"bc">>, ["d"]]]],
    [cmp(io_lib, indentation, [S, I]) || S <- ["abc", "a\nbc", "\tx", "ab\t"], I <- [0, 5]],
    [cmp(io_lib, limit_term, [T, D]) || T <- Terms, D <- [1, 2, 5]],
    ok.

%% --- lists -----------------------------------------------------------------------------------

rand_list() -> [rand:uniform(20) - 5 || _ <- lists:seq(1, rand:uniform(12) - 1)].

lists_cases() ->
    Ls = [[], [1], [3, 1, 2], [1, 1.0, 1, 2.0, 2], [b, a, {x}, "s", 3, 2.5, <<"b">>, []],
          lists:seq(1, 20), lists:reverse(lists:seq(1, 20))]
        ++ [rand_list() || _ <- lists:seq(1, 60)],
    Tuples = [[{b, 2}, {a, 1}, {c, 3}, {a, 0}], [{1, x}, {1.0, y}, {0, z}], [],
              [{K rem 4, V} || {K, V} <- lists:zip(lists:seq(1, 15), lists:seq(15, 1, -1))]],
    Even = fun(X) -> is_integer(X) andalso X rem 2 =:= 0 end,
    Small = fun(X) -> X < 3 end,
    [begin
         [cmp(lists, F, [L]) || F <- [sort, usort, reverse, last, droplast, flatten, sum, max,
                                      min, enumerate, flatlength, append, concat]],
         [cmp(lists, F, [Even, L]) || F <- [filter, partition, all, any, dropwhile, takewhile,
                                            splitwith, foreach, search]],
         [cmp(lists, F, [Small, L]) || F <- [filter, partition, dropwhile, takewhile, splitwith, search]],
         cmp(lists, map, [fun(X) -> {X} end, L]),
         cmp(lists, flatmap, [fun(X) -> [X, X] end, L]),
         cmp(lists, filtermap, [fun(X) when X > 2 -> {true, X * 2}; (X) -> X =:= 0 end, L]),
         cmp(lists, foldl, [fun(X, A) -> [X | A] end, [], L]),
         cmp(lists, foldr, [fun(X, A) -> [X | A] end, [], L]),
         cmp(lists, mapfoldl, [fun(X, A) -> {X * 2, A + 1} end, 0, L]),
         cmp(lists, mapfoldr, [fun(X, A) -> {X * 2, [X | A]} end, [], L]),
         cmp(lists, sort, [fun(A, B) -> A >= B end, L]),
         cmp(lists, usort, [fun(A, B) -> A >= B end, L]),
         cmp(lists, enumerate, [5, L]),
         [cmp(lists, F, [N, L]) || N <- [0, 1, 2, 5, 30, -1], F <- [nth, nthtail, sublist, split]],
         [cmp(lists, sublist, [L, S, N]) || S <- [1, 2, 5], N <- [0, 3, 10]],
         [cmp(lists, F, [E, L]) || E <- [1, 3, 1.0, z], F <- [delete, member]],
         cmp(lists, subtract, [L, [1, 2, 3]]),
         cmp(lists, join, [x, L]),
         [cmp(lists, F, [L, M]) || M <- [[1, 2], [3, 1, 2], []],
                                   F <- [prefix, suffix, append, subtract, merge, umerge, zip]],
         cmp(lists, zip, [L, lists:reverse(L)]),
         cmp(lists, zip3, [L, L, L]),
         cmp(lists, zipwith, [fun(A, B) -> {B, A} end, L, lists:reverse(L)]),
         cmp(lists, zipwith3, [fun(A, B, C) -> {A, B, C} end, L, L, L]),
         cmp(lists, unzip, [[{X, [X]} || X <- L]]),
         cmp(lists, unzip3, [[{X, [X], X} || X <- L]]),
         cmp(lists, merge, [lists:sort(L), lists:sort(lists:reverse(L))]),
         cmp(lists, umerge, [lists:usort(L), [1, 2, 3]]),
         cmp(lists, merge, [[lists:sort(L), [1, 2], lists:sort(L)]]),
         cmp(lists, umerge, [[lists:usort(L), [1, 2], [0, 5]]]),
         cmp(lists, merge3, [lists:sort(L), [1, 5], [0, 9]]),
         cmp(lists, umerge3, [lists:usort(L), [1, 5], [0, 9]]),
         cmp(lists, merge, [fun(A, B) -> A >= B end, lists:reverse(lists:sort(L)), [9, 0]]),
         cmp(lists, duplicate, [length(L), L])
     end || L <- Ls],
    [begin
         [cmp(lists, F, [K, N, T]) || K <- [a, 1, 1.0, 2, zz], N <- [1, 2, 3],
                                      F <- [keyfind, keymember, keysearch, keydelete, keytake]],
         [cmp(lists, keyreplace, [K, 1, T, {new}]) || K <- [a, 1, zz]],
         [cmp(lists, keystore, [K, 1, T, {K, stored}]) || K <- [a, 1, zz]],
         [cmp(lists, F, [N, T]) || N <- [1, 2], F <- [keysort, ukeysort]],
         cmp(lists, keymerge, [1, lists:keysort(1, T), [{a, m}, {z, m}]]),
         cmp(lists, ukeymerge, [1, lists:ukeysort(1, T), [{a, m}, {z, m}]]),
         cmp(lists, keymap, [fun(X) -> {X} end, 2, T])
     end || T <- Tuples],
    [cmp(lists, seq, A) || A <- [[1, 10], [1, 0], [1, -1], [5, 5], [1, 10, 3], [10, 1, -2],
                                 [1, 1, 0], [1, 2, 0], [1, 10, -1], [a, 3]]],
    [cmp(lists, flatten, [L]) || L <- [[[]], [a, [b, [c, [d]]], e], [[1 | [2]], []],
                                       [[a], [[[[b]]]]]]],
    cmp(lists, flatten, [[a, [b]], [tail]]),
    cmp(lists, append, [[[1], [], [2, 3], [[4]]]]),
    cmp(lists, concat, [[a, "b", 1, 2.5, 'c d']]),
    [cmp(lists, F, [bad]) || F <- [sort, reverse, last, sum, max, flatten, usort]],
    [cmp(lists, F, [fun(X) -> X end, bad]) || F <- [map, filter, foreach, all, any]],
    cmp(lists, nth, [0, [a]]),
    cmp(lists, keyfind, [a, 0, [{a}]]),
    cmp(lists, member, [a, [b | c]]),
    cmp(lists, reverse, [[1, 2], tail]),
    cmp(lists, reverse, [[1 | 2], []]),
    ok.

%% --- string ----------------------------------------------------------------------------------

string_cases() ->
    Ss = ["", "abc", "  hello world  ", "a,b,,c", "\r\n", "line\r\nnext\r\n", "ÅÄÖ åäö ß ÿ µ",
          "Hello World", "a-b-c", "   ", "tab\there", "x", "aaa", "e\x{301}le\x{300}ve",
          <<"binary text">>, <<"  padded  ">>, [$a, "bc", <<"de">>], ["  ", $x, <<" ">>],
          "CamelCase_and_snake", "1234", "-42abc", "3.14rest", "1.5e3x", "+7", "abc123"],
    Seps = [" ", ",", "-", "", "ab", "\r\n", [$,, $-]],
    [begin
         [cmp(string, F, [S]) || F <- [length, is_empty, reverse, trim, uppercase, lowercase,
                                      titlecase, casefold, to_graphemes, chomp, next_grapheme,
                                      next_codepoint, to_integer, to_float, to_lower, to_upper,
                                      len, strip, words]],
         [cmp(string, F, [S, Sep]) || Sep <- Seps,
                                      F <- [split, lexemes, find, prefix, equal, tokens, take,
                                            span, cspan, str, rstr, concat]],
         [cmp(string, F, [S, Dir]) || Dir <- [leading, trailing, both], F <- [trim]],
         [cmp(string, trim, [S, Dir, Cs]) || Dir <- [leading, trailing, both], Cs <- [" ", "a", [$\r, $\n]]],
         [cmp(string, split, [S, Sep, W]) || Sep <- Seps, W <- [leading, trailing, all]],
         [cmp(string, find, [S, Sep, trailing]) || Sep <- Seps],
         [cmp(string, replace, [S, Sep, "#", W]) || Sep <- Seps, W <- [leading, trailing, all]],
         [cmp(string, F, [S, N]) || N <- [0, 1, 3, 100], F <- [slice, pad, left, right, centre,
                                                                  sub_string, substr]],
         [cmp(string, F, [S, N, L]) || N <- [0, 1, 3], L <- [0, 2, 100],
                                       F <- [slice, sub_string, substr]],
         [cmp(string, pad, [S, N, Dir, $*]) || N <- [0, 5, 20], Dir <- [leading, trailing, both]],
         [cmp(string, nth_lexeme, [S, N, " ,"]) || N <- [1, 2, 3]],
         [cmp(string, F, [S, C]) || C <- [$a, $\s, $,], F <- [chr, rchr, strip, words]],
         cmp(string, equal, [S, S, true]),
         cmp(string, equal, [S, string:uppercase(S), true]),
         cmp(string, take, [S, "abc ", true]),
         cmp(string, take, [S, " ", false, trailing]),
         cmp(string, copies, [S, 3])
     end || S <- Ss],
    cmp(string, join, [["a", "b", "c"], ", "]),
    cmp(string, join, [[], ", "]),
    [cmp(string, F, [X]) || X <- [1, {a}, <<255>>], F <- [length, trim, uppercase]],
    [cmp(string, F, [L]) || L <- ["12", "-7x", "+", "", "1.0", "1.0e5", "1.5E-2y", ".5", "5.",
                                  "1,5", bad, "1.0e", "1.e3"],
                            F <- [list_to_integer, list_to_float, to_integer, to_float]],
    ok.

%% --- maps ------------------------------------------------------------------------------------

maps_cases() ->
    Ms = [#{}, #{a => 1}, #{a => 1, b => 2, c => 3}, #{1 => x, 1.0 => y, "k" => z},
          maps:from_list([{N, N} || N <- lists:seq(1, 10)])],
    [begin
         cmp(maps, map, [fun(K, V) -> {K, V} end, M]),
         cmp(maps, filter, [fun(_, V) -> is_integer(V) end, M]),
         cmp(maps, filtermap, [fun(_, V) when is_integer(V) -> {true, V + 1}; (_, _) -> false end, M]),
         cmp(maps, fold, [fun(K, V, A) -> [{K, V} | A] end, [], M]),
         cmp(maps, foreach, [fun(_, _) -> ok end, M]),
         cmp(maps, with, [[a, 1, zz], M]),
         cmp(maps, without, [[a, 1, zz], M]),
         cmp(maps, get, [a, M, default]),
         cmp(maps, update_with, [a, fun(V) -> {V} end, M]),
         cmp(maps, update_with, [a, fun(V) -> {V} end, init, M]),
         cmp(maps, take, [a, M]),
         cmp(maps, intersect, [M, #{a => new, 1 => new}]),
         cmp(maps, intersect_with, [fun(K, A, B) -> {K, A, B} end, M, #{a => new, 1 => new}]),
         cmp(maps, merge_with, [fun(K, A, B) -> {K, A, B} end, M, #{a => new, zz => new}]),
         cmp(maps, iterator, [M]),
         cmp(maps, next, [maps:iterator(M)]),
         cmp(maps, fold, [fun(K, V, A) -> [{K, V} | A] end, [], maps:iterator(M)])
     end || M <- Ms],
    cmp(maps, groups_from_list, [fun(X) -> X rem 3 end, lists:seq(1, 10)]),
    cmp(maps, groups_from_list, [fun(X) -> X rem 3 end, fun(X) -> X * X end, lists:seq(1, 10)]),
    cmp(maps, from_keys, [[a, b, a], 0]),
    [cmp(maps, F, [fun(_, _) -> true end, notamap]) || F <- [map, filter, foreach]],
    cmp(maps, get, [a, notamap, d]),
    cmp(maps, update_with, [zz, fun(V) -> V end, #{}]),
    cmp(maps, with, [[a], notamap]),
    ok.

%% --- proplists -------------------------------------------------------------------------------

proplists_cases() ->
    Ps = [[], [a, {b, 1}, {c, 2, 3}, {a, false}, "junk", b], [{k, v}, {k, w}, k]],
    [begin
         [cmp(proplists, F, [K, P]) || K <- [a, b, c, k, zz],
                                       F <- [get_value, get_all_values, lookup, lookup_all,
                                             is_defined, get_bool, delete, append_values]],
         cmp(proplists, get_value, [zz, P, default]),
         cmp(proplists, compact, [P]),
         cmp(proplists, unfold, [P]),
         cmp(proplists, to_map, [P]),
         cmp(proplists, substitute_aliases, [[{a, aa}], P]),
         cmp(proplists, substitute_negations, [[{no_a, a}], P]),
         cmp(proplists, split, [P, [a, k]]),
         same({get_keys, P}, fun() -> lists:sort(exo_proplists:get_keys(P)) end,
              fun() -> lists:sort(proplists:get_keys(P)) end)
     end || P <- Ps],
    cmp(proplists, from_map, [#{a => 1}]),
    cmp(proplists, property, [a, true]),
    cmp(proplists, property, [{a, 1}]),
    cmp(proplists, expand, [[{foo, [bar, baz]}], [fie, foo, fum]]),
    cmp(proplists, normalize, [[a, {b, 1}, no_c], [{negations, [{no_c, c}]}]]),
    ok.

%% --- io --------------------------------------------------------------------------------------

%% io:format must produce the same bytes on the same device and raise the same exceptions.
io_cases() ->
    [same({io_format, F, A}, fun() -> capture(fun() -> exo_io:format(F, A) end) end,
          fun() -> capture(fun() -> io:format(F, A) end) end)
     || {F, A} <- [{"~p~n", [{a, "b"}]}, {"plain~n", []}, {"~s", [[1000]]}, {"~w", []},
                   {"~ts|~n", ["é"]}, {"~p", [lists:seq(1, 50)]}, {bad, []}]],
    same(io_format1, fun() -> capture(fun() -> exo_io:format("x~n") end) end,
         fun() -> capture(fun() -> io:format("x~n") end) end),
    same(io_put_chars, fun() -> capture(fun() -> exo_io:put_chars(["a", <<"b">>, $c]) end) end,
         fun() -> capture(fun() -> io:put_chars(["a", <<"b">>, $c]) end) end),
    same(io_nl, fun() -> capture(fun() -> exo_io:nl() end) end,
         fun() -> capture(fun() -> io:nl() end) end),
    ok.

%% Runs F with a group leader that records the characters written.
capture(F) ->
    Self = self(),
    Old = group_leader(),
    GL = spawn(fun() -> collector(Self, []) end),
    group_leader(GL, self()),
    Result = try {ok, F()} catch C:R -> {C, R} end,
    group_leader(Old, self()),
    GL ! {done, Self},
    receive {collected, Chars} -> {Result, Chars} after 5000 -> {Result, timeout} end.

collector(Owner, Acc) ->
    receive
        {io_request, From, Ref, {put_chars, Enc, Chars}} ->
            {Reply, Acc1} = try {ok, [Acc | unicode:characters_to_binary(Chars, Enc)]}
                            catch _:_ -> {{error, put_chars}, Acc}
                            end,
            From ! {io_reply, Ref, Reply},
            collector(Owner, Acc1);
        {io_request, From, Ref, {put_chars, Enc, M, Fn, As}} ->
            {Reply, Acc1} = try {ok, [Acc | unicode:characters_to_binary(apply(M, Fn, As), Enc)]}
                            catch _:_ -> {{error, format}, Acc}
                            end,
            From ! {io_reply, Ref, Reply},
            collector(Owner, Acc1);
        {io_request, From, Ref, _} ->
            From ! {io_reply, Ref, {error, request}},
            collector(Owner, Acc);
        {done, Owner} -> Owner ! {collected, iolist_to_binary(Acc)}
    end.
