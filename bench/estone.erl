%% Estone on our VM and on OTP: the 17 micro-benchmarks of OTP's estone_SUITE that need
%% neither ports nor ETS, written here from their published definitions (what each micro
%% does, its weight and its loop count in OTP 25's suite), so the same module runs unchanged
%% under `erl` and under `exo run`.
%%
%% Loop counts. The suite's counts (`base` below) were sized for 1990s machines: each micro
%% takes a few milliseconds on OTP today, too short to time under load. Each micro therefore
%% has its own multiplier (`mult`, chosen so the micro takes at least ~50 ms on OTP 25's JIT
%% on the project's 2-vCPU machine) and the whole run a scale K (`run/1`, default 1):
%% loops = round(base * mult * K), at least 1.
%%
%% Score. OTP's score for one micro is weight^2 * 31,000,000 / microseconds for `base`
%% loops. With S = loops / base, a run does S times the work, so the score is normalised
%% back to the suite's loop count: weight^2 * 31,000,000 * S / microseconds. Scores are then
%% comparable with OTP's own Estone figures, and the total is their sum.
%%
%% Output, one line per micro, then the total:
%%   micro <name> weight <w> loops <n> us <microseconds> score <estones>
%%   total us <microseconds> score <estones>
%% Each micro runs in a fresh process, as the suite does; time comes from
%% erlang:monotonic_time/0, minus the setup time a micro reports (as the suite compensates).
-module(estone).
-export([main/0, run/1, run/2, micros/0]).
%% Entry points spawned or called remotely (as the suite does, so remote calls and
%% spawn/3 are part of what is measured).
-export([lists/1, msgp/1, msgp_medium/1, msgp_huge/1, pattern/1, trav/1,
         large_dataset_work/1, large_local_dataset_work/1, alloc/1, bif_dispatch/1,
         binary_h/1, generic/1, int_arith/1, float_arith/1, fcalls/1, timer/1, links/1]).
-export([p1/1, big_proc/0, very_big/1, gserv/4, handle_call/3, req/2,
         remote0/1, remote1/1, app0/1, app1/1, lproc/1, echo/1, mk_big_procs/1,
         run_one/3]).

%% The suite calls cheap BIFs for their cost and drops the results; so do we.
-compile([nowarn_ignored]).

-define(STONEFACTOR, 31000000).
-define(BIGPROCS, 2).
-define(BIGPROC_SIZE, 50).

%% {Name, Title, Weight, BaseLoops (OTP 25's suite), Multiplier}
micros() ->
    [{lists, "list manipulation", 7, 6400, 1.5},
     {msgp, "small messages", 10, 1515, 0.2},
     {msgp_medium, "medium messages", 14, 1527, 0.2},
     {msgp_huge, "huge messages", 4, 52, 2},
     {pattern, "pattern matching", 5, 1046, 50},
     {trav, "traverse", 4, 2834, 5},
     {large_dataset_work, "work with large dataset", 3, 1193, 8},
     {large_local_dataset_work, "work with large local dataset", 3, 1174, 6},
     {alloc, "alloc and dealloc", 2, 3710, 15},
     {bif_dispatch, "bif dispatch", 8, 5623, 3},
     {binary_h, "binary handling", 4, 581, 1},
     {generic, "generic server (with timeout)", 9, 7977, 0.3},
     {int_arith, "small integer arithmetics", 3, 4157, 20},
     {float_arith, "float arithmetics", 1, 5526, 60},
     {fcalls, "function calls", 5, 882, 5},
     {timer, "timers", 2, 2312, 6},
     {links, "links", 1, 30, 20}].

main() -> run(1).

run(K) -> run(K, all).

%% run(K, Names): only the micros named (all: every one).
run(K, Names) ->
    lists(500),                          % warm up, as the suite does before its first round
    Results = [run_micro(M, K) || {Name, _, _, _, _} = M <- micros(),
                                  Names =:= all orelse lists:member(Name, Names)],
    TotalUs = lists:sum([Us || {Us, _} <- Results]),
    TotalScore = lists:sum([Sc || {_, Sc} <- Results]),
    io:format("total us ~w score ~w~n", [TotalUs, TotalScore]),
    TotalScore.

run_micro({Name, _Title, Weight, Base, Mult}, K) ->
    Loops = max(1, round(Base * Mult * K)),
    Self = self(),
    Pid = spawn(?MODULE, run_one, [Self, Name, Loops]),
    Us = receive {Pid, done, T} -> max(1, T) end,
    Score = (Weight * Weight * ?STONEFACTOR * Loops) div (Us * Base),
    io:format("micro ~w weight ~w loops ~w us ~w score ~w~n",
              [Name, Weight, Loops, Us, Score]),
    {Us, Score}.

run_one(Top, Name, Loops) ->
    T0 = erlang:monotonic_time(),
    Compensate = ?MODULE:Name(Loops),
    T1 = erlang:monotonic_time(),
    Us = erlang:convert_time_unit(T1 - T0, native, microsecond) - Compensate,
    Top ! {self(), done, Us}.

%% ---------------------------------------------------------------- list manipulation
%% Ten naive reverses and ten naive appends of a 39-char string per loop.
lists(I) -> lists(I, lists:duplicate(39, $x), "aaaaaaaaaa").

lists(0, _, _) -> 0;
lists(I, L1, L2) ->
    rev_times(10, L1),
    app_times(10, L1, L2),
    lists(I - 1, L1, L2).

rev_times(0, _) -> done;
rev_times(I, L) -> rev(L, []), rev_times(I - 1, L).

rev([H | T], Acc) -> rev(T, [H | Acc]);
rev([], Acc) -> Acc.

app([H | T], L) -> [H | app(T, L)];
app([], L) -> L.

app_times(0, _, _) -> ok;
app_times(I, L1, L2) -> app(L1, L2), app_times(I - 1, L1, L2).

%% ---------------------------------------------------------------- message passing
%% A chain of relaying processes; 100 round trips through it per loop, fresh chain each loop.
msgp(I) -> chain_rounds(I, {self(), true}, 4).
msgp_medium(I) -> chain_rounds(I, {self(), funky_stuff, baby, {1, [123, true, []], "abcdef"}}, 4).
msgp_huge(I) -> chain_rounds(I, very_big(15), 2).

chain_rounds(0, _, _) -> 0;
chain_rounds(I, Msg, Len) ->
    Head = chain(Len, self()),
    round_trips(100, Head, Msg),
    chain_rounds(I - 1, Msg, Len).

chain(0, To) -> To;
chain(N, To) -> chain(N - 1, spawn(?MODULE, p1, [To])).

p1(To) ->
    receive
        {_From, {message, X}} ->
            To ! {self(), {message, X}},
            p1(To);
        stop ->
            To ! stop,
            exit(normal)
    end.

round_trips(0, P, _) ->
    P ! stop,
    receive stop -> ok end;
round_trips(I, P, Msg) ->
    P ! {self(), {message, Msg}},
    receive {_From, {message, _}} -> round_trips(I - 1, P, Msg) end.

%% ---------------------------------------------------------------- pattern matching
%% Protocol-style clause selection over lists: first elements, guards, many constants.
pattern(0) -> 0;
pattern(I) ->
    P = [0, 1, 2, 3, 4, 5 | "aaabbaaababba"],
    pat1(100, P),
    pat2(100, P),
    pat3(100, P),
    pat4(100, P),
    pat5(100, P),
    pattern(I - 1).

pat1(0, _) -> ok;
pat1(_, [_, _, _, 0 | _]) -> ok;
pat1(_, [_, _, _, 1 | _]) -> ok;
pat1(_, [_, _, _, 2 | _]) -> ok;
pat1(I, [_, X, Y, 3 | T]) -> pat1(I - 1, [0, X, Y, 3 | T]).

pat2(0, _) -> ok;
pat2(_, [_, Y | _]) when Y bsl 1 == 0 -> ok;
pat2(_, [_, Y | _]) when Y bsl 2 == 0 -> ok;
pat2(I, [X, Y | T]) when Y bsl 2 == 4 -> pat2(I - 1, [X, Y | T]).

pat3(0, _) -> ok;
pat3(_, [{c, h} | _]) -> ok;
pat3(_, [1, 0 | _]) -> ok;
pat3(_, [X, _ | _]) when is_binary(X), byte_size(X) == 1 -> ok;
pat3(_, [no, _ | _]) -> ok;
pat3(_, []) -> ok;
pat3(_, [X, _ | _]) when X /= 0 -> ok;
pat3(_, [2, 3 | _]) -> ok;
pat3(_, [1, 2]) -> ok;
pat3(I, [0, 1 | T]) -> pat3(I - 1, [0, 1 | T]).

pat4(0, _) -> ok;
pat4(_, [20 | _]) -> ok;
pat4(_, [219 | _]) -> ok;
pat4(_, [18 | _]) -> ok;
pat4(_, [17 | _]) -> ok;
pat4(_, [16 | _]) -> ok;
pat4(_, [15 | _]) -> ok;
pat4(_, [14 | _]) -> ok;
pat4(_, [13 | _]) -> ok;
pat4(_, [12 | _]) -> ok;
pat4(_, [11 | _]) -> ok;
pat4(_, [10 | _]) -> ok;
pat4(_, [9 | _]) -> ok;
pat4(_, [8 | _]) -> ok;
pat4(_, [7 | _]) -> ok;
pat4(_, [6 | _]) -> ok;
pat4(_, [5 | _]) -> ok;
pat4(_, [4 | _]) -> ok;
pat4(_, [3 | _]) -> ok;
pat4(_, [1 | _]) -> ok;
pat4(_, [21 | _]) -> ok;
pat4(_, [22 | _]) -> ok;
pat4(_, [23 | _]) -> ok;
pat4(_, [24 | _]) -> ok;
pat4(_, [25 | _]) -> ok;
pat4(_, [26 | _]) -> ok;
pat4(_, [27 | _]) -> ok;
pat4(I, [0 | T]) -> pat4(I - 1, [0 | T]).

pat5(0, _) -> ok;
pat5(_, [0, 20 | _]) -> ok;
pat5(_, [0, 19 | _]) -> ok;
pat5(_, [0, 18 | _]) -> ok;
pat5(_, [0, 17 | _]) -> ok;
pat5(_, [0, 16 | _]) -> ok;
pat5(_, [0, 15 | _]) -> ok;
pat5(_, [0, 14 | _]) -> ok;
pat5(_, [0, 13 | _]) -> ok;
pat5(_, [0, 12 | _]) -> ok;
pat5(_, [0, 11 | _]) -> ok;
pat5(_, [0, 10 | _]) -> ok;
pat5(_, [0, 9 | _]) -> ok;
pat5(_, [0, 8 | _]) -> ok;
pat5(_, [0, 7 | _]) -> ok;
pat5(_, [0, 6 | _]) -> ok;
pat5(I, [0, 1 | T]) -> pat5(I - 1, [0, 1 | T]).

%% ---------------------------------------------------------------- traverse
%% Walk a deep term (tuples, lists, integers), counting its integers.
trav(I) -> trav(I, very_big(10)).

trav(0, _) -> 0;
trav(I, T) -> count_ints(T), trav(I - 1, T).

count_ints(T) when is_tuple(T) -> count_elems(T, 1, tuple_size(T) + 1);
count_ints([H | T]) -> count_ints(H) + count_ints(T);
count_ints(X) when is_integer(X) -> 1;
count_ints(_) -> 0.

count_elems(_, P, P) -> 0;
count_elems(T, P, End) -> count_ints(element(P, T)) + count_elems(T, P + 1, End).

%% ---------------------------------------------------------------- large data sets
%% trav + lists while two other processes hold big heaps (not timed: their creation).
large_dataset_work(I) ->
    {Minus, Ps} = timer:tc(?MODULE, mk_big_procs, [?BIGPROCS]),
    trav(I),
    lists(I),
    [P ! stop || P <- Ps],
    Minus.

mk_big_procs(0) -> [];
mk_big_procs(I) ->
    P = spawn(?MODULE, big_proc, []),
    P ! {self(), running},
    receive {P, yes} -> ok end,
    [P | mk_big_procs(I - 1)].

big_proc() ->
    X = very_big(?BIGPROC_SIZE),
    Y = very_big(?BIGPROC_SIZE),
    Z = very_big(?BIGPROC_SIZE),
    receive {From, running} -> From ! {self(), yes} end,
    receive stop -> {X, Y, Z} end.

%% The same work while this process itself holds a big heap.
large_local_dataset_work(I) ->
    {Minus, Data} = timer:tc(?MODULE, very_big, [?BIGPROC_SIZE]),
    trav(I),
    lists(I),
    keep(Data),
    Minus.

keep(Data) -> is_tuple(Data).

%% ---------------------------------------------------------------- alloc
%% Build and drop fourteen small deep terms per loop (allocation and collection).
alloc(0) -> 0;
alloc(I) ->
    _ = very_big(),
    _ = very_big(),
    _ = very_big(),
    _ = [very_big(), very_big(), very_big()],
    _ = very_big(),
    _ = very_big(),
    _ = very_big(),
    _ = very_big(),
    _ = very_big(),
    _ = very_big(),
    _ = very_big(),
    _ = very_big(),
    alloc(I - 1).

%% ---------------------------------------------------------------- bif dispatch
%% Twelve rounds per loop of the cheap BIFs record-heavy code calls.
bif_dispatch(0) -> 0;
bif_dispatch(I) ->
    disp(), disp(), disp(), disp(), disp(), disp(),
    disp(), disp(), disp(), disp(), disp(), disp(),
    bif_dispatch(I - 1).

disp() ->
    Tup = {a},
    L = [x],
    self(), self(), self(), self(), self(), self(), self(), self(), self(),
    make_ref(),
    atom_to_list(''),
    _ = list_to_atom([]),
    tuple_to_list({}),
    _ = list_to_tuple([]),
    element(1, Tup), element(1, Tup), element(1, Tup), element(1, Tup),
    element(1, Tup), element(1, Tup), element(1, Tup), element(1, Tup),
    element(1, Tup), element(1, Tup), element(1, Tup), element(1, Tup),
    element(1, Tup), element(1, Tup), element(1, Tup), element(1, Tup),
    element(1, Tup), element(1, Tup),
    setelement(1, Tup, k), setelement(1, Tup, k), setelement(1, Tup, k),
    setelement(1, Tup, k), setelement(1, Tup, k), setelement(1, Tup, k),
    setelement(1, Tup, k), setelement(1, Tup, k), setelement(1, Tup, k),
    setelement(1, Tup, k), setelement(1, Tup, k), setelement(1, Tup, k),
    _ = setelement(1, Tup, k),
    date(),
    time(),
    put(a, 1),
    get(a),
    erase(a),
    hd(L),
    tl(L),
    length(L), length(L), length(L), length(L),
    node(), node(), node(), node(), node(), node(), node(), node(),
    S = self(),
    node(S), node(S), node(S),
    tuple_size(Tup),
    whereis(code_server), whereis(code_server), whereis(code_server),
    whereis(code_server), whereis(code_server), whereis(code_server),
    whereis(code_server).

%% ---------------------------------------------------------------- generic server
%% 22 synchronous calls per loop to a registered server (receive with a timeout,
%% catch around an apply/3 of the handler).
generic(I) ->
    register(funky, spawn(?MODULE, gserv, [funky, ?MODULE, [], []])),
    g_loop(I).

g_loop(0) ->
    exit(whereis(funky), kill),
    0;
g_loop(I) ->
    calls(4, [abc]), calls(1, [xyz]), calls(10, [abc]), calls(1, [xyz]), calls(6, [abc]),
    g_loop(I - 1).

calls(0, _) -> ok;
calls(N, Req) -> ?MODULE:req(funky, {call, Req}), calls(N - 1, Req).

req(Name, Req) ->
    R = make_ref(),
    Name ! {self(), R, Req},
    receive {Name, R, Reply} -> Reply
    after 2000 -> exit(timeout)
    end.

gserv(Name, Mod, State, Debug) ->
    receive
        {From, Ref, {call, Req}} when Debug == [] ->
            case catch apply(Mod, handle_call, [From, State, Req]) of
                {reply, Reply, State2} ->
                    From ! {Name, Ref, Reply},
                    gserv(Name, Mod, State2, Debug);
                {noreply, State2} ->
                    gserv(Name, Mod, State2, Debug);
                {'EXIT', Reason} ->
                    exit(Reason)
            end;
        {_From, _Ref, _Req} when Debug /= [] ->
            exit(nodebug)
    end.

%% The state grows by one element per [abc] call, as the suite's does.
handle_call(_From, _State, [xyz]) -> {reply, atom_to_list(xyz), []};
handle_call(_From, State, [abc]) -> R = 1 + 3, {reply, R, [R | State]}.

%% ---------------------------------------------------------------- binary handling
%% Send a 2000-byte binary to an echo process and back, split it, convert term to
%% binary and back.
binary_h(I) ->
    T0 = erlang:monotonic_time(),
    P = spawn(?MODULE, echo, [self()]),
    B = list_to_binary(lists:duplicate(2000, 5)),
    T1 = erlang:monotonic_time(),
    bin_loop(I, P, B),
    erlang:convert_time_unit(T1 - T0, native, microsecond).

bin_loop(0, P, _) -> exit(P, kill);
bin_loop(I, P, B) ->
    echo_rounds(20, P, B),
    split_rounds(B, {abc, 1, 2222, self(), "ancnd"}, 100),
    bin_loop(I - 1, P, B).

split_rounds(_, _, 0) -> ok;
split_rounds(B, Term, I) ->
    {X, Y} = split_binary(B, I),
    byte_size(X),
    binary_to_list(Y, 1, 2),
    binary_to_term(term_to_binary(Term)),
    split_rounds(B, Term, I - 1).

echo_rounds(0, _, _) -> ok;
echo_rounds(I, P, B) ->
    send_n(10, P, B),
    recv_n(10),
    echo_rounds(I - 1, P, B).

send_n(0, _, _) -> ok;
send_n(N, P, B) -> P ! B, send_n(N - 1, P, B).

recv_n(0) -> ok;
recv_n(N) -> receive _ -> ok end, recv_n(N - 1).

echo(Pid) ->
    receive X -> Pid ! X, echo(Pid) end.

%% ---------------------------------------------------------------- arithmetic
int_arith(0) -> 0;
int_arith(I) ->
    _ = iarith(I) + iarith(I) + iarith(I) + iarith(I) + iarith(I) + iarith(I)
        + iarith(I) + iarith(I) + iarith(I) + 66,
    int_arith(I - 1).

iarith(I) ->
    iarith2(I) - iarith2(I) - iarith2(I) - iarith2(I) - iarith2(I) - iarith2(I)
        - iarith2(I) - 99.

iarith2(I) ->
    X = 23,
    _ = 789 + I,
    Z = I + 1,
    U = (X bsl 1 bsr I) * X div 2 bsr 4,
    U1 = Z + Z + Z + Z + X bsl 4 * 2 bsl 2,
    Z - U + U1 div 2.

float_arith(0) -> 0;
float_arith(I) ->
    _ = farith(I) + farith(I) + farith(I) + farith(I) + farith(I) + farith(I)
        + farith(I) + farith(I) + farith(I) + 66,
    float_arith(I - 1).

farith(I) ->
    X = 23.4,
    _ = 789.99 + I,
    Z = I + 1.88,
    U = (X * 1 / I) * X / 2 * 4,
    U1 = Z + Z + Z + Z + X * 4 * 2 / 2,
    Z - U + U1 / 2.

%% ---------------------------------------------------------------- function calls
%% Local, remote and apply/3 calls, tail and body recursive, 400 deep each.
fcalls(0) -> 0;
fcalls(I) ->
    local0(400), remote0(400), app0(400),
    local1(400), remote1(400), app1(400),
    fcalls(I - 1).

local0(0) -> 0;
local0(N) -> local0(N - 1).

local1(0) -> 0;
local1(N) -> 1 + local1(N - 1).

remote0(0) -> 0;
remote0(N) -> ?MODULE:remote0(N - 1).

remote1(0) -> 0;
remote1(N) -> 1 + ?MODULE:remote1(N - 1).

app0(0) -> 0;
app0(N) -> apply(?MODULE, app0, [N - 1]).

app1(0) -> 0;
app1(N) -> 1 + apply(?MODULE, app1, [N - 1]).

%% ---------------------------------------------------------------- timers
%% 100 messages to self, each received by a receive with a different `after`: the timer
%% queue is armed and cancelled for every message.
timer(I) -> timer(I, [50, 50, 50, 100, 1000, 3000, 8000, 50000, 100000]).

timer(0, _) -> 0;
timer(N, L) ->
    send_self(100),
    recv_timeouts(100, L, L),
    timer(N - 1, L).

recv_timeouts(0, _, _) -> ok;
recv_timeouts(N, [], L) -> recv_timeouts(N, L, L);
recv_timeouts(N, [Timeout | Tail], L) ->
    receive hi_dude -> recv_timeouts(N - 1, Tail, L)
    after Timeout -> io:format("timer: a message went missing~n"), ok
    end.

send_self(0) -> ok;
send_self(N) -> self() ! hi_dude, send_self(N - 1).

%% ---------------------------------------------------------------- links
%% 100 processes, each linking to and unlinking from all the others, I times.
links(I) ->
    Ps = [spawn_link(?MODULE, lproc, [self()]) || _ <- lists:seq(1, 100)],
    [P ! {procs, Ps, I} || P <- Ps],
    [receive {P, _} -> ok end || P <- Ps],
    0.

%% A process exits as soon as it is done while slower ones may still link to it: they trap
%% exits, so that link gives them an {'EXIT', P, noproc} message, not an error.
lproc(Top) ->
    process_flag(trap_exit, true),
    receive {procs, Ps, I} -> Top ! {self(), lproc(Ps, Ps, link, I)} end.

lproc(_, _, _, 0) -> done;
lproc([], Ps, link, I) -> lproc(Ps, Ps, unlink, I - 1);
lproc([], Ps, unlink, I) -> lproc(Ps, Ps, link, I - 1);
lproc([P | T], Ps, unlink, I) -> unlink(P), lproc(T, Ps, unlink, I);
lproc([P | T], Ps, link, I) -> link(P), lproc(T, Ps, unlink, I).

%% ---------------------------------------------------------------- data
very_big() -> very_big(2).

very_big(0) -> [];
very_big(I) ->
    {1, 2, 3, a, v, f, r, t, y, u, self(), self(), self(),
     "22222222222222222", {{"234", self()}}, [[very_big(I - 1)]]}.
