//! Engine features checked against OTP 25 itself: each case is an Erlang module whose
//! `main/0` returns a term; `erl` prints it with `~w`, our VM with the native `io_lib:write/1`,
//! and the two lines must be identical. Cases aim at the language, not at a list of answers.

use std::path::PathBuf;
use std::process::Command;

const CASES: &[(&str, &str)] = &[
    (
        "c_arith",
        r#"
main() -> [1 + 2, 7 div 2, -7 div 2, 7 rem -2, -7 rem 2, 7 / 2, 1 bsl 64, -1 bsr 3, 5 band 3, 5 bor 3, 5 bxor 3, bnot 5,
           (1 bsl 100) div 3, (1 bsl 100) rem 7, -(1 bsl 70), 16#ff, 2#1010, 36#zz, $a, 1.0e3 * 2, abs(-3), abs(-2.5),
           9007199254740993 * 3, trunc(2.7), round(2.5), round(-2.5), float(3), 10 - 3.5, 0.1 + 0.2, max(1, 1.0), min(a, 1)]."#,
    ),
    (
        "c_arith_errors",
        r#"
t(F) -> try F() catch C:R -> {C, R} end.
main() -> [t(fun() -> 1 / 0 end), t(fun() -> 1 div 0 end), t(fun() -> a + 1 end), t(fun() -> 1.5 band 1 end),
           t(fun() -> 1 rem 0 end), t(fun() -> - foo end), t(fun() -> bnot 1.0 end)]."#,
    ),
    (
        "c_compare",
        r#"
main() -> [1 == 1.0, 1 =:= 1.0, 1 /= 1.0, 1 =/= 1.0, 1 < a, a < {}, {} < #{}, #{} < [], [] < [1], [1] < <<>>,
           {1,2} < {1,3}, {2} < {1,1}, [1,2] < [1,3], [1] < [1,2], <<1>> < <<1,2>>, abc < abd, 2 > 1.5, 1.0 < 2,
           1 == 1, <<1:3>> < <<1>>]."#,
    ),
    (
        "c_lists",
        r#"
main() -> L = [3,1,2], [L ++ [4], L -- [1], [1,2,3,2,1] -- [2,1], length(L), hd(L), tl(L), lists:reverse(L),
           lists:member(2, L), lists:keyfind(b, 1, [{a,1},{b,2}]), lists:keymember(c, 1, [{a,1}]),
           lists:keysearch(a, 1, [{a,1}]), lists:reverse(L, [x]), [H || {H, _} <- [{1,a},{2,b}], H > 1],
           [{X,Y} || X <- [1,2], Y <- [a,b]], [X || X <- [1,a,2,b], is_integer(X)], "abc" ++ "def", [$a|"bc"]]."#,
    ),
    (
        "c_patterns",
        r#"
-record(r, {a, b = 2, c = [] :: list()}).
f({X, X}) -> same; f({_, _}) -> diff; f([H|T]) when is_list(T) -> {H, T}; f(<<N:8, R/binary>>) -> {N, R}; f(#{k := V}) -> V; f(_) -> other.
g(X) when X > 10, X < 20; X == 0 -> in; g(_) -> out.
main() -> R = #r{a = 1}, #r{a = A, b = B} = R, {P, Q} = {1, 2}, [_, Second | _] = [a, b, c],
  "ab" ++ Rest = "abcd", X = Y = 5,
  [f({1,1}), f({1,2}), f([a,b]), f(<<7,8,9>>), f(#{k => v}), f(3.0), g(15), g(0), g(5), A, B, P, Q, Second, Rest, X, Y,
   R#r.b, R#r{c = x}, #r.b, record_info(fields, r), record_info(size, r), is_record(R, r), is_record(R, r, 4)]."#,
    ),
    (
        "c_case_if",
        r#"
c(X) -> case X of {ok, V} when V > 0 -> pos; {ok, _} -> nonpos; error -> err; _ -> other end.
i(X) -> if X > 0 -> pos; X < 0 -> neg; true -> zero end.
main() -> V = case 3 of N when N > 2 -> Z = N * 2, Z; _ -> Z = 0, Z end,
  [c({ok, 1}), c({ok, -1}), c(error), c(x), i(1), i(-1), i(0), V, Z, begin A = 1, A + 1 end,
   x(fun() -> case 5 of 6 -> no end end), x(fun() -> if false -> no end end), x(fun() -> f = g end)]."#,
    ),
    (
        "c_funs",
        r#"
add(A) -> fun(B) -> A + B end.
apply2(F, X) -> F(F(X)).
main() -> Add3 = add(3), Fact = fun F(0) -> 1; F(N) -> N * F(N - 1) end,
  M = lists, Fn = reverse, G = fun lists:reverse/1, H = fun erlang:length/1, K = fun add/1,
  Compose = fun(F1, F2) -> fun(X) -> F2(F1(X)) end end,
  [Add3(4), apply2(Add3, 1), Fact(20), M:Fn([1,2]), G([3,4]), H([1,2,3]), (K(10))(5), (Compose(Add3, Add3))(0),
   erlang:apply(fun(X, Y) -> X * Y end, [6, 7]), apply(lists, reverse, [[a, b]]), is_function(G, 1), is_function(G, 2),
   x(fun() -> (fun(X) -> X end)(1, 2) end), x(fun() -> (not_a_fun)(1) end), x(fun() -> nomod:nofun(1) end)]."#,
    ),
    (
        "c_try",
        r#"
t(F) -> try F() of V -> {ok, V} catch throw:T -> {thrown, T}; error:E:S when is_list(E) orelse true -> S = S, {error, E}; exit:X -> {exit, X} after put(after_ran, yes) end.
main() -> [t(fun() -> 1 end), t(fun() -> throw(x) end), t(fun() -> error(y) end), t(fun() -> exit(z) end),
  t(fun() -> [] = [1] end), t(fun() -> element(5, {a}) end), t(fun() -> erlang:raise(throw, r, []) end), get(after_ran),
  catch throw(c), catch 1 + 2, element(1, catch error(e)), catch exit(bye),
  try error(badarg) catch error:badarg -> caught end,
  try try throw(inner) after put(x, 1) end catch throw:inner -> {outer, get(x)} end,
  x(fun() -> (try 1 of 2 -> two catch _ -> c end) end)]."#,
    ),
    (
        "c_binaries",
        r#"
main() -> B = <<1, 2, 3:4, 5:4, 300:16/little, -1:8/signed, 1.5/float, 2.5:32/float, "hi", <<9, 9>>/binary, 3:2>>,
  <<A, Bb, C:4, D:4, E:16/little, F:8/signed, G/float, H:32/float, S:2/binary, T:2/binary, U:2>> = B,
  <<Len:8, Data:Len/binary, More/bits>> = <<3, "abcde">>,
  Utf = <<"héllo"/utf8, 16#1F600/utf8, $a/utf16, $b/utf32-little>>,
  <<U1/utf8, _/binary>> = <<"é">>,
  [B, A, Bb, C, D, E, F, G, H, S, T, U, Len, Data, More, Utf, U1, byte_size(B), bit_size(B), byte_size(<<1:9>>),
   << <<X:4>> || X <- [1,2,3,4] >>, [X || <<X:3>> <= <<255, 0>>], << <<(X+1)>> || <<X>> <= <<1,2,3>> >>,
   <<(-1):70/signed>>, <<1:1, 0:1, 1:1>>, binary_to_list(<<1,2,3>>), list_to_binary([1, [2, <<3>>], "x"]),
   iolist_to_binary([<<"a">>, $b, ["c"]]), iolist_size([1, <<2, 3>>]), split_binary(<<1,2,3,4>>, 1),
   <<16#12345678:32/big>>, <<16#12345678:32/little>>, <<1.0/float-little>>, x(fun() -> <<1.5/integer>> end), x(fun() -> <<(a)/binary>> end)]."#,
    ),
    (
        "c_bin_module",
        r#"
main() -> B = <<"hello world, hello">>,
  [binary:part(B, 0, 5), binary:part(B, {6, 5}), binary:part(B, byte_size(B), -5), binary:split(B, <<" ">>), binary:split(B, <<"l">>, [global]),
   binary:split(<<",a,,b,">>, <<",">>, [global, trim]), binary:match(B, <<"llo">>), binary:match(B, <<"zz">>), binary:matches(B, <<"hello">>),
   binary:copy(<<"ab">>, 3), binary:decode_unsigned(<<1, 0>>), binary:decode_unsigned(<<1, 0>>, little), binary:encode_unsigned(256),
   binary:encode_unsigned(256, little), binary:at(B, 1), binary:first(B), binary:last(B), binary:bin_to_list(B, 0, 3),
   binary:list_to_bin([1, 2]), binary:referenced_byte_size(binary:part(B, 0, 2)), x(fun() -> binary:part(B, 0, 100) end)]."#,
    ),
    (
        "c_maps",
        r#"
main() -> M = #{a => 1, "b" => [2], {c} => #{}}, M2 = M#{a := 10, d => 4},
  #{a := A, "b" := [Bv]} = M2,
  [M, M2, A, Bv, maps:get(a, M), maps:get(zz, M, dflt), maps:find(a, M), maps:find(q, M), maps:put(z, 0, #{}), maps:remove(a, M),
   maps:is_key({c}, M), maps:keys(M), maps:values(#{x => 1, y => 2}), maps:size(M), map_size(M), maps:to_list(#{b => 2, a => 1}),
   maps:from_list([{k, v}, {k, w}]), maps:merge(#{a => 1, b => 2}, #{b => 3}), maps:update(a, 2, #{a => 1}), #{1 => a, 1.0 => b},
   x(fun() -> maps:get(nokey, M) end), x(fun() -> M#{nokey := 1} end), x(fun() -> maps:get(a, notamap) end), x(fun() -> (#{})#{a := 1} end), is_map_key(a, M),
   map_get(a, M), #{} == #{}, #{a => 1} < #{a => 2}, #{b => 1} > #{a => 2, b => 0}]."#,
    ),
    (
        "c_conversions",
        r#"
main() -> [atom_to_list(abc), list_to_atom("x y"), atom_to_binary(abc), binary_to_atom(<<"q">>, utf8), integer_to_list(255, 16),
  integer_to_list(-10), list_to_integer("-42"), list_to_integer("ff", 16), integer_to_binary(1 bsl 65), binary_to_integer(<<"12">>),
  float_to_list(1.5), float_to_list(3.14159, [{decimals, 2}]), float_to_list(1.0, [{decimals, 4}, compact]), float_to_list(1234.5, [{scientific, 3}]),
  float_to_list(0.1, [short]), float_to_binary(2.5, [short]), list_to_float("1.5e3"), binary_to_float(<<"-0.25">>), x(fun() -> list_to_float("1") end),
  tuple_to_list({a, b}), list_to_tuple([1, 2]), term_to_binary({a, [1, 2], <<3>>, 1.5, -1, 1 bsl 40, "str", #{k => v}}),
  binary_to_term(term_to_binary({x, [y | z], 12345678901234567890})), x(fun() -> list_to_integer("abc") end), x(fun() -> atom_to_list("a") end),
  float_to_list(0.1 + 0.2, [short]), float_to_list(1.0e100, [short]), float_to_list(-0.0, [short]), float_to_list(123456.789, [{decimals, 1}]),
  integer_to_list(1 bsl 100, 36)]."#,
    ),
    (
        "c_tuples_misc",
        r#"
main() -> T = {a, b, c}, [element(2, T), setelement(1, T, z), tuple_size(T), size(T), size(<<1,2>>), make_tuple(3, x),
  erlang:append_element(T, d), erlang:delete_element(1, T), erlang:insert_element(2, T, q), is_tuple(T), is_atom(a),
  is_binary(<<1:3>>), is_bitstring(<<1:3>>), is_boolean(true), is_boolean(1), is_float(1.0), is_integer(1 bsl 80), is_list([a|b]),
  is_number(1.0), is_pid(self()), is_reference(make_ref()), x(fun() -> element(0, T) end), x(fun() -> setelement(4, T, x) end), x(fun() -> hd([]) end),
  x(fun() -> tl(a) end), x(fun() -> length([a|b]) end), x(fun() -> abs(a) end), erlang:phash2(x) =:= erlang:phash2(x), erlang:phash2(x, 10) < 10,
  true andalso false, false orelse true, x(fun() -> 1 andalso true end), true andalso 3, not true, true xor true, true and false, x(fun() -> not 3 end)]."#,
    ),
    (
        "c_strings_unicode",
        r#"
main() -> [unicode:characters_to_list(<<"héllo"/utf8>>), unicode:characters_to_binary("héllo"), unicode:characters_to_binary([<<"a">>, "b", [$c]]),
  'hello world', '\'q\'', 'Ab', [1114111], "\t\n\e\\", <<"\x{ff}">>, $\s, $\^a, "a\x{100}b", 'é', 'don''t'] ."#,
    ),
    (
        "c_guards",
        r#"
t(X) when is_integer(X), X rem 2 =:= 0 -> even; t(X) when is_integer(X) -> odd; t(X) when is_atom(X); is_tuple(X) -> at;
t(X) when length(X) > 2 -> long; t(X) when element(1, X) == a -> bad_guard; t(X) when map_size(X) >= 0 -> map; t(_) -> none.
u(X) when X; X == maybe -> yes; u(_) -> no.
main() -> [t(2), t(3), t(a), t({}), t([1,2,3]), t([1]), t(#{}), t(1.5), u(true), u(maybe), u(false), u(3)]."#,
    ),
    (
        "c_deep_recursion",
        r#"
len([]) -> 0; len([_|T]) -> 1 + len(T).
sum(N) -> sum(N, 0). sum(0, A) -> A; sum(N, A) -> sum(N - 1, A + N).
main() -> L = lists:seq_not_here_use(1), L.
"#,
    ),
    (
        "c_exceptions_reasons",
        r#"
t(F) -> try F() catch C:R -> {C, R} end.
f(1) -> one.
main() -> [t(fun() -> f(2) end), t(fun() -> {a} = {b} end), t(fun() -> case 1 of 2 -> x end end), t(fun() -> if 1 > 2 -> x end end),
  t(fun() -> try 1 of 2 -> x catch _ -> y end end), t(fun() -> undefined_module:f() end), element(1, element(2, t(fun() -> (fun(X) -> X end)() end))),
  t(fun() -> erlang:error({custom, 1}) end), t(fun() -> throw({my, term}) end), t(fun() -> exit(normal) end),
  t(fun() -> list_to_atom(123) end), t(fun() -> 1 + [] end), t(fun() -> <<1:8>> = <<1:9>> end)]."#,
    ),
    (
        "c_comprehensions",
        r#"
main() -> [[X * Y || X <- [1,2,3], Y <- [10, 20], X =/= 2], [{K, V} || #{k := K, v := V} <- [#{k => 1, v => 2}, #{k => 3}]],
  [X || {X, true} <- [{1, true}, {2, false}, {3, true}]], << <<B, B>> || <<B>> <= <<"ab">> >>,
  [N || N <- [1, 2, 3, 4, 5, 6], N rem 2 == 0, N > 2], [[] || _ <- [a, b]], [X || X <- []], [{A, B} || A <- [1, 2], B <- [A, A + 1]]]."#,
    ),
    (
        "c_processes",
        r#"
loop(N) -> receive {add, X} -> loop(N + X); {get, P} -> P ! {val, N}, loop(N); stop -> ok end.
main() -> P = spawn(fun() -> loop(0) end), P ! {add, 5}, P ! {add, 7}, P ! {get, self()},
  V = receive {val, X} -> X end, P ! stop,
  self() ! b, self() ! a, First = receive a -> got_a end, Second = receive M -> M end,
  T = receive nothing -> x after 10 -> timeout end,
  Q = spawn_link(fun() -> receive go -> ok end end), process_flag(trap_exit, true),
  Q2 = spawn_link(fun() -> exit(crashed) end), Ex = receive {'EXIT', Q2, R} -> R end,
  {Pm, Ref} = spawn_monitor(fun() -> error(boom) end), Down = receive {'DOWN', Ref, process, Pm, {Rsn, _}} -> Rsn end,
  register(me, self()), me ! hi, Hi = receive hi -> hi end, W = whereis(me) =:= self(), unregister(me),
  Tm = erlang:send_after(5, self(), tick), Tick = receive tick -> tick end,
  Tr = erlang:start_timer(1000, self(), late), Cancel = is_integer(erlang:cancel_timer(Tr)),
  Q ! go, Ex2 = receive {'EXIT', Q, R2} -> R2 end,
  [V, First, Second, T, Ex, Down, Hi, W, is_reference(Tm), Tick, Cancel, Ex2, is_process_alive(P)]."#,
    ),
    (
        "c_kill",
        r#"
spin(N) -> spin(N + 1).
main() -> process_flag(trap_exit, true), P = spawn_link(fun() -> spin(0) end), W = spawn_link(fun() -> receive x -> ok end end),
  C = spawn_link(fun() -> try receive x -> ok end catch _:_ -> caught end end), exit(P, kill), exit(W, die), exit(C, kill),
  R1 = receive {'EXIT', P, R} -> R end, R2 = receive {'EXIT', W, Rw} -> Rw end, R3 = receive {'EXIT', C, Rc} -> Rc end,
  N = spawn(fun() -> exit(self(), normal), ok end), {R1, R2, R3, is_pid(N)}."#,
    ),
    (
        "c_ipv4",
        r#"
-record(ip, {ver, ihl, tos, len, id, flags, frag, ttl, proto, sum, src, dst, opts, payload}).
-define(PROTO_UDP, 17).
parse(<<V:4, IHL:4, Tos, Len:16, Id:16, Fl:3, Frag:13, Ttl, Proto, Sum:16, S1, S2, S3, S4, D:4/binary, Rest/binary>>) when IHL >= 5 ->
  OL = (IHL - 5) * 4, <<Opts:OL/binary, Payload/binary>> = Rest,
  #ip{ver = V, ihl = IHL, tos = Tos, len = Len, id = Id, flags = Fl, frag = Frag, ttl = Ttl, proto = Proto, sum = Sum,
      src = {S1, S2, S3, S4}, dst = list_to_tuple(binary_to_list(D)), opts = Opts, payload = Payload};
parse(_) -> error.
checksum(B) -> checksum(B, 0).
checksum(<<X:16, R/binary>>, A) -> checksum(R, A + X); checksum(<<X>>, A) -> checksum(<<>>, A + (X bsl 8));
checksum(<<>>, A) when A > 16#ffff -> checksum(<<>>, (A band 16#ffff) + (A bsr 16)); checksum(<<>>, A) -> bnot A band 16#ffff.
main() -> H = <<16#45, 0, 0, 32, 0, 1, 16#40, 0, 64, ?PROTO_UDP, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2>>, P = parse(<<H/binary, "payload.....">>),
  [P#ip.src, P#ip.dst, P#ip.proto =:= ?PROTO_UDP, P#ip.payload, checksum(H), parse(<<1, 2>>), P#ip{payload = <<>>, opts = none}]."#,
    ),
    (
        "c_server",
        r#"
start() -> spawn(fun() -> loop(#{}) end).
loop(S) -> receive {put, K, V, From} -> From ! {ok, self()}, loop(S#{K => V});
  {get, K, From} -> From ! {val, self(), maps:get(K, S, none)}, loop(S); {stop, From} -> From ! {bye, maps:size(S)}
  after 500 -> loop(S) end.
call(P, Msg) -> P ! Msg, receive {ok, P} -> ok; {val, P, V} -> V; {bye, N} -> {bye, N} after 1000 -> timeout end.
main() -> P = start(), ok = call(P, {put, a, 1, self()}), ok = call(P, {put, b, [2], self()}),
  [call(P, {get, a, self()}), call(P, {get, b, self()}), call(P, {get, c, self()}), call(P, {stop, self()}),
   receive _ -> extra after 50 -> none end]."#,
    ),
    (
        "c_bignum",
        r#"
fact(0) -> 1; fact(N) -> N * fact(N - 1).
pow(_, 0) -> 1; pow(B, E) -> B * pow(B, E - 1).
main() -> F = fact(30), [F, F div fact(28), F rem 1000007, -F, F band 16#ffff, F bsr 50, (F bsl 3) - F, pow(2, 100) - 1,
  pow(-3, 41), (1 bsl 64) * (1 bsl 64), integer_to_list(F, 16), F > 1.0e30, F == float(F), float(F), 1 bsl 63, -(1 bsl 63), 9223372036854775807 + 1,
  abs(-(1 bsl 70)), (1 bsl 70) div -7, (1 bsl 70) rem -7, -(1 bsl 70) div 7, trunc(1.0e20), round(-1.5e19), fact(20) * 0, F - F]."#,
    ),
    (
        "c_floats",
        r#"
main() -> [0.1, 1.0e-10, 123.456, 1.0e300 * 10, -0.0, 2.0 / 3, 1/3, 100.0, 1000.0, 1.0e16, 3.0e-5, 0.5e-323, 1.7976931348623157e308,
  float_to_list(1.0/3, [{decimals, 10}]), float_to_list(2.5, [{decimals, 0}]), float_to_list(0.125, [{decimals, 2}]),
  float_to_list(-1.5, [{scientific, 2}]), float_to_list(1.0e-200, [short]), float_to_list(123456789012.0, [short]),
  float_to_binary(0.1, [{decimals, 20}]), math:sqrt(2), math:pi(), math:pow(2, 0.5), math:log(10), math:exp(1), round(0.5), trunc(-0.5)]."#,
    ),
    (
        "c_bin_comp_bad_generator",
        r#"
t(F) -> try F() catch C:R -> {C, R} end.
flush() -> receive M -> [M | flush()] after 0 -> [] end.
main() ->
    A = t(fun() -> << begin self() ! X, <<X>> end || X <- [1, 2 | tail] >> end),
    FA = flush(),
    {A, FA, t(fun() -> << <<X, Y>> || X <- [1, 2], Y <- [3 | t] >> end),
     t(fun() -> << <<X, Y>> || X <- [1, 2 | u], Y <- [3] >> end),
     t(fun() -> << <<X>> || X <- [1, 2 | tail], X > 5 >> end),
     t(fun() -> << <<X>> || {X} <- [{1}, 2 | tail] >> end),
     t(fun() -> << <<X:16>> || X <- [1 | tail] >> end),
     t(fun() -> << <<X>> || X <- tail >> end),
     t(fun() -> [X || X <- [1, 2 | tail], X > 5] end),
     t(fun() -> [X || X <- [1, 2], X] end)}."#,
    ),
];

fn erl_available() -> bool {
    Command::new("erl")
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn module_src(name: &str, body: &str) -> String {
    format!("-module({name}).\n-export([main/0]).\n-compile(nowarn_unused_function).\nx(F) -> try F() catch C:R -> {{C, R}} end.\n{body}\n")
}

#[test]
fn engine_agrees_with_otp() {
    assert!(
        erl_available(),
        "this test compares with OTP 25: install erlang-base (erl, erlc)"
    );
    let dir: PathBuf = std::env::temp_dir().join(format!("vm_otp_compare_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // One erlc and one erl for all cases, so OTP start-up is paid once.
    let mut files = Vec::new();
    for (name, body) in CASES {
        let f = dir.join(format!("{name}.erl"));
        std::fs::write(&f, module_src(name, body)).unwrap();
        files.push(f);
    }
    // erlc stops at the first file with an error, so compile each on its own.
    for f in &files {
        let _ = Command::new("erlc")
            .arg("-o")
            .arg(&dir)
            .arg(f)
            .output()
            .unwrap();
    }
    let compiled: Vec<&str> = CASES
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| dir.join(format!("{n}.beam")).exists())
        .collect();
    let mut eval = String::new();
    for n in &compiled {
        eval.push_str(&format!(
            "io:format(\"~s ~w~n\", [{n}, (fun() -> try {n}:main() catch C:R -> {{'EXCEPTION', C, R}} end end)()]), "
        ));
    }
    eval.push_str("halt().");
    let otp = Command::new("erl")
        .arg("-noshell")
        .arg("-pa")
        .arg(&dir)
        .arg("-eval")
        .arg(&eval)
        .output()
        .unwrap();
    let otp_text = String::from_utf8_lossy(&otp.stdout).to_string();
    std::fs::write(
        dir.join("otp_output.txt"),
        format!(
            "{otp_text}\n--- stderr\n{}",
            String::from_utf8_lossy(&otp.stderr)
        ),
    )
    .unwrap();
    let mut failures = Vec::new();
    for (name, _) in CASES {
        let wrapper = dir.join(format!("w_{name}.erl"));
        std::fs::write(
            &wrapper,
            format!(
                "-module(w_{name}).\n-export([main/0]).\nmain() -> V = try {name}:main() catch C:R -> {{'EXCEPTION', C, R}} end, io:put_chars([\"{name} \", io_lib:write(V), \"\\n\"]).\n"
            ),
        )
        .unwrap();
        let ours = vm::run_files(
            &[wrapper, dir.join(format!("{name}.erl"))],
            &format!("w_{name}"),
            "main",
            false,
        );
        let ours_text = String::from_utf8_lossy(&ours.stdout).to_string();
        let expected = otp_text
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .map(|l| format!("{l}\n"));
        match expected {
            Some(e) if e == ours_text => {}
            Some(e) => failures.push(format!(
                "{name}:\n  otp:  {}  ours: {}  stderr: {}",
                e,
                ours_text,
                String::from_utf8_lossy(&ours.stderr)
            )),
            None if otp_text.is_empty() => failures.push(format!(
                "{name}: erl printed nothing; its stderr: {}",
                String::from_utf8_lossy(&otp.stderr)
            )),
            None => {
                // OTP could not compile or run it: we must refuse it too.
                if ours.exit_code == 0 && compiled.contains(name) {
                    failures.push(format!(
                        "{name}: OTP printed nothing, we printed {ours_text}"
                    ));
                }
                if !compiled.contains(name)
                    && ours.exit_code == 0
                    && !ours_text.contains("EXCEPTION")
                {
                    failures.push(format!(
                        "{name}: erlc rejects it but we ran it: {ours_text}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from OTP:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}
