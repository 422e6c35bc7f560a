-module(proc_ring).
-export([main/0]).

ring(0, Parent) -> Parent;
ring(N, Parent) -> Next = ring(N - 1, Parent), spawn(fun() -> receive {tok, K} -> Next ! {tok, K + 1} end end).
main() ->
    First = ring(100, self()),
    First ! {tok, 0},
    R = receive {tok, K} -> K after 5000 -> timeout end,
    io:format("~p~n", [R]),
    R.
