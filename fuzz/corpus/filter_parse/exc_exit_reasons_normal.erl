-module(exc_exit_reasons_normal).
-export([main/0]).

main() ->
    process_flag(trap_exit, true),
    P1 = spawn_link(fun() -> ok end),
    P2 = spawn_link(fun() -> exit(custom) end),
    P3 = spawn_link(fun() -> error(boom) end),
    Rs = [receive {'EXIT', P, R} -> norm(R) end || P <- [P1, P2, P3]],
    io:format("~p~n", [Rs]),
    Rs.
norm({boom, _Stack}) -> boom_with_stack;
norm(R) -> R.
