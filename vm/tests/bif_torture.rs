//! Every native BIF, called with hostile arguments: wrong types, negative and huge integers,
//! bignums, floats, improper and deep lists, sub-binaries, bitstrings, maps, funs, pids and
//! references. Each call runs in its own process under `catch`, killed if it takes longer
//! than a moment; whatever it raises is fine, but nothing may reach Rust as a panic or kill
//! the VM (issue 6: "errors never reach Rust as panics ... bad arguments to every BIF").

use std::path::PathBuf;

/// BIFs that end or hijack the whole run rather than raise: stopping the node.
const SKIP: &[(&str, &str)] = &[("erlang", "halt"), ("init", "stop")];

fn torture_module(bifs: &[(&str, &str, usize)]) -> String {
    let list: String = bifs
        .iter()
        .filter(|(m, f, _)| !SKIP.contains(&(*m, *f)))
        .map(|(m, f, a)| format!("{{'{m}', '{f}', {a}}}"))
        .collect::<Vec<_>>()
        .join(",\n    ");
    format!(
        r#"-module(bif_torture).
-export([main/0]).

bifs() -> [{list}].

%% Hostile values; the first few double as the "ordinary" filler for the other positions.
%% The pid is a finished process's: signals to it (exit/2, link/1...) reach nobody, where
%% the caller's own pid would let a call kill the run.
values() ->
    {{Dead, DeadRef}} = spawn_monitor(fun() -> ok end),
    receive {{'DOWN', DeadRef, process, Dead, _}} -> ok end,
    Big = 1 bsl 200,
    Bin = <<"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789">>,
    <<_:3/binary, Sub:40/binary, _/binary>> = Bin,
    [0, a, [], <<>>, 1, -1, 255, 256, 16#7fffffffffffffff, -16#8000000000000000, 1 bsl 40,
     1 bsl 31, -(1 bsl 31), 1 bsl 32, 16#ffffffffffffffff, 1 bsl 62,
     1 bsl 64, Big, -Big, 1.5, -0.0, 1.0e300, "abc", [1, 2 | 3], [a, [b, [c]]],
     [<<"x">>, "y", $z], {{}}, {{a, b, c}}, {{1, {{2, {{3}}}}}}, Bin, Sub, <<1:3>>, #{{}},
     #{{a => 1, {{b}} => [2]}}, fun(X) -> X end, fun lists:reverse/1, Dead, make_ref(),
     [-1], [256], [16#110000], "\x{{10ffff}}", true, undefined, infinity, utf8, latin1,
     lists:seq(1, 100000), deep(10000), binary:copy(<<7>>, 1 bsl 20)].

deep(0) -> [];
deep(N) -> [deep(N - 1)].

main() ->
    Vals = values(),
    Fillers = lists:sublist(Vals, 4),
    Calls = lists:foldl(fun({{M, F, A}}, N) -> N + torture(M, F, A, Vals, Fillers) end, 0, bifs()),
    {{done, Calls}}.

%% Every value in every position (the others a filler), plus pairs of extreme integers in
%% every two positions (offsets and lengths together) with a binary, a list or a tuple in the
%% others.
torture(_M, _F, 0, _Vals, _Fillers) -> 0;
torture(M, F, A, Vals, Fillers) ->
    Ints = [0, -1, 1, 7, 16#7fffffffffffffff, -16#8000000000000000, 1 bsl 64, 1 bsl 32],
    Ps = lists:seq(1, A),
    Sets = [[case J of I -> V; _ -> Fill end || J <- Ps]
            || I <- Ps, V <- Vals, Fill <- Fillers]
        ++ [[case J of I -> X; K -> Y; _ -> Other end || J <- Ps]
            || I <- Ps, K <- Ps, I < K, X <- Ints, Y <- Ints,
               Other <- [<<"abcdefgh">>, "abcdefgh", {{a, b, c}}]],
    lists:foreach(fun(Args) -> isolated(M, F, Args) end, Sets),
    length(Sets).

isolated(M, F, Args) ->
    {{Pid, Ref}} = spawn_monitor(fun() -> catch apply(M, F, Args) end),
    receive {{'DOWN', Ref, process, Pid, _}} -> ok
    after 200 -> exit(Pid, kill), receive {{'DOWN', Ref, process, Pid, _}} -> ok end
    end.
"#
    )
}

#[test]
fn no_bif_panics_on_hostile_arguments() {
    let bifs = vm::native_bifs();
    assert!(bifs.len() > 200, "only {} BIFs", bifs.len());
    let dir = std::env::temp_dir().join(format!("vm-bif-torture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file: PathBuf = dir.join("bif_torture.erl");
    std::fs::write(&file, torture_module(&bifs)).unwrap();
    let out = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || vm::run_files(&[file], "bif_torture", "main", true))
        .unwrap()
        .join();
    let _ = std::fs::remove_dir_all(&dir);
    let out = out.expect("the VM panicked");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    // The result comes last, after whatever the io BIFs printed (perhaps without a newline).
    let at = stdout
        .rfind("{done,")
        .unwrap_or_else(|| panic!("no result in: {stdout}"));
    println!("{} BIFs: {}", bifs.len(), stdout[at..].trim_end());
}
