//! Terms count references without atomics, so each OS thread compiles and keeps its own copy
//! of the bundled library. VMs on several threads at once, and several VMs one after another
//! on one thread, must each see a working library and compute the same results.

use std::path::PathBuf;

const SRC: &str = "-module(thr).\n-export([main/0]).\n\
main() -> L = lists:seq(1, 2000), M = maps:from_list([{X, X * X} || X <- L]),\n\
    B = list_to_binary(io_lib:format(\"~p\", [lists:sublist(L, 5)])),\n\
    {lists:sum(maps:values(M)), B, lists:reverse(lists:sort([{b, 2}, {a, 1}]))}.\n";

fn module_file(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vm_threads_{}_{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("thr.erl");
    std::fs::write(&f, SRC).unwrap();
    f
}

const EXPECTED: &str = "{2668667000,<<\"[1,2,3,4,5]\">>,[{b,2},{a,1}]}\n";

#[test]
fn vms_on_parallel_threads_agree() {
    let f = module_file("par");
    let outs: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    // Two VMs per thread: the second reuses the thread's compiled library.
                    (0..2)
                        .map(|_| {
                            let out = vm::run_files(std::slice::from_ref(&f), "thr", "main", true);
                            assert_eq!(
                                out.exit_code,
                                0,
                                "{}",
                                String::from_utf8_lossy(&out.stderr)
                            );
                            String::from_utf8(out.stdout).unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().expect("VM thread"))
            .collect()
    });
    assert_eq!(outs.len(), 8);
    for o in outs {
        assert_eq!(o, EXPECTED);
    }
}
