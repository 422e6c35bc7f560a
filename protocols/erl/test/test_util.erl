%% Helpers shared by the test modules: hex text, and a deterministic shuffle (the same on OTP
%% and on our VM, so both print the same lines).
-module(test_util).
-export([hex/1, unhex/1, shuffle/2, show/2]).

hex(IoData) ->
    << <<(nibble(N))>> || <<N:4>> <= iolist_to_binary(IoData) >>.

nibble(N) when N < 10 -> $0 + N;
nibble(N) -> $a + N - 10.

unhex(Hex) ->
    << <<(list_to_integer([A, B], 16))>> || <<A, B>> <= iolist_to_binary(Hex) >>.

%% Fisher-Yates driven by the same LCG as fake_link.
shuffle(List, Seed) ->
    T = list_to_tuple(List),
    shuffle(T, tuple_size(T), Seed band 16#7FFFFFFF).

shuffle(T, 1, _X) -> tuple_to_list(T);
shuffle(T, 0, _X) -> tuple_to_list(T);
shuffle(T, I, X) ->
    X2 = (X * 1103515245 + 12345) band 16#7FFFFFFF,
    J = (X2 bsr 8) rem I + 1,
    A = element(I, T),
    B = element(J, T),
    shuffle(setelement(J, setelement(I, T, B), A), I - 1, X2).

%% Prints "Name: Term" on one line.
show(Name, Term) ->
    io:format("~s: ~w~n", [Name, Term]).
