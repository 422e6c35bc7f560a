-module(native_remote_loops).
-export([main/0, count/2, sum/2, nest/1, app_count/2, app_nest/1, echo/1]).

%% Remote calls of a module's own functions (`?MODULE:f(...)`, `apply(?MODULE, f, [...])`)
%% in hot loops: native code makes a self tail call through the module a jump, and calls
%% the rest natively; values go back to interpreted callers without a hand-back.
main() ->
    A = count(100000, 0),
    B = sum(lists:seq(1, 5000), 0),
    C = {nest(3000), nest(100000)},
    D = app_count(100000, 0),
    E = length(app_nest(3000)),
    %% apply/3 of a BIF and of a function that does not exist, with literal names.
    F = apply(erlang, length, [lists:seq(1, 10)]),
    G = try apply(native_remote_loops, nope, [1]) catch C1:R1 -> {C1, R1} end,
    %% Names in variables: a dynamic call.
    {M, Fn} = {native_remote_loops, echo},
    H = [apply(M, Fn, [X]) || X <- [a, 1, "s"]],
    %% A process looping through ?MODULE, switched out every 2048 calls.
    Self = self(),
    P = spawn(fun() -> Self ! {self(), count(300000, 7)} end),
    I = receive {P, V} -> V end,
    io:format("~p~n", [[A, B, C, D, E, F, G, H, I]]).

count(0, Acc) -> Acc;
count(N, Acc) -> ?MODULE:count(N - 1, Acc + 1).

sum([], Acc) -> Acc;
sum([H | T], Acc) -> ?MODULE:sum(T, Acc + H).

nest(0) -> 0;
nest(N) -> 1 + ?MODULE:nest(N - 1).

app_count(0, Acc) -> Acc;
app_count(N, Acc) -> apply(?MODULE, app_count, [N - 1, Acc + 2]).

app_nest(0) -> [];
app_nest(N) -> [N | apply(?MODULE, app_nest, [N - 1])].

echo(X) -> X.
