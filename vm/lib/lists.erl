%% lists: list processing for the VM, in Erlang.
%%
%% Derived from OTP 25.2's stdlib lists.erl (Apache License 2.0, Ericsson AB): the sort and merge
%% functions in particular must be OTP's own algorithms, because a sort that is merely correct can
%% order equal-comparing terms (1 and 1.0) differently and so print differently. The five BIFs at
%% the top have Erlang fallbacks here; the VM's natives take precedence over them.
-module(lists).

-compile({no_auto_import, [{max, 2}]}).

-compile({no_auto_import, [{min, 2}]}).

-export([keyfind/3, keymember/3, keysearch/3, member/2, reverse/2]).

-export([append/1,
         append/2,
         concat/1,
         delete/2,
         droplast/1,
         duplicate/2,
         enumerate/1,
         enumerate/2,
         flatlength/1,
         flatten/1,
         flatten/2,
         join/2,
         last/1,
         min/1,
         max/1,
         nth/2,
         nthtail/2,
         prefix/2,
         reverse/1,
         seq/2,
         seq/3,
         split/2,
         sublist/2,
         sublist/3,
         subtract/2,
         suffix/2,
         sum/1,
         uniq/1,
         unzip/1,
         unzip3/1,
         zip/2,
         zip3/3]).

-export([keydelete/3, keyreplace/4, keymap/3, keytake/3, keystore/4]).

-export([keymerge/3, keysort/2, ukeymerge/3, ukeysort/2]).

-export([merge/1,
         merge/2,
         merge/3,
         merge3/3,
         sort/1,
         sort/2,
         umerge/1,
         umerge/2,
         umerge/3,
         umerge3/3,
         usort/1,
         usort/2]).

-export([all/2,
         any/2,
         dropwhile/2,
         filter/2,
         filtermap/2,
         flatmap/2,
         foldl/3,
         foldr/3,
         foreach/2,
         map/2,
         mapfoldl/3,
         mapfoldr/3,
         partition/2,
         search/2,
         splitwith/2,
         takewhile/2,
         uniq/2,
         zipwith/3,
         zipwith3/4]).

-export([zf/2]).

-export([rkeymerge/3,
         rmerge/2,
         rmerge/3,
         rmerge3/3,
         rukeymerge/3,
         rumerge/2,
         rumerge/3,
         rumerge3/3]).

%% keyfind/keymember/keysearch/member/reverse/2 are BIFs in OTP and natives in our VM; these
%% Erlang definitions are the fallbacks (and what the OTP comparison test exercises).
%% The key functions compare with ==, member/2 with =:=, exactly as the BIFs do.
keyfind(Key, N, [T | _]) when is_tuple(T), tuple_size(T) >= N, element(N, T) == Key -> T;
keyfind(Key, N, [_ | Ts]) when is_integer(N), N > 0 -> keyfind(Key, N, Ts);
keyfind(_Key, N, []) when is_integer(N), N > 0 -> false;
keyfind(Key, N, L) -> erlang:error(badarg, [Key, N, L]).

keymember(Key, N, L) ->
    try keyfind(Key, N, L) of
        false -> false;
        _ -> true
    catch error:badarg -> erlang:error(badarg, [Key, N, L])
    end.

keysearch(Key, N, L) ->
    try keyfind(Key, N, L) of
        false -> false;
        T -> {value, T}
    catch error:badarg -> erlang:error(badarg, [Key, N, L])
    end.

member(E, L) -> member_1(E, L, L).

member_1(E, [H | _], _L) when H =:= E -> true;
member_1(E, [_ | T], L) -> member_1(E, T, L);
member_1(_E, [], _L) -> false;
member_1(E, _, L) -> erlang:error(badarg, [E, L]).

reverse(L, T) when is_list(L) -> reverse_1(L, T, L);
reverse(L, T) -> erlang:error(badarg, [L, T]).

reverse_1([H | Rest], Acc, L) -> reverse_1(Rest, [H | Acc], L);
reverse_1([], Acc, _L) -> Acc;
reverse_1(_, _Acc, L) -> erlang:error(badarg, [L]).

append(L1, L2) -> L1 ++ L2.

append([E]) -> E;
append([H | T]) -> H ++ append(T);
append([]) -> [].

subtract(L1, L2) -> L1 -- L2.

reverse([] = L) -> L;
reverse([_] = L) -> L;
reverse([A, B]) -> [B, A];
reverse([A, B | L]) -> lists:reverse(L, [B, A]).

nth(1, [H | _]) -> H;
nth(N, [_ | T]) when N > 1 -> nth(N - 1, T).

nthtail(1, [_ | T]) -> T;
nthtail(N, [_ | T]) when N > 1 -> nthtail(N - 1, T);
nthtail(0, L) when is_list(L) -> L.

prefix([X | PreTail], [X | Tail]) -> prefix(PreTail, Tail);
prefix([], List) when is_list(List) -> true;
prefix([_ | _], List) when is_list(List) -> false.

suffix(Suffix, List) ->
    Delta = length(List) - length(Suffix),
    Delta >= 0 andalso nthtail(Delta, List) =:= Suffix.

droplast([_T]) -> [];
droplast([H | T]) -> [H | droplast(T)].

last([E | Es]) -> last(E, Es).

last(_, [E | Es]) -> last(E, Es);
last(E, []) -> E.

seq(First, Last) when is_integer(First), is_integer(Last), First - 1 =< Last ->
    seq_loop(Last - First + 1, Last, []).

seq_loop(N, X, L) when N >= 4 -> seq_loop(N - 4, X - 4, [X - 3, X - 2, X - 1, X | L]);
seq_loop(N, X, L) when N >= 2 -> seq_loop(N - 2, X - 2, [X - 1, X | L]);
seq_loop(1, X, L) -> [X | L];
seq_loop(0, _, L) -> L.

seq(First, Last, Inc)
    when is_integer(First), is_integer(Last), is_integer(Inc),
         Inc > 0 andalso First - Inc =< Last orelse Inc < 0 andalso First - Inc >= Last ->
    N = (Last - First + Inc) div Inc,
    seq_loop(N, Inc * (N - 1) + First, Inc, []);
seq(Same, Same, 0) when is_integer(Same) -> [Same];
seq(First, Last, Inc) ->
    erlang:error(badarg, [First, Last, Inc], [{error_info, #{module => erl_stdlib_errors}}]).

seq_loop(N, X, D, L) when N >= 4 ->
    Y = X - D,
    Z = Y - D,
    W = Z - D,
    seq_loop(N - 4, W - D, D, [W, Z, Y, X | L]);
seq_loop(N, X, D, L) when N >= 2 ->
    Y = X - D,
    seq_loop(N - 2, Y - D, D, [Y, X | L]);
seq_loop(1, X, _, L) -> [X | L];
seq_loop(0, _, _, L) -> L.

sum(L) -> sum(L, 0).

sum([H | T], Sum) -> sum(T, Sum + H);
sum([], Sum) -> Sum.

duplicate(N, X) when is_integer(N), N >= 0 -> duplicate(N, X, []).

duplicate(0, _, L) -> L;
duplicate(N, X, L) -> duplicate(N - 1, X, [X | L]).

min([H | T]) -> min(T, H).

min([H | T], Min) when H < Min -> min(T, H);
min([_ | T], Min) -> min(T, Min);
min([], Min) -> Min.

max([H | T]) -> max(T, H).

max([H | T], Max) when H > Max -> max(T, H);
max([_ | T], Max) -> max(T, Max);
max([], Max) -> Max.

sublist(List, 1, L) when is_list(List), is_integer(L), L >= 0 -> sublist(List, L);
sublist([], S, _L) when is_integer(S), S >= 2 -> [];
sublist([_H | T], S, L) when is_integer(S), S >= 2 -> sublist(T, S - 1, L).

sublist(List, L) when is_integer(L), is_list(List) -> sublist_2(List, L).

sublist_2([H | T], L) when L > 0 -> [H | sublist_2(T, L - 1)];
sublist_2(_, 0) -> [];
sublist_2(List, L) when is_list(List), L > 0 -> [].

delete(Item, [Item | Rest]) -> Rest;
delete(Item, [H | Rest]) -> [H | delete(Item, Rest)];
delete(_, []) -> [].

zip([X | Xs], [Y | Ys]) -> [{X, Y} | zip(Xs, Ys)];
zip([], []) -> [].

unzip(Ts) -> unzip(Ts, [], []).

unzip([{X, Y} | Ts], Xs, Ys) -> unzip(Ts, [X | Xs], [Y | Ys]);
unzip([], Xs, Ys) -> {reverse(Xs), reverse(Ys)}.

zip3([X | Xs], [Y | Ys], [Z | Zs]) -> [{X, Y, Z} | zip3(Xs, Ys, Zs)];
zip3([], [], []) -> [].

unzip3(Ts) -> unzip3(Ts, [], [], []).

unzip3([{X, Y, Z} | Ts], Xs, Ys, Zs) -> unzip3(Ts, [X | Xs], [Y | Ys], [Z | Zs]);
unzip3([], Xs, Ys, Zs) -> {reverse(Xs), reverse(Ys), reverse(Zs)}.

zipwith(F, [X | Xs], [Y | Ys]) -> [F(X, Y) | zipwith(F, Xs, Ys)];
zipwith(F, [], []) when is_function(F, 2) -> [].

zipwith3(F, [X | Xs], [Y | Ys], [Z | Zs]) -> [F(X, Y, Z) | zipwith3(F, Xs, Ys, Zs)];
zipwith3(F, [], [], []) when is_function(F, 3) -> [].

sort([X, Y | L] = L0) when X =< Y ->
    case L of
        [] -> L0;
        [Z] when Y =< Z -> L0;
        [Z] when X =< Z -> [X, Z, Y];
        [Z] -> [Z, X, Y];
        _ when X == Y -> sort_1(Y, L, [X]);
        _ -> split_1(X, Y, L, [], [])
    end;
sort([X, Y | L]) ->
    case L of
        [] -> [Y, X];
        [Z] when X =< Z -> [Y, X | L];
        [Z] when Y =< Z -> [Y, Z, X];
        [Z] -> [Z, Y, X];
        _ -> split_2(X, Y, L, [], [])
    end;
sort([_] = L) -> L;
sort([] = L) -> L.

sort_1(X, [Y | L], R) when X == Y -> sort_1(Y, L, [X | R]);
sort_1(X, [Y | L], R) when X < Y -> split_1(X, Y, L, R, []);
sort_1(X, [Y | L], R) -> split_2(X, Y, L, R, []);
sort_1(X, [], R) -> lists:reverse(R, [X]).

merge(L) -> mergel(L, []).

merge3(L1, [], L3) -> merge(L1, L3);
merge3(L1, L2, []) -> merge(L1, L2);
merge3(L1, [H2 | T2], [H3 | T3]) -> lists:reverse(merge3_1(L1, [], H2, T2, H3, T3), []).

rmerge3(L1, [], L3) -> rmerge(L1, L3);
rmerge3(L1, L2, []) -> rmerge(L1, L2);
rmerge3(L1, [H2 | T2], [H3 | T3]) -> lists:reverse(rmerge3_1(L1, [], H2, T2, H3, T3), []).

merge(T1, []) -> T1;
merge(T1, [H2 | T2]) -> lists:reverse(merge2_1(T1, H2, T2, []), []).

rmerge(T1, []) -> T1;
rmerge(T1, [H2 | T2]) -> lists:reverse(rmerge2_1(T1, H2, T2, []), []).

concat(List) -> flatmap(fun thing_to_list/1, List).

thing_to_list(X) when is_integer(X) -> integer_to_list(X);
thing_to_list(X) when is_float(X) -> float_to_list(X);
thing_to_list(X) when is_atom(X) -> atom_to_list(X);
thing_to_list(X) when is_list(X) -> X.

flatten(List) when is_list(List) -> do_flatten(List, []).

flatten(List, Tail) when is_list(List), is_list(Tail) -> do_flatten(List, Tail).

do_flatten([H | T], Tail) when is_list(H) -> do_flatten(H, do_flatten(T, Tail));
do_flatten([H | T], Tail) -> [H | do_flatten(T, Tail)];
do_flatten([], Tail) -> Tail.

flatlength(List) -> flatlength(List, 0).

flatlength([H | T], L) when is_list(H) -> flatlength(H, flatlength(T, L));
flatlength([_ | T], L) -> flatlength(T, L + 1);
flatlength([], L) -> L.

keydelete(K, N, L) when is_integer(N), N > 0 -> keydelete3(K, N, L).

keydelete3(Key, N, [H | T]) when element(N, H) == Key -> T;
keydelete3(Key, N, [H | T]) -> [H | keydelete3(Key, N, T)];
keydelete3(_, _, []) -> [].

keyreplace(K, N, L, New) when is_integer(N), N > 0, is_tuple(New) ->
    keyreplace3(K, N, L, New).

keyreplace3(Key, Pos, [Tup | Tail], New) when element(Pos, Tup) == Key -> [New | Tail];
keyreplace3(Key, Pos, [H | T], New) -> [H | keyreplace3(Key, Pos, T, New)];
keyreplace3(_, _, [], _) -> [].

keytake(Key, N, L) when is_integer(N), N > 0 -> keytake(Key, N, L, []).

keytake(Key, N, [H | T], L) when element(N, H) == Key -> {value, H, lists:reverse(L, T)};
keytake(Key, N, [H | T], L) -> keytake(Key, N, T, [H | L]);
keytake(_K, _N, [], _L) -> false.

keystore(K, N, L, New) when is_integer(N), N > 0, is_tuple(New) ->
    keystore2(K, N, L, New).

keystore2(Key, N, [H | T], New) when element(N, H) == Key -> [New | T];
keystore2(Key, N, [H | T], New) -> [H | keystore2(Key, N, T, New)];
keystore2(_Key, _N, [], New) -> [New].

keysort(I, L) when is_integer(I), I > 0 ->
    case L of
        [] -> L;
        [_] -> L;
        [X, Y | T] ->
            case {element(I, X), element(I, Y)} of
                {EX, EY} when EX =< EY ->
                    case T of
                        [] -> L;
                        [Z] ->
                            case element(I, Z) of
                                EZ when EY =< EZ -> L;
                                EZ when EX =< EZ -> [X, Z, Y];
                                _EZ -> [Z, X, Y]
                            end;
                        _ when X == Y -> keysort_1(I, Y, EY, T, [X]);
                        _ -> keysplit_1(I, X, EX, Y, EY, T, [], [])
                    end;
                {EX, EY} ->
                    case T of
                        [] -> [Y, X];
                        [Z] ->
                            case element(I, Z) of
                                EZ when EX =< EZ -> [Y, X | T];
                                EZ when EY =< EZ -> [Y, Z, X];
                                _EZ -> [Z, Y, X]
                            end;
                        _ -> keysplit_2(I, X, EX, Y, EY, T, [], [])
                    end
            end
    end.

keysort_1(I, X, EX, [Y | L], R) when X == Y -> keysort_1(I, Y, EX, L, [X | R]);
keysort_1(I, X, EX, [Y | L], R) ->
    case element(I, Y) of
        EY when EX =< EY -> keysplit_1(I, X, EX, Y, EY, L, R, []);
        EY -> keysplit_2(I, X, EX, Y, EY, L, R, [])
    end;
keysort_1(_I, X, _EX, [], R) -> lists:reverse(R, [X]).

keymerge(Index, T1, L2) when is_integer(Index), Index > 0 ->
    case L2 of
        [] -> T1;
        [H2 | T2] ->
            E2 = element(Index, H2),
            M = keymerge2_1(Index, T1, E2, H2, T2, []),
            lists:reverse(M, [])
    end.

rkeymerge(Index, T1, L2) when is_integer(Index), Index > 0 ->
    case L2 of
        [] -> T1;
        [H2 | T2] ->
            E2 = element(Index, H2),
            M = rkeymerge2_1(Index, T1, E2, H2, T2, []),
            lists:reverse(M, [])
    end.

ukeysort(I, L) when is_integer(I), I > 0 ->
    case L of
        [] -> L;
        [_] -> L;
        [X, Y | T] ->
            case {element(I, X), element(I, Y)} of
                {EX, EY} when EX == EY -> ukeysort_1(I, X, EX, T);
                {EX, EY} when EX < EY ->
                    case T of
                        [] -> L;
                        [Z] ->
                            case element(I, Z) of
                                EZ when EY == EZ -> [X, Y];
                                EZ when EY < EZ -> [X, Y, Z];
                                EZ when EZ == EX -> [X, Y];
                                EZ when EX =< EZ -> [X, Z, Y];
                                _EZ -> [Z, X, Y]
                            end;
                        _ -> ukeysplit_1(I, X, EX, Y, EY, T, [], [])
                    end;
                {EX, EY} ->
                    case T of
                        [] -> [Y, X];
                        [Z] ->
                            case element(I, Z) of
                                EZ when EX == EZ -> [Y, X];
                                EZ when EX < EZ -> [Y, X, Z];
                                EZ when EY == EZ -> [Y, X];
                                EZ when EY =< EZ -> [Y, Z, X];
                                _EZ -> [Z, Y, X]
                            end;
                        _ -> ukeysplit_2(I, Y, EY, T, [X])
                    end
            end
    end.

ukeysort_1(I, X, EX, [Y | L]) ->
    case element(I, Y) of
        EY when EX == EY -> ukeysort_1(I, X, EX, L);
        EY when EX < EY -> ukeysplit_1(I, X, EX, Y, EY, L, [], []);
        EY -> ukeysplit_2(I, Y, EY, L, [X])
    end;
ukeysort_1(_I, X, _EX, []) -> [X].

ukeymerge(Index, L1, T2) when is_integer(Index), Index > 0 ->
    case L1 of
        [] -> T2;
        [H1 | T1] ->
            E1 = element(Index, H1),
            M = ukeymerge2_2(Index, T1, E1, H1, T2, []),
            lists:reverse(M, [])
    end.

rukeymerge(Index, T1, L2) when is_integer(Index), Index > 0 ->
    case L2 of
        [] -> T1;
        [H2 | T2] ->
            E2 = element(Index, H2),
            M = rukeymerge2_1(Index, T1, E2, T2, [], H2),
            lists:reverse(M, [])
    end.

keymap(Fun, Index, [Tup | Tail]) ->
    [setelement(Index, Tup, Fun(element(Index, Tup))) | keymap(Fun, Index, Tail)];
keymap(Fun, Index, []) when is_integer(Index), Index >= 1, is_function(Fun, 1) -> [].

enumerate(List1) when is_list(List1) -> enumerate_1(1, List1).

enumerate(Index, List1) when is_integer(Index), is_list(List1) ->
    enumerate_1(Index, List1).

enumerate_1(Index, [H | T]) -> [{Index, H} | enumerate_1(Index + 1, T)];
enumerate_1(_Index, []) -> [].

sort(Fun, []) when is_function(Fun, 2) -> [];
sort(Fun, [_] = L) when is_function(Fun, 2) -> L;
sort(Fun, [X, Y | T]) ->
    case Fun(X, Y) of
        true -> fsplit_1(Y, X, Fun, T, [], []);
        false -> fsplit_2(Y, X, Fun, T, [], [])
    end.

merge(Fun, T1, [H2 | T2]) when is_function(Fun, 2) ->
    lists:reverse(fmerge2_1(T1, H2, Fun, T2, []), []);
merge(Fun, T1, []) when is_function(Fun, 2) -> T1.

rmerge(Fun, T1, [H2 | T2]) when is_function(Fun, 2) ->
    lists:reverse(rfmerge2_1(T1, H2, Fun, T2, []), []);
rmerge(Fun, T1, []) when is_function(Fun, 2) -> T1.

usort(Fun, [_] = L) when is_function(Fun, 2) -> L;
usort(Fun, [] = L) when is_function(Fun, 2) -> L;
usort(Fun, [X | L]) when is_function(Fun, 2) -> usort_1(Fun, X, L).

usort_1(Fun, X, [Y | L]) ->
    case Fun(X, Y) of
        true ->
            case Fun(Y, X) of
                true ->
                    case L of
                        [] -> [X];
                        _ -> usort_1(Fun, X, L)
                    end;
                false -> ufsplit_1(Y, X, Fun, L, [], [])
            end;
        false -> ufsplit_2(Y, L, Fun, [X])
    end.

umerge(Fun, [], T2) when is_function(Fun, 2) -> T2;
umerge(Fun, [H1 | T1], T2) when is_function(Fun, 2) ->
    lists:reverse(ufmerge2_2(H1, T1, Fun, T2, []), []).

rumerge(Fun, T1, []) when is_function(Fun, 2) -> T1;
rumerge(Fun, T1, [H2 | T2]) when is_function(Fun, 2) ->
    lists:reverse(rufmerge2_1(T1, H2, Fun, T2, []), []).

usort([X, Y | L] = L0) when X < Y ->
    case L of
        [] -> L0;
        [Z] when Y < Z -> L0;
        [Z] when Y == Z -> [X, Y];
        [Z] when Z < X -> [Z, X, Y];
        [Z] when Z == X -> [X, Y];
        [Z] -> [X, Z, Y];
        _ -> usplit_1(X, Y, L, [], [])
    end;
usort([X, Y | L]) when X > Y ->
    case L of
        [] -> [Y, X];
        [Z] when X < Z -> [Y, X | L];
        [Z] when X == Z -> [Y, X];
        [Z] when Z < Y -> [Z, Y, X];
        [Z] when Z == Y -> [Y, X];
        [Z] -> [Y, Z, X];
        _ -> usplit_2(X, Y, L, [], [])
    end;
usort([X, _Y | L]) -> usort_1(X, L);
usort([_] = L) -> L;
usort([]) -> [].

usort_1(X, [Y | L]) when X == Y -> usort_1(X, L);
usort_1(X, [Y | L]) when X < Y -> usplit_1(X, Y, L, [], []);
usort_1(X, [Y | L]) -> usplit_2(X, Y, L, [], []);
usort_1(X, []) -> [X].

umerge(L) -> umergel(L).

umerge3(L1, [], L3) -> umerge(L1, L3);
umerge3(L1, L2, []) -> umerge(L1, L2);
umerge3(L1, [H2 | T2], [H3 | T3]) ->
    lists:reverse(umerge3_1(L1, [H2 | H3], T2, H2, [], T3, H3), []).

rumerge3(L1, [], L3) -> rumerge(L1, L3);
rumerge3(L1, L2, []) -> rumerge(L1, L2);
rumerge3(L1, [H2 | T2], [H3 | T3]) ->
    lists:reverse(rumerge3_1(L1, T2, H2, [], T3, H3), []).

umerge([], T2) -> T2;
umerge([H1 | T1], T2) -> lists:reverse(umerge2_2(T1, T2, [], H1), []).

rumerge(T1, []) -> T1;
rumerge(T1, [H2 | T2]) -> lists:reverse(rumerge2_1(T1, T2, [], H2), []).

all(Pred, List) when is_function(Pred, 1) ->
    case List of
        [Hd | Tail] ->
            case Pred(Hd) of
                true -> all_1(Pred, Tail);
                false -> false
            end;
        [] -> true
    end.

all_1(Pred, [Hd | Tail]) ->
    case Pred(Hd) of
        true -> all_1(Pred, Tail);
        false -> false
    end;
all_1(_Pred, []) -> true.

any(Pred, List) when is_function(Pred, 1) ->
    case List of
        [Hd | Tail] ->
            case Pred(Hd) of
                true -> true;
                false -> any_1(Pred, Tail)
            end;
        [] -> false
    end.

any_1(Pred, [Hd | Tail]) ->
    case Pred(Hd) of
        true -> true;
        false -> any_1(Pred, Tail)
    end;
any_1(_Pred, []) -> false.

map(F, List) when is_function(F, 1) ->
    case List of
        [Hd | Tail] -> [F(Hd) | map_1(F, Tail)];
        [] -> []
    end.

map_1(F, [Hd | Tail]) -> [F(Hd) | map_1(F, Tail)];
map_1(_F, []) -> [].

flatmap(F, List) when is_function(F, 1) -> flatmap_1(F, List).

flatmap_1(F, [Hd | Tail]) -> F(Hd) ++ flatmap_1(F, Tail);
flatmap_1(_F, []) -> [].

foldl(F, Accu, List) when is_function(F, 2) ->
    case List of
        [Hd | Tail] -> foldl_1(F, F(Hd, Accu), Tail);
        [] -> Accu
    end.

foldl_1(F, Accu, [Hd | Tail]) -> foldl_1(F, F(Hd, Accu), Tail);
foldl_1(_F, Accu, []) -> Accu.

foldr(F, Accu, List) when is_function(F, 2) -> foldr_1(F, Accu, List).

foldr_1(F, Accu, [Hd | Tail]) -> F(Hd, foldr_1(F, Accu, Tail));
foldr_1(_F, Accu, []) -> Accu.

filter(Pred, List) when is_function(Pred, 1) -> [E || E <- List, Pred(E)].

partition(Pred, L) when is_function(Pred, 1) -> partition_1(Pred, L, [], []).

partition_1(Pred, [H | T], As, Bs) ->
    case Pred(H) of
        true -> partition_1(Pred, T, [H | As], Bs);
        false -> partition_1(Pred, T, As, [H | Bs])
    end;
partition_1(_Pred, [], As, Bs) -> {reverse(As), reverse(Bs)}.

filtermap(F, List) when is_function(F, 1) -> filtermap_1(F, List).

filtermap_1(F, [Hd | Tail]) ->
    case F(Hd) of
        true -> [Hd | filtermap_1(F, Tail)];
        {true, Val} -> [Val | filtermap_1(F, Tail)];
        false -> filtermap_1(F, Tail)
    end;
filtermap_1(_F, []) -> [].

zf(F, L) -> filtermap(F, L).

foreach(F, List) when is_function(F, 1) -> foreach_1(F, List).

foreach_1(F, [Hd | Tail]) ->
    F(Hd),
    foreach_1(F, Tail);
foreach_1(_F, []) -> ok.

mapfoldl(F, Accu, List) when is_function(F, 2) -> mapfoldl_1(F, Accu, List).

mapfoldl_1(F, Accu0, [Hd | Tail]) ->
    {R, Accu1} = F(Hd, Accu0),
    {Rs, Accu2} = mapfoldl_1(F, Accu1, Tail),
    {[R | Rs], Accu2};
mapfoldl_1(_F, Accu, []) -> {[], Accu}.

mapfoldr(F, Accu, List) when is_function(F, 2) -> mapfoldr_1(F, Accu, List).

mapfoldr_1(F, Accu0, [Hd | Tail]) ->
    {Rs, Accu1} = mapfoldr_1(F, Accu0, Tail),
    {R, Accu2} = F(Hd, Accu1),
    {[R | Rs], Accu2};
mapfoldr_1(_F, Accu, []) -> {[], Accu}.

takewhile(Pred, List) when is_function(Pred, 1) -> takewhile_1(Pred, List).

takewhile_1(Pred, [Hd | Tail]) ->
    case Pred(Hd) of
        true -> [Hd | takewhile_1(Pred, Tail)];
        false -> []
    end;
takewhile_1(_Pred, []) -> [].

dropwhile(Pred, List) when is_function(Pred, 1) -> dropwhile_1(Pred, List).

dropwhile_1(Pred, [Hd | Tail] = Rest) ->
    case Pred(Hd) of
        true -> dropwhile_1(Pred, Tail);
        false -> Rest
    end;
dropwhile_1(_Pred, []) -> [].

search(Pred, List) when is_function(Pred, 1) -> search_1(Pred, List).

search_1(Pred, [Hd | Tail]) ->
    case Pred(Hd) of
        true -> {value, Hd};
        false -> search_1(Pred, Tail)
    end;
search_1(_Pred, []) -> false.

splitwith(Pred, List) when is_function(Pred, 1) -> splitwith_1(Pred, List, []).

splitwith_1(Pred, [Hd | Tail], Taken) ->
    case Pred(Hd) of
        true -> splitwith_1(Pred, Tail, [Hd | Taken]);
        false -> {reverse(Taken), [Hd | Tail]}
    end;
splitwith_1(_Pred, [], Taken) -> {reverse(Taken), []}.

split(N, List) when is_integer(N), N >= 0, is_list(List) ->
    case split(N, List, []) of
        {_, _} = Result -> Result;
        Fault when is_atom(Fault) -> erlang:error(Fault, [N, List])
    end;
split(N, List) -> erlang:error(badarg, [N, List]).

split(0, L, R) -> {lists:reverse(R, []), L};
split(N, [H | T], R) -> split(N - 1, T, [H | R]);
split(_, [], _) -> badarg.

join(_Sep, []) -> [];
join(Sep, [H | T]) -> [H | join_prepend(Sep, T)].

join_prepend(_Sep, []) -> [];
join_prepend(Sep, [H | T]) -> [Sep, H | join_prepend(Sep, T)].

-compile({inline, [{merge3_12, 7}, {merge3_21, 7}, {rmerge3_12, 7}, {rmerge3_21, 7}]}).

-compile({inline,
          [{umerge3_12, 8}, {umerge3_21, 8}, {rumerge3_12a, 7}, {rumerge3_12b, 8}]}).

-compile({inline,
          [{keymerge3_12, 12}, {keymerge3_21, 12}, {rkeymerge3_12, 12}, {rkeymerge3_21, 12}]}).

-compile({inline,
          [{ukeymerge3_12, 13},
           {ukeymerge3_21, 13},
           {rukeymerge3_12a, 11},
           {rukeymerge3_21a, 13},
           {rukeymerge3_12b, 12},
           {rukeymerge3_21b, 12}]}).

split_1(X, Y, [Z | L], R, Rs) when Z >= Y -> split_1(Y, Z, L, [X | R], Rs);
split_1(X, Y, [Z | L], R, Rs) when Z >= X -> split_1(Z, Y, L, [X | R], Rs);
split_1(X, Y, [Z | L], [], Rs) -> split_1(X, Y, L, [Z], Rs);
split_1(X, Y, [Z | L], R, Rs) -> split_1_1(X, Y, L, R, Rs, Z);
split_1(X, Y, [], R, Rs) -> rmergel([[Y, X | R] | Rs], []).

split_1_1(X, Y, [Z | L], R, Rs, S) when Z >= Y -> split_1_1(Y, Z, L, [X | R], Rs, S);
split_1_1(X, Y, [Z | L], R, Rs, S) when Z >= X -> split_1_1(Z, Y, L, [X | R], Rs, S);
split_1_1(X, Y, [Z | L], R, Rs, S) when S =< Z -> split_1(S, Z, L, [], [[Y, X | R] | Rs]);
split_1_1(X, Y, [Z | L], R, Rs, S) -> split_1(Z, S, L, [], [[Y, X | R] | Rs]);
split_1_1(X, Y, [], R, Rs, S) -> rmergel([[S], [Y, X | R] | Rs], []).

split_2(X, Y, [Z | L], R, Rs) when Z =< Y -> split_2(Y, Z, L, [X | R], Rs);
split_2(X, Y, [Z | L], R, Rs) when Z =< X -> split_2(Z, Y, L, [X | R], Rs);
split_2(X, Y, [Z | L], [], Rs) -> split_2(X, Y, L, [Z], Rs);
split_2(X, Y, [Z | L], R, Rs) -> split_2_1(X, Y, L, R, Rs, Z);
split_2(X, Y, [], R, Rs) -> mergel([[Y, X | R] | Rs], []).

split_2_1(X, Y, [Z | L], R, Rs, S) when Z =< Y -> split_2_1(Y, Z, L, [X | R], Rs, S);
split_2_1(X, Y, [Z | L], R, Rs, S) when Z =< X -> split_2_1(Z, Y, L, [X | R], Rs, S);
split_2_1(X, Y, [Z | L], R, Rs, S) when S > Z -> split_2(S, Z, L, [], [[Y, X | R] | Rs]);
split_2_1(X, Y, [Z | L], R, Rs, S) -> split_2(Z, S, L, [], [[Y, X | R] | Rs]);
split_2_1(X, Y, [], R, Rs, S) -> mergel([[S], [Y, X | R] | Rs], []).

mergel([[] | L], Acc) -> mergel(L, Acc);
mergel([T1, [H2 | T2], [H3 | T3] | L], Acc) ->
    mergel(L, [merge3_1(T1, [], H2, T2, H3, T3) | Acc]);
mergel([T1, [H2 | T2]], Acc) -> rmergel([merge2_1(T1, H2, T2, []) | Acc], []);
mergel([L], []) -> L;
mergel([L], Acc) -> rmergel([lists:reverse(L, []) | Acc], []);
mergel([], []) -> [];
mergel([], Acc) -> rmergel(Acc, []);
mergel([A, [] | L], Acc) -> mergel([A | L], Acc);
mergel([A, B, [] | L], Acc) -> mergel([A, B | L], Acc).

rmergel([[H3 | T3], [H2 | T2], T1 | L], Acc) ->
    rmergel(L, [rmerge3_1(T1, [], H2, T2, H3, T3) | Acc]);
rmergel([[H2 | T2], T1], Acc) -> mergel([rmerge2_1(T1, H2, T2, []) | Acc], []);
rmergel([L], Acc) -> mergel([lists:reverse(L, []) | Acc], []);
rmergel([], Acc) -> mergel(Acc, []).

merge3_1([H1 | T1], M, H2, T2, H3, T3) when H1 =< H2 ->
    merge3_12(T1, H1, H2, T2, H3, T3, M);
merge3_1([H1 | T1], M, H2, T2, H3, T3) -> merge3_21(T1, H1, H2, T2, H3, T3, M);
merge3_1([], M, H2, T2, H3, T3) when H2 =< H3 -> merge2_1(T2, H3, T3, [H2 | M]);
merge3_1([], M, H2, T2, H3, T3) -> merge2_2(T2, H3, T3, M, H2).

merge3_2(T1, H1, M, [H2 | T2], H3, T3) when H1 =< H2 ->
    merge3_12(T1, H1, H2, T2, H3, T3, M);
merge3_2(T1, H1, M, [H2 | T2], H3, T3) -> merge3_21(T1, H1, H2, T2, H3, T3, M);
merge3_2(T1, H1, M, [], H3, T3) when H1 =< H3 -> merge2_1(T1, H3, T3, [H1 | M]);
merge3_2(T1, H1, M, [], H3, T3) -> merge2_2(T1, H3, T3, M, H1).

merge3_12(T1, H1, H2, T2, H3, T3, M) when H1 =< H3 ->
    merge3_1(T1, [H1 | M], H2, T2, H3, T3);
merge3_12(T1, H1, H2, T2, H3, T3, M) -> merge3_12_3(T1, H1, H2, T2, [H3 | M], T3).

merge3_12_3(T1, H1, H2, T2, M, [H3 | T3]) when H1 =< H3 ->
    merge3_1(T1, [H1 | M], H2, T2, H3, T3);
merge3_12_3(T1, H1, H2, T2, M, [H3 | T3]) -> merge3_12_3(T1, H1, H2, T2, [H3 | M], T3);
merge3_12_3(T1, H1, H2, T2, M, []) -> merge2_1(T1, H2, T2, [H1 | M]).

merge3_21(T1, H1, H2, T2, H3, T3, M) when H2 =< H3 ->
    merge3_2(T1, H1, [H2 | M], T2, H3, T3);
merge3_21(T1, H1, H2, T2, H3, T3, M) -> merge3_21_3(T1, H1, H2, T2, [H3 | M], T3).

merge3_21_3(T1, H1, H2, T2, M, [H3 | T3]) when H2 =< H3 ->
    merge3_2(T1, H1, [H2 | M], T2, H3, T3);
merge3_21_3(T1, H1, H2, T2, M, [H3 | T3]) -> merge3_21_3(T1, H1, H2, T2, [H3 | M], T3);
merge3_21_3(T1, H1, H2, T2, M, []) -> merge2_2(T1, H2, T2, M, H1).

rmerge3_1([H1 | T1], M, H2, T2, H3, T3) when H1 =< H2 ->
    rmerge3_12(T1, H1, H2, T2, H3, T3, M);
rmerge3_1([H1 | T1], M, H2, T2, H3, T3) -> rmerge3_21(T1, H1, H2, T2, H3, T3, M);
rmerge3_1([], M, H2, T2, H3, T3) when H2 =< H3 -> rmerge2_2(T2, H3, T3, M, H2);
rmerge3_1([], M, H2, T2, H3, T3) -> rmerge2_1(T2, H3, T3, [H2 | M]).

rmerge3_2(T1, H1, M, [H2 | T2], H3, T3) when H1 =< H2 ->
    rmerge3_12(T1, H1, H2, T2, H3, T3, M);
rmerge3_2(T1, H1, M, [H2 | T2], H3, T3) -> rmerge3_21(T1, H1, H2, T2, H3, T3, M);
rmerge3_2(T1, H1, M, [], H3, T3) when H1 =< H3 -> rmerge2_2(T1, H3, T3, M, H1);
rmerge3_2(T1, H1, M, [], H3, T3) -> rmerge2_1(T1, H3, T3, [H1 | M]).

rmerge3_12(T1, H1, H2, T2, H3, T3, M) when H2 =< H3 ->
    rmerge3_12_3(T1, H1, H2, T2, [H3 | M], T3);
rmerge3_12(T1, H1, H2, T2, H3, T3, M) -> rmerge3_2(T1, H1, [H2 | M], T2, H3, T3).

rmerge3_12_3(T1, H1, H2, T2, M, [H3 | T3]) when H2 =< H3 ->
    rmerge3_12_3(T1, H1, H2, T2, [H3 | M], T3);
rmerge3_12_3(T1, H1, H2, T2, M, [H3 | T3]) -> rmerge3_2(T1, H1, [H2 | M], T2, H3, T3);
rmerge3_12_3(T1, H1, H2, T2, M, []) -> rmerge2_2(T1, H2, T2, M, H1).

rmerge3_21(T1, H1, H2, T2, H3, T3, M) when H1 =< H3 ->
    rmerge3_21_3(T1, H1, H2, T2, [H3 | M], T3);
rmerge3_21(T1, H1, H2, T2, H3, T3, M) -> rmerge3_1(T1, [H1 | M], H2, T2, H3, T3).

rmerge3_21_3(T1, H1, H2, T2, M, [H3 | T3]) when H1 =< H3 ->
    rmerge3_21_3(T1, H1, H2, T2, [H3 | M], T3);
rmerge3_21_3(T1, H1, H2, T2, M, [H3 | T3]) -> rmerge3_1(T1, [H1 | M], H2, T2, H3, T3);
rmerge3_21_3(T1, H1, H2, T2, M, []) -> rmerge2_1(T1, H2, T2, [H1 | M]).

merge2_1([H1 | T1], H2, T2, M) when H1 =< H2 -> merge2_1(T1, H2, T2, [H1 | M]);
merge2_1([H1 | T1], H2, T2, M) -> merge2_2(T1, H2, T2, M, H1);
merge2_1([], H2, T2, M) -> lists:reverse(T2, [H2 | M]).

merge2_2(T1, HdM, [H2 | T2], M, H1) when H1 =< H2 -> merge2_1(T1, H2, T2, [H1, HdM | M]);
merge2_2(T1, HdM, [H2 | T2], M, H1) -> merge2_2(T1, H2, T2, [HdM | M], H1);
merge2_2(T1, HdM, [], M, H1) -> lists:reverse(T1, [H1, HdM | M]).

rmerge2_1([H1 | T1], H2, T2, M) when H1 =< H2 -> rmerge2_2(T1, H2, T2, M, H1);
rmerge2_1([H1 | T1], H2, T2, M) -> rmerge2_1(T1, H2, T2, [H1 | M]);
rmerge2_1([], H2, T2, M) -> lists:reverse(T2, [H2 | M]).

rmerge2_2(T1, HdM, [H2 | T2], M, H1) when H1 =< H2 ->
    rmerge2_2(T1, H2, T2, [HdM | M], H1);
rmerge2_2(T1, HdM, [H2 | T2], M, H1) -> rmerge2_1(T1, H2, T2, [H1, HdM | M]);
rmerge2_2(T1, HdM, [], M, H1) -> lists:reverse(T1, [H1, HdM | M]).

usplit_1(X, Y, [Z | L], R, Rs) when Z > Y -> usplit_1(Y, Z, L, [X | R], Rs);
usplit_1(X, Y, [Z | L], R, Rs) when Z == Y -> usplit_1(X, Y, L, R, Rs);
usplit_1(X, Y, [Z | L], R, Rs) when Z > X -> usplit_1(Z, Y, L, [X | R], Rs);
usplit_1(X, Y, [Z | L], R, Rs) when Z == X -> usplit_1(X, Y, L, R, Rs);
usplit_1(X, Y, [Z | L], [], Rs) -> usplit_1(X, Y, L, [Z], Rs);
usplit_1(X, Y, [Z | L], R, Rs) -> usplit_1_1(X, Y, L, R, Rs, Z);
usplit_1(X, Y, [], R, Rs) -> rumergel([[Y, X | R] | Rs], [], asc).

usplit_1_1(X, Y, [Z | L], R, Rs, S) when Z > Y -> usplit_1_1(Y, Z, L, [X | R], Rs, S);
usplit_1_1(X, Y, [Z | L], R, Rs, S) when Z == Y -> usplit_1_1(X, Y, L, R, Rs, S);
usplit_1_1(X, Y, [Z | L], R, Rs, S) when Z > X -> usplit_1_1(Z, Y, L, [X | R], Rs, S);
usplit_1_1(X, Y, [Z | L], R, Rs, S) when Z == X -> usplit_1_1(X, Y, L, R, Rs, S);
usplit_1_1(X, Y, [Z | L], R, Rs, S) when Z > S ->
    usplit_1(S, Z, L, [], [[Y, X | R] | Rs]);
usplit_1_1(X, Y, [Z | L], R, Rs, S) when Z == S -> usplit_1_1(X, Y, L, R, Rs, S);
usplit_1_1(X, Y, [Z | L], R, Rs, S) -> usplit_1(Z, S, L, [], [[Y, X | R] | Rs]);
usplit_1_1(X, Y, [], R, Rs, S) -> rumergel([[S], [Y, X | R] | Rs], [], asc).

usplit_2(X, Y, [Z | L], R, Rs) when Z < Y -> usplit_2(Y, Z, L, [X | R], Rs);
usplit_2(X, Y, [Z | L], R, Rs) when Z == Y -> usplit_2(X, Y, L, R, Rs);
usplit_2(X, Y, [Z | L], R, Rs) when Z < X -> usplit_2(Z, Y, L, [X | R], Rs);
usplit_2(X, Y, [Z | L], R, Rs) when Z == X -> usplit_2(X, Y, L, R, Rs);
usplit_2(X, Y, [Z | L], [], Rs) -> usplit_2(X, Y, L, [Z], Rs);
usplit_2(X, Y, [Z | L], R, Rs) -> usplit_2_1(X, Y, L, R, Rs, Z);
usplit_2(X, Y, [], R, Rs) -> umergel([[Y, X | R] | Rs], [], desc).

usplit_2_1(X, Y, [Z | L], R, Rs, S) when Z < Y -> usplit_2_1(Y, Z, L, [X | R], Rs, S);
usplit_2_1(X, Y, [Z | L], R, Rs, S) when Z == Y -> usplit_2_1(X, Y, L, R, Rs, S);
usplit_2_1(X, Y, [Z | L], R, Rs, S) when Z < X -> usplit_2_1(Z, Y, L, [X | R], Rs, S);
usplit_2_1(X, Y, [Z | L], R, Rs, S) when Z == X -> usplit_2_1(X, Y, L, R, Rs, S);
usplit_2_1(X, Y, [Z | L], R, Rs, S) when Z < S ->
    usplit_2(S, Z, L, [], [[Y, X | R] | Rs]);
usplit_2_1(X, Y, [Z | L], R, Rs, S) when Z == S -> usplit_2_1(X, Y, L, R, Rs, S);
usplit_2_1(X, Y, [Z | L], R, Rs, S) -> usplit_2(Z, S, L, [], [[Y, X | R] | Rs]);
usplit_2_1(X, Y, [], R, Rs, S) -> umergel([[S], [Y, X | R] | Rs], [], desc).

umergel(L) -> umergel(L, [], asc).

umergel([[] | L], Acc, O) -> umergel(L, Acc, O);
umergel([T1, [H2 | T2], [H3 | T3] | L], Acc, asc) ->
    umergel(L, [umerge3_1(T1, [H2 | H3], T2, H2, [], T3, H3) | Acc], asc);
umergel([[H3 | T3], [H2 | T2], T1 | L], Acc, desc) ->
    umergel(L, [umerge3_1(T1, [H2 | H3], T2, H2, [], T3, H3) | Acc], desc);
umergel([A, [] | L], Acc, O) -> umergel([A | L], Acc, O);
umergel([A, B, [] | L], Acc, O) -> umergel([A, B | L], Acc, O);
umergel([[H1 | T1], T2 | L], Acc, asc) ->
    umergel(L, [umerge2_2(T1, T2, [], H1) | Acc], asc);
umergel([T2, [H1 | T1] | L], Acc, desc) ->
    umergel(L, [umerge2_2(T1, T2, [], H1) | Acc], desc);
umergel([L], [], _O) -> L;
umergel([L], Acc, O) -> rumergel([lists:reverse(L, []) | Acc], [], O);
umergel([], [], _O) -> [];
umergel([], Acc, O) -> rumergel(Acc, [], O).

rumergel([[H3 | T3], [H2 | T2], T1 | L], Acc, asc) ->
    rumergel(L, [rumerge3_1(T1, T2, H2, [], T3, H3) | Acc], asc);
rumergel([T1, [H2 | T2], [H3 | T3] | L], Acc, desc) ->
    rumergel(L, [rumerge3_1(T1, T2, H2, [], T3, H3) | Acc], desc);
rumergel([[H2 | T2], T1 | L], Acc, asc) ->
    rumergel(L, [rumerge2_1(T1, T2, [], H2) | Acc], asc);
rumergel([T1, [H2 | T2] | L], Acc, desc) ->
    rumergel(L, [rumerge2_1(T1, T2, [], H2) | Acc], desc);
rumergel([L], Acc, O) -> umergel([lists:reverse(L, []) | Acc], [], O);
rumergel([], Acc, O) -> umergel(Acc, [], O).

umerge3_1([H1 | T1], HdM, T2, H2, M, T3, H3) when H1 =< H2 ->
    umerge3_12(T1, H1, T2, H2, M, T3, H3, HdM);
umerge3_1([H1 | T1], HdM, T2, H2, M, T3, H3) when H2 == HdM ->
    umerge3_2(T1, H1, T2, H2, M, T3, H3);
umerge3_1([H1 | T1], HdM, T2, H2, M, T3, H3) ->
    umerge3_21(T1, H1, T2, H2, M, T3, H3, HdM);
umerge3_1([], HdM, T2, H2, M, T3, H3) when H2 == HdM -> umerge2_1(T2, T3, M, HdM, H3);
umerge3_1([], _HdM, T2, H2, M, T3, H3) when H2 =< H3 ->
    umerge2_1(T2, T3, [H2 | M], H2, H3);
umerge3_1([], HdM, T2, H2, M, T3, H3) when H3 == HdM -> umerge2_2(T2, T3, M, H2);
umerge3_1([], _HdM, T2, H2, M, T3, H3) -> umerge2_2(T2, T3, [H3 | M], H2).

umerge3_2(T1, H1, [H2 | T2], HdM, M, T3, H3) when H1 =< H2 ->
    umerge3_12(T1, H1, T2, H2, M, T3, H3, HdM);
umerge3_2(T1, H1, [H2 | T2], HdM, M, T3, H3) ->
    umerge3_21(T1, H1, T2, H2, M, T3, H3, HdM);
umerge3_2(T1, H1, [], _HdM, M, T3, H3) when H1 =< H3 ->
    umerge2_1(T1, T3, [H1 | M], H1, H3);
umerge3_2(T1, H1, [], HdM, M, T3, H3) when H3 == HdM -> umerge2_2(T1, T3, M, H1);
umerge3_2(T1, H1, [], _HdM, M, T3, H3) -> umerge2_2(T1, T3, [H3 | M], H1).

umerge3_12(T1, H1, T2, H2, M, T3, H3, _HdM) when H1 =< H3 ->
    umerge3_1(T1, H1, T2, H2, [H1 | M], T3, H3);
umerge3_12(T1, H1, T2, H2, M, T3, H3, HdM) when H3 == HdM ->
    umerge3_12_3(T1, H1, T2, H2, M, T3);
umerge3_12(T1, H1, T2, H2, M, T3, H3, _HdM) -> umerge3_12_3(T1, H1, T2, H2, [H3 | M], T3).

umerge3_12_3(T1, H1, T2, H2, M, [H3 | T3]) when H1 =< H3 ->
    umerge3_1(T1, H1, T2, H2, [H1 | M], T3, H3);
umerge3_12_3(T1, H1, T2, H2, M, [H3 | T3]) -> umerge3_12_3(T1, H1, T2, H2, [H3 | M], T3);
umerge3_12_3(T1, H1, T2, H2, M, []) -> umerge2_1(T1, T2, [H1 | M], H1, H2).

umerge3_21(T1, H1, T2, H2, M, T3, H3, _HdM) when H2 =< H3 ->
    umerge3_2(T1, H1, T2, H2, [H2 | M], T3, H3);
umerge3_21(T1, H1, T2, H2, M, T3, H3, HdM) when H3 == HdM ->
    umerge3_21_3(T1, H1, T2, H2, M, T3);
umerge3_21(T1, H1, T2, H2, M, T3, H3, _HdM) -> umerge3_21_3(T1, H1, T2, H2, [H3 | M], T3).

umerge3_21_3(T1, H1, T2, H2, M, [H3 | T3]) when H2 =< H3 ->
    umerge3_2(T1, H1, T2, H2, [H2 | M], T3, H3);
umerge3_21_3(T1, H1, T2, H2, M, [H3 | T3]) -> umerge3_21_3(T1, H1, T2, H2, [H3 | M], T3);
umerge3_21_3(T1, H1, T2, H2, M, []) -> umerge2_2(T1, T2, [H2 | M], H1).

rumerge3_1([H1 | T1], T2, H2, M, T3, H3) when H1 =< H2 ->
    rumerge3_12a(T1, H1, T2, H2, M, T3, H3);
rumerge3_1([H1 | T1], T2, H2, M, T3, H3) when H1 =< H3 ->
    rumerge3_21_3(T1, T2, H2, M, T3, H3, H1);
rumerge3_1([H1 | T1], T2, H2, M, T3, H3) -> rumerge3_1(T1, T2, H2, [H1 | M], T3, H3);
rumerge3_1([], T2, H2, M, T3, H3) when H2 =< H3 -> rumerge2_2(T2, T3, M, H3, H2);
rumerge3_1([], T2, H2, M, T3, H3) -> rumerge2_1(T2, T3, [H2 | M], H3).

rumerge3_12a(T1, H1, T2, H2, M, T3, H3) when H2 =< H3 ->
    rumerge3_12_3(T1, T2, H2, M, T3, H3, H1);
rumerge3_12a(T1, H1, T2, H2, M, T3, H3) -> rumerge3_2(T1, T2, H2, M, T3, H3, H1).

rumerge3_2(T1, [H2 | T2], H2M, M, T3, H3, H1) when H1 =< H2 ->
    rumerge3_12b(T1, H1, T2, H2, M, T3, H3, H2M);
rumerge3_2(T1, [H2 | T2], H2M, M, T3, H3, H1) when H1 == H2M ->
    rumerge3_1(T1, T2, H2, [H1 | M], T3, H3);
rumerge3_2(T1, [H2 | T2], H2M, M, T3, H3, H1) when H1 =< H3 ->
    rumerge3_21_3(T1, T2, H2, [H2M | M], T3, H3, H1);
rumerge3_2(T1, [H2 | T2], H2M, M, T3, H3, H1) ->
    rumerge3_1(T1, T2, H2, [H1, H2M | M], T3, H3);
rumerge3_2(T1, [], H2M, M, T3, H3, H1) when H1 == H2M -> rumerge2_1(T1, T3, [H1 | M], H3);
rumerge3_2(T1, [], H2M, M, T3, H3, H1) when H1 =< H3 ->
    rumerge2_2(T1, T3, [H2M | M], H3, H1);
rumerge3_2(T1, [], H2M, M, T3, H3, H1) -> rumerge2_1(T1, T3, [H1, H2M | M], H3).

rumerge3_12b(T1, H1, T2, H2, M, T3, H3, H2M) when H2 =< H3 ->
    rumerge3_12_3(T1, T2, H2, [H2M | M], T3, H3, H1);
rumerge3_12b(T1, H1, T2, H2, M, T3, H3, H2M) ->
    rumerge3_2(T1, T2, H2, [H2M | M], T3, H3, H1).

rumerge3_12_3(T1, T2, H2, M, [H3 | T3], H3M, H1) when H2 =< H3 ->
    rumerge3_12_3(T1, T2, H2, [H3M | M], T3, H3, H1);
rumerge3_12_3(T1, T2, H2, M, [H3 | T3], H3M, H1) when H2 == H3M ->
    rumerge3_2(T1, T2, H2, M, T3, H3, H1);
rumerge3_12_3(T1, T2, H2, M, [H3 | T3], H3M, H1) ->
    rumerge3_2(T1, T2, H2, [H3M | M], T3, H3, H1);
rumerge3_12_3(T1, T2, H2, M, [], H3M, H1) when H2 == H3M -> rumerge2_2(T1, T2, M, H2, H1);
rumerge3_12_3(T1, T2, H2, M, [], H3M, H1) -> rumerge2_2(T1, T2, [H3M | M], H2, H1).

rumerge3_21_3(T1, T2, H2, M, [H3 | T3], H3M, H1) when H1 =< H3 ->
    rumerge3_21_3(T1, T2, H2, [H3M | M], T3, H3, H1);
rumerge3_21_3(T1, T2, H2, M, [H3 | T3], H3M, H1) when H1 == H3M ->
    rumerge3_1(T1, T2, H2, [H1 | M], T3, H3);
rumerge3_21_3(T1, T2, H2, M, [H3 | T3], H3M, H1) ->
    rumerge3_1(T1, T2, H2, [H1, H3M | M], T3, H3);
rumerge3_21_3(T1, T2, H2, M, [], H3M, H1) when H1 == H3M ->
    rumerge2_1(T1, T2, [H1 | M], H2);
rumerge3_21_3(T1, T2, H2, M, [], H3M, H1) -> rumerge2_1(T1, T2, [H1, H3M | M], H2).

umerge2_1([H1 | T1], T2, M, _HdM, H2) when H1 =< H2 ->
    umerge2_1(T1, T2, [H1 | M], H1, H2);
umerge2_1([H1 | T1], T2, M, HdM, H2) when H2 == HdM -> umerge2_2(T1, T2, M, H1);
umerge2_1([H1 | T1], T2, M, _HdM, H2) -> umerge2_2(T1, T2, [H2 | M], H1);
umerge2_1([], T2, M, HdM, H2) when H2 == HdM -> lists:reverse(T2, M);
umerge2_1([], T2, M, _HdM, H2) -> lists:reverse(T2, [H2 | M]).

umerge2_2(T1, [H2 | T2], M, H1) when H1 =< H2 -> umerge2_1(T1, T2, [H1 | M], H1, H2);
umerge2_2(T1, [H2 | T2], M, H1) -> umerge2_2(T1, T2, [H2 | M], H1);
umerge2_2(T1, [], M, H1) -> lists:reverse(T1, [H1 | M]).

rumerge2_1([H1 | T1], T2, M, H2) when H1 =< H2 -> rumerge2_2(T1, T2, M, H2, H1);
rumerge2_1([H1 | T1], T2, M, H2) -> rumerge2_1(T1, T2, [H1 | M], H2);
rumerge2_1([], T2, M, H2) -> lists:reverse(T2, [H2 | M]).

rumerge2_2(T1, [H2 | T2], M, H2M, H1) when H1 =< H2 ->
    rumerge2_2(T1, T2, [H2M | M], H2, H1);
rumerge2_2(T1, [H2 | T2], M, H2M, H1) when H1 == H2M -> rumerge2_1(T1, T2, [H1 | M], H2);
rumerge2_2(T1, [H2 | T2], M, H2M, H1) -> rumerge2_1(T1, T2, [H1, H2M | M], H2);
rumerge2_2(T1, [], M, H2M, H1) when H1 == H2M -> lists:reverse(T1, [H1 | M]);
rumerge2_2(T1, [], M, H2M, H1) -> lists:reverse(T1, [H1, H2M | M]).

keysplit_1(I, X, EX, Y, EY, [Z | L], R, Rs) ->
    case element(I, Z) of
        EZ when EY =< EZ -> keysplit_1(I, Y, EY, Z, EZ, L, [X | R], Rs);
        EZ when EX =< EZ -> keysplit_1(I, Z, EZ, Y, EY, L, [X | R], Rs);
        _EZ when R == [] -> keysplit_1(I, X, EX, Y, EY, L, [Z], Rs);
        EZ -> keysplit_1_1(I, X, EX, Y, EY, EZ, R, Rs, Z, L)
    end;
keysplit_1(I, X, _EX, Y, _EY, [], R, Rs) -> rkeymergel(I, [[Y, X | R] | Rs], [], asc).

keysplit_1_1(I, X, EX, Y, EY, ES, R, Rs, S, [Z | L]) ->
    case element(I, Z) of
        EZ when EY =< EZ -> keysplit_1_1(I, Y, EY, Z, EZ, ES, [X | R], Rs, S, L);
        EZ when EX =< EZ -> keysplit_1_1(I, Z, EZ, Y, EY, ES, [X | R], Rs, S, L);
        EZ when ES =< EZ -> keysplit_1(I, S, ES, Z, EZ, L, [], [[Y, X | R] | Rs]);
        EZ -> keysplit_1(I, Z, EZ, S, ES, L, [], [[Y, X | R] | Rs])
    end;
keysplit_1_1(I, X, _EX, Y, _EY, _ES, R, Rs, S, []) ->
    rkeymergel(I, [[S], [Y, X | R] | Rs], [], asc).

keysplit_2(I, X, EX, Y, EY, [Z | L], R, Rs) ->
    case element(I, Z) of
        EZ when EY > EZ -> keysplit_2(I, Y, EY, Z, EZ, L, [X | R], Rs);
        EZ when EX > EZ -> keysplit_2(I, Z, EZ, Y, EY, L, [X | R], Rs);
        _EZ when R == [] -> keysplit_2(I, X, EX, Y, EY, L, [Z], Rs);
        EZ -> keysplit_2_1(I, X, EX, Y, EY, EZ, R, Rs, Z, L)
    end;
keysplit_2(I, X, _EX, Y, _EY, [], R, Rs) -> keymergel(I, [[Y, X | R] | Rs], [], desc).

keysplit_2_1(I, X, EX, Y, EY, ES, R, Rs, S, [Z | L]) ->
    case element(I, Z) of
        EZ when EY > EZ -> keysplit_2_1(I, Y, EY, Z, EZ, ES, [X | R], Rs, S, L);
        EZ when EX > EZ -> keysplit_2_1(I, Z, EZ, Y, EY, ES, [X | R], Rs, S, L);
        EZ when ES > EZ -> keysplit_2(I, S, ES, Z, EZ, L, [], [[Y, X | R] | Rs]);
        EZ -> keysplit_2(I, Z, EZ, S, ES, L, [], [[Y, X | R] | Rs])
    end;
keysplit_2_1(I, X, _EX, Y, _EY, _ES, R, Rs, S, []) ->
    keymergel(I, [[S], [Y, X | R] | Rs], [], desc).

keymergel(I, [T1, [H2 | T2], [H3 | T3] | L], Acc, O) when O == asc ->
    M = keymerge3_1(I, T1, [], O, element(I, H2), H2, T2, element(I, H3), H3, T3),
    keymergel(I, L, [M | Acc], O);
keymergel(I, [[H3 | T3], [H2 | T2], T1 | L], Acc, O) when O == desc ->
    M = keymerge3_1(I, T1, [], O, element(I, H2), H2, T2, element(I, H3), H3, T3),
    keymergel(I, L, [M | Acc], O);
keymergel(I, [T1, [H2 | T2] | L], Acc, asc) ->
    keymergel(I, L, [keymerge2_1(I, T1, element(I, H2), H2, T2, []) | Acc], asc);
keymergel(I, [[H2 | T2], T1 | L], Acc, desc) ->
    keymergel(I, L, [keymerge2_1(I, T1, element(I, H2), H2, T2, []) | Acc], desc);
keymergel(_I, [L], [], _O) -> L;
keymergel(I, [L], Acc, O) -> rkeymergel(I, [lists:reverse(L, []) | Acc], [], O);
keymergel(I, [], Acc, O) -> rkeymergel(I, Acc, [], O).

rkeymergel(I, [[H3 | T3], [H2 | T2], T1 | L], Acc, O) when O == asc ->
    M = rkeymerge3_1(I, T1, [], O, element(I, H2), H2, T2, element(I, H3), H3, T3),
    rkeymergel(I, L, [M | Acc], O);
rkeymergel(I, [T1, [H2 | T2], [H3 | T3] | L], Acc, O) when O == desc ->
    M = rkeymerge3_1(I, T1, [], O, element(I, H2), H2, T2, element(I, H3), H3, T3),
    rkeymergel(I, L, [M | Acc], O);
rkeymergel(I, [[H2 | T2], T1 | L], Acc, asc) ->
    rkeymergel(I, L, [rkeymerge2_1(I, T1, element(I, H2), H2, T2, []) | Acc], asc);
rkeymergel(I, [T1, [H2 | T2] | L], Acc, desc) ->
    rkeymergel(I, L, [rkeymerge2_1(I, T1, element(I, H2), H2, T2, []) | Acc], desc);
rkeymergel(I, [L], Acc, O) -> keymergel(I, [lists:reverse(L, []) | Acc], [], O);
rkeymergel(I, [], Acc, O) -> keymergel(I, Acc, [], O).

keymerge3_1(I, [H1 | T1], M, D, E2, H2, T2, E3, H3, T3) ->
    case element(I, H1) of
        E1 when E1 =< E2 -> keymerge3_12(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, D);
        E1 -> keymerge3_21(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, T2)
    end;
keymerge3_1(I, [], M, _D, E2, H2, T2, E3, H3, T3) when E2 =< E3 ->
    keymerge2_1(I, T2, E3, H3, T3, [H2 | M]);
keymerge3_1(I, [], M, _D, E2, H2, T2, _E3, H3, T3) ->
    keymerge2_2(I, T2, E2, H3, T3, M, H2).

keymerge3_2(I, E1, H1, T1, [H2 | T2], M, D, E3, H3, T3) ->
    case element(I, H2) of
        E2 when E1 =< E2 -> keymerge3_12(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, T1);
        E2 -> keymerge3_21(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, D)
    end;
keymerge3_2(I, E1, H1, T1, [], M, _D, E3, H3, T3) when E1 =< E3 ->
    keymerge2_1(I, T1, E3, H3, T3, [H1 | M]);
keymerge3_2(I, E1, H1, T1, [], M, _D, _E3, H3, T3) ->
    keymerge2_2(I, T1, E1, H3, T3, M, H1).

keymerge3_12(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, D) when E1 =< E3 ->
    keymerge3_1(I, T1, [H1 | M], D, E2, H2, T2, E3, H3, T3);
keymerge3_12(I, E1, H1, T1, E2, H2, T2, _E3, H3, T3, M, _D) ->
    keymerge3_12_3(I, E1, H1, T1, E2, H2, T2, T3, [H3 | M]).

keymerge3_12_3(I, E1, H1, T1, E2, H2, T2, [H3 | T3], M) ->
    case element(I, H3) of
        E3 when E1 =< E3 -> keymerge3_1(I, T1, [H1 | M], T1, E2, H2, T2, E3, H3, T3);
        _E3 -> keymerge3_12_3(I, E1, H1, T1, E2, H2, T2, T3, [H3 | M])
    end;
keymerge3_12_3(I, _E1, H1, T1, E2, H2, T2, [], M) ->
    keymerge2_1(I, T1, E2, H2, T2, [H1 | M]).

keymerge3_21(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, D) when E2 =< E3 ->
    keymerge3_2(I, E1, H1, T1, T2, [H2 | M], D, E3, H3, T3);
keymerge3_21(I, E1, H1, T1, E2, H2, T2, _E3, H3, T3, M, _D) ->
    keymerge3_21_3(I, E1, H1, T1, E2, H2, T2, T3, [H3 | M]).

keymerge3_21_3(I, E1, H1, T1, E2, H2, T2, [H3 | T3], M) ->
    case element(I, H3) of
        E3 when E2 =< E3 -> keymerge3_2(I, E1, H1, T1, T2, [H2 | M], T2, E3, H3, T3);
        _E3 -> keymerge3_21_3(I, E1, H1, T1, E2, H2, T2, T3, [H3 | M])
    end;
keymerge3_21_3(I, E1, H1, T1, _E2, H2, T2, [], M) ->
    keymerge2_2(I, T1, E1, H2, T2, M, H1).

rkeymerge3_1(I, [H1 | T1], M, D, E2, H2, T2, E3, H3, T3) ->
    case element(I, H1) of
        E1 when E1 =< E2 -> rkeymerge3_12(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, T2);
        E1 -> rkeymerge3_21(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, D)
    end;
rkeymerge3_1(I, [], M, _D, E2, H2, T2, E3, H3, T3) when E2 =< E3 ->
    rkeymerge2_2(I, E2, T2, H3, T3, M, H2);
rkeymerge3_1(I, [], M, _D, _E2, H2, T2, E3, H3, T3) ->
    rkeymerge2_1(I, T2, E3, H3, T3, [H2 | M]).

rkeymerge3_2(I, E1, H1, T1, [H2 | T2], M, D, E3, H3, T3) ->
    case element(I, H2) of
        E2 when E1 =< E2 -> rkeymerge3_12(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, D);
        E2 -> rkeymerge3_21(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, T1)
    end;
rkeymerge3_2(I, E1, H1, T1, [], M, _D, E3, H3, T3) when E1 =< E3 ->
    rkeymerge2_2(I, E1, T1, H3, T3, M, H1);
rkeymerge3_2(I, _E1, H1, T1, [], M, _D, E3, H3, T3) ->
    rkeymerge2_1(I, T1, E3, H3, T3, [H1 | M]).

rkeymerge3_12(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, _D) when E2 =< E3 ->
    rkeymerge3_12_3(I, E1, H1, T1, E2, H2, T2, T3, [H3 | M]);
rkeymerge3_12(I, E1, H1, T1, _E2, H2, T2, E3, H3, T3, M, D) ->
    rkeymerge3_2(I, E1, H1, T1, T2, [H2 | M], D, E3, H3, T3).

rkeymerge3_12_3(I, E1, H1, T1, E2, H2, T2, [H3 | T3], M) ->
    case element(I, H3) of
        E3 when E2 =< E3 -> rkeymerge3_12_3(I, E1, H1, T1, E2, H2, T2, T3, [H3 | M]);
        E3 -> rkeymerge3_2(I, E1, H1, T1, T2, [H2 | M], T2, E3, H3, T3)
    end;
rkeymerge3_12_3(I, E1, H1, T1, _E2, H2, T2, [], M) ->
    rkeymerge2_2(I, E1, T1, H2, T2, M, H1).

rkeymerge3_21(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, _D) when E1 =< E3 ->
    rkeymerge3_21_3(I, E1, H1, T1, E2, H2, T2, T3, [H3 | M]);
rkeymerge3_21(I, _E1, H1, T1, E2, H2, T2, E3, H3, T3, M, D) ->
    rkeymerge3_1(I, T1, [H1 | M], D, E2, H2, T2, E3, H3, T3).

rkeymerge3_21_3(I, E1, H1, T1, E2, H2, T2, [H3 | T3], M) ->
    case element(I, H3) of
        E3 when E1 =< E3 -> rkeymerge3_21_3(I, E1, H1, T1, E2, H2, T2, T3, [H3 | M]);
        E3 -> rkeymerge3_1(I, T1, [H1 | M], T1, E2, H2, T2, E3, H3, T3)
    end;
rkeymerge3_21_3(I, _E1, H1, T1, E2, H2, T2, [], M) ->
    rkeymerge2_1(I, T1, E2, H2, T2, [H1 | M]).

keymerge2_1(I, [H1 | T1], E2, H2, T2, M) ->
    case element(I, H1) of
        E1 when E1 =< E2 -> keymerge2_1(I, T1, E2, H2, T2, [H1 | M]);
        E1 -> keymerge2_2(I, T1, E1, H2, T2, M, H1)
    end;
keymerge2_1(_I, [], _E2, H2, T2, M) -> lists:reverse(T2, [H2 | M]).

keymerge2_2(I, T1, E1, HdM, [H2 | T2], M, H1) ->
    case element(I, H2) of
        E2 when E1 =< E2 -> keymerge2_1(I, T1, E2, H2, T2, [H1, HdM | M]);
        _E2 -> keymerge2_2(I, T1, E1, H2, T2, [HdM | M], H1)
    end;
keymerge2_2(_I, T1, _E1, HdM, [], M, H1) -> lists:reverse(T1, [H1, HdM | M]).

rkeymerge2_1(I, [H1 | T1], E2, H2, T2, M) ->
    case element(I, H1) of
        E1 when E1 =< E2 -> rkeymerge2_2(I, E1, T1, H2, T2, M, H1);
        _E1 -> rkeymerge2_1(I, T1, E2, H2, T2, [H1 | M])
    end;
rkeymerge2_1(_I, [], _E2, H2, T2, M) -> lists:reverse(T2, [H2 | M]).

rkeymerge2_2(I, E1, T1, HdM, [H2 | T2], M, H1) ->
    case element(I, H2) of
        E2 when E1 =< E2 -> rkeymerge2_2(I, E1, T1, H2, T2, [HdM | M], H1);
        E2 -> rkeymerge2_1(I, T1, E2, H2, T2, [H1, HdM | M])
    end;
rkeymerge2_2(_I, _E1, T1, HdM, [], M, H1) -> lists:reverse(T1, [H1, HdM | M]).

ukeysplit_1(I, X, EX, Y, EY, [Z | L], R, Rs) ->
    case element(I, Z) of
        EZ when EY == EZ -> ukeysplit_1(I, X, EX, Y, EY, L, R, Rs);
        EZ when EY < EZ -> ukeysplit_1(I, Y, EY, Z, EZ, L, [X | R], Rs);
        EZ when EX == EZ -> ukeysplit_1(I, X, EX, Y, EY, L, R, Rs);
        EZ when EX < EZ -> ukeysplit_1(I, Z, EZ, Y, EY, L, [X | R], Rs);
        _EZ when R == [] -> ukeysplit_1(I, X, EX, Y, EY, L, [Z], Rs);
        EZ -> ukeysplit_1_1(I, X, EX, Y, EY, L, R, Rs, Z, EZ)
    end;
ukeysplit_1(I, X, _EX, Y, _EY, [], R, Rs) -> rukeymergel(I, [[Y, X | R] | Rs], []).

ukeysplit_1_1(I, X, EX, Y, EY, [Z | L], R, Rs, S, ES) ->
    case element(I, Z) of
        EZ when EY == EZ -> ukeysplit_1_1(I, X, EX, Y, EY, L, R, Rs, S, ES);
        EZ when EY < EZ -> ukeysplit_1_1(I, Y, EY, Z, EZ, L, [X | R], Rs, S, ES);
        EZ when EX == EZ -> ukeysplit_1_1(I, X, EX, Y, EY, L, R, Rs, S, ES);
        EZ when EX < EZ -> ukeysplit_1_1(I, Z, EZ, Y, EY, L, [X | R], Rs, S, ES);
        EZ when ES == EZ -> ukeysplit_1_1(I, X, EX, Y, EY, L, R, Rs, S, ES);
        EZ when ES < EZ -> ukeysplit_1(I, S, ES, Z, EZ, L, [], [[Y, X | R] | Rs]);
        EZ -> ukeysplit_1(I, Z, EZ, S, ES, L, [], [[Y, X | R] | Rs])
    end;
ukeysplit_1_1(I, X, _EX, Y, _EY, [], R, Rs, S, _ES) ->
    rukeymergel(I, [[S], [Y, X | R] | Rs], []).

ukeysplit_2(I, Y, EY, [Z | L], R) ->
    case element(I, Z) of
        EZ when EY == EZ -> ukeysplit_2(I, Y, EY, L, R);
        EZ when EY < EZ -> ukeysplit_1(I, Y, EY, Z, EZ, L, [], [lists:reverse(R, [])]);
        EZ -> ukeysplit_2(I, Z, EZ, L, [Y | R])
    end;
ukeysplit_2(_I, Y, _EY, [], R) -> [Y | R].

ukeymergel(I, [T1, [H2 | T2], [H3 | T3] | L], Acc) ->
    M = ukeymerge3_1(I,
                     T1,
                     Acc,
                     [H2 | H3],
                     element(I, H2),
                     H2,
                     T2,
                     [],
                     element(I, H3),
                     H3,
                     T3),
    ukeymergel(I, L, [M | Acc]);
ukeymergel(I, [[H1 | T1], T2 | L], Acc) ->
    ukeymergel(I, L, [ukeymerge2_2(I, T1, element(I, H1), H1, T2, []) | Acc]);
ukeymergel(_I, [L], []) -> L;
ukeymergel(I, [L], Acc) -> rukeymergel(I, [lists:reverse(L, []) | Acc], []);
ukeymergel(I, [], Acc) -> rukeymergel(I, Acc, []).

rukeymergel(I, [[H3 | T3], [H2 | T2], T1 | L], Acc) ->
    M = rukeymerge3_1(I, T1, Acc, [], element(I, H2), H2, T2, [], element(I, H3), H3, T3),
    rukeymergel(I, L, [M | Acc]);
rukeymergel(I, [[H2 | T2], T1 | L], Acc) ->
    rukeymergel(I, L, [rukeymerge2_1(I, T1, element(I, H2), T2, [], H2) | Acc]);
rukeymergel(I, [L], Acc) -> ukeymergel(I, [lists:reverse(L, []) | Acc], []);
rukeymergel(I, [], Acc) -> ukeymergel(I, Acc, []).

ukeymerge3_1(I, [H1 | T1], D, HdM, E2, H2, T2, M, E3, H3, T3) ->
    case element(I, H1) of
        E1 when E1 =< E2 -> ukeymerge3_12(I, E1, T1, H1, E2, H2, T2, E3, H3, T3, M, HdM, D);
        E1 when E2 == HdM -> ukeymerge3_2(I, E1, T1, H1, T2, HdM, T2, M, E3, H3, T3);
        E1 -> ukeymerge3_21(I, E1, T1, H1, E2, H2, T2, E3, H3, T3, M, HdM, T2)
    end;
ukeymerge3_1(I, [], _D, HdM, E2, _H2, T2, M, E3, H3, T3) when E2 == HdM ->
    ukeymerge2_1(I, T2, E3, HdM, T3, M, H3);
ukeymerge3_1(I, [], _D, _HdM, E2, H2, T2, M, E3, H3, T3) when E2 =< E3 ->
    ukeymerge2_1(I, T2, E3, E2, T3, [H2 | M], H3);
ukeymerge3_1(I, [], _D, HdM, E2, H2, T2, M, E3, _H3, T3) when E3 == HdM ->
    ukeymerge2_2(I, T2, E2, H2, T3, M);
ukeymerge3_1(I, [], _D, _HdM, E2, H2, T2, M, _E3, H3, T3) ->
    ukeymerge2_2(I, T2, E2, H2, T3, [H3 | M]).

ukeymerge3_2(I, E1, T1, H1, [H2 | T2], HdM, D, M, E3, H3, T3) ->
    case element(I, H2) of
        E2 when E1 =< E2 -> ukeymerge3_12(I, E1, T1, H1, E2, H2, T2, E3, H3, T3, M, HdM, T1);
        E2 -> ukeymerge3_21(I, E1, T1, H1, E2, H2, T2, E3, H3, T3, M, HdM, D)
    end;
ukeymerge3_2(I, E1, T1, H1, [], _HdM, _D, M, E3, H3, T3) when E1 =< E3 ->
    ukeymerge2_1(I, T1, E3, E1, T3, [H1 | M], H3);
ukeymerge3_2(I, E1, T1, H1, [], HdM, _D, M, E3, _H3, T3) when E3 == HdM ->
    ukeymerge2_2(I, T1, E1, H1, T3, M);
ukeymerge3_2(I, E1, T1, H1, [], _HdM, _D, M, _E3, H3, T3) ->
    ukeymerge2_2(I, T1, E1, H1, T3, [H3 | M]).

ukeymerge3_12(I, E1, T1, H1, E2, H2, T2, E3, H3, T3, M, _HdM, D) when E1 =< E3 ->
    ukeymerge3_1(I, T1, D, E1, E2, H2, T2, [H1 | M], E3, H3, T3);
ukeymerge3_12(I, E1, T1, H1, E2, H2, T2, E3, _H3, T3, M, HdM, _D) when E3 == HdM ->
    ukeymerge3_12_3(I, E1, T1, H1, E2, H2, T2, M, T3);
ukeymerge3_12(I, E1, T1, H1, E2, H2, T2, _E3, H3, T3, M, _HdM, _D) ->
    ukeymerge3_12_3(I, E1, T1, H1, E2, H2, T2, [H3 | M], T3).

ukeymerge3_12_3(I, E1, T1, H1, E2, H2, T2, M, [H3 | T3]) ->
    case element(I, H3) of
        E3 when E1 =< E3 -> ukeymerge3_1(I, T1, T1, E1, E2, H2, T2, [H1 | M], E3, H3, T3);
        _E3 -> ukeymerge3_12_3(I, E1, T1, H1, E2, H2, T2, [H3 | M], T3)
    end;
ukeymerge3_12_3(I, E1, T1, H1, E2, H2, T2, M, []) ->
    ukeymerge2_1(I, T1, E2, E1, T2, [H1 | M], H2).

ukeymerge3_21(I, E1, T1, H1, E2, H2, T2, E3, H3, T3, M, _HdM, D) when E2 =< E3 ->
    ukeymerge3_2(I, E1, T1, H1, T2, E2, D, [H2 | M], E3, H3, T3);
ukeymerge3_21(I, E1, T1, H1, E2, H2, T2, E3, _H3, T3, M, HdM, _D) when E3 == HdM ->
    ukeymerge3_21_3(I, E1, T1, H1, E2, H2, T2, M, T3);
ukeymerge3_21(I, E1, T1, H1, E2, H2, T2, _E3, H3, T3, M, _HdM, _D) ->
    ukeymerge3_21_3(I, E1, T1, H1, E2, H2, T2, [H3 | M], T3).

ukeymerge3_21_3(I, E1, T1, H1, E2, H2, T2, M, [H3 | T3]) ->
    case element(I, H3) of
        E3 when E2 =< E3 -> ukeymerge3_2(I, E1, T1, H1, T2, E2, T2, [H2 | M], E3, H3, T3);
        _E3 -> ukeymerge3_21_3(I, E1, T1, H1, E2, H2, T2, [H3 | M], T3)
    end;
ukeymerge3_21_3(I, E1, T1, H1, _E2, H2, T2, M, []) ->
    ukeymerge2_2(I, T1, E1, H1, T2, [H2 | M]).

rukeymerge3_1(I, [H1 | T1], D1, D2, E2, H2, T2, M, E3, H3, T3) ->
    case element(I, H1) of
        E1 when E1 =< E2 -> rukeymerge3_12a(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M);
        E1 -> rukeymerge3_21a(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, D1, D2)
    end;
rukeymerge3_1(I, [], _D1, _D2, E2, H2, T2, M, E3, H3, T3) when E2 =< E3 ->
    rukeymerge2_2(I, T2, E2, T3, M, E3, H3, H2);
rukeymerge3_1(I, [], _D1, _D2, _E2, H2, T2, M, E3, H3, T3) ->
    rukeymerge2_1(I, T2, E3, T3, [H2 | M], H3).

rukeymerge3_12a(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M) when E2 =< E3 ->
    rukeymerge3_12_3(I, E1, H1, T1, E2, H2, T2, M, E3, H3, T3);
rukeymerge3_12a(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M) ->
    rukeymerge3_2(I, E1, H1, T1, T2, H2, E2, M, E3, H3, T3).

rukeymerge3_21a(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, _D1, _D2) when E1 =< E3 ->
    rukeymerge3_21_3(I, E1, H1, T1, E2, H2, T2, M, E3, H3, T3);
rukeymerge3_21a(I, _E1, H1, T1, E2, H2, T2, E3, H3, T3, M, D1, D2) ->
    rukeymerge3_1(I, T1, D1, D2, E2, H2, T2, [H1 | M], E3, H3, T3).

rukeymerge3_2(I, E1, H1, T1, [H2 | T2], H2M, E2M, M, E3, H3, T3) ->
    case element(I, H2) of
        E2 when E1 =< E2 -> rukeymerge3_12b(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, H2M);
        E2 when E1 == E2M -> rukeymerge3_1(I, T1, H1, T1, E2, H2, T2, [H1 | M], E3, H3, T3);
        E2 -> rukeymerge3_21b(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, H2M)
    end;
rukeymerge3_2(I, E1, H1, T1, [], _H2M, E2M, M, E3, H3, T3) when E1 == E2M ->
    rukeymerge2_1(I, T1, E3, T3, [H1 | M], H3);
rukeymerge3_2(I, E1, H1, T1, [], H2M, _E2M, M, E3, H3, T3) when E1 =< E3 ->
    rukeymerge2_2(I, T1, E1, T3, [H2M | M], E3, H3, H1);
rukeymerge3_2(I, _E1, H1, T1, [], H2M, _E2M, M, E3, H3, T3) ->
    rukeymerge2_1(I, T1, E3, T3, [H1, H2M | M], H3).

rukeymerge3_12b(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, H2M) when E2 =< E3 ->
    rukeymerge3_12_3(I, E1, H1, T1, E2, H2, T2, [H2M | M], E3, H3, T3);
rukeymerge3_12b(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, H2M) ->
    rukeymerge3_2(I, E1, H1, T1, T2, H2, E2, [H2M | M], E3, H3, T3).

rukeymerge3_21b(I, E1, H1, T1, E2, H2, T2, E3, H3, T3, M, H2M) when E1 =< E3 ->
    rukeymerge3_21_3(I, E1, H1, T1, E2, H2, T2, [H2M | M], E3, H3, T3);
rukeymerge3_21b(I, _E1, H1, T1, E2, H2, T2, E3, H3, T3, M, H2M) ->
    rukeymerge3_1(I, T1, H1, T1, E2, H2, T2, [H1, H2M | M], E3, H3, T3).

rukeymerge3_12_3(I, E1, H1, T1, E2, H2, T2, M, E3M, H3M, [H3 | T3]) ->
    case element(I, H3) of
        E3 when E2 =< E3 -> rukeymerge3_12_3(I, E1, H1, T1, E2, H2, T2, [H3M | M], E3, H3, T3);
        E3 when E2 == E3M -> rukeymerge3_2(I, E1, H1, T1, T2, H2, E2, M, E3, H3, T3);
        E3 -> rukeymerge3_2(I, E1, H1, T1, T2, H2, E2, [H3M | M], E3, H3, T3)
    end;
rukeymerge3_12_3(I, E1, H1, T1, E2, H2, T2, M, E3M, _H3M, []) when E2 == E3M ->
    rukeymerge2_2(I, T1, E1, T2, M, E2, H2, H1);
rukeymerge3_12_3(I, E1, H1, T1, E2, H2, T2, M, _E3M, H3M, []) ->
    rukeymerge2_2(I, T1, E1, T2, [H3M | M], E2, H2, H1).

rukeymerge3_21_3(I, E1, H1, T1, E2, H2, T2, M, E3M, H3M, [H3 | T3]) ->
    case element(I, H3) of
        E3 when E1 =< E3 -> rukeymerge3_21_3(I, E1, H1, T1, E2, H2, T2, [H3M | M], E3, H3, T3);
        E3 when E1 == E3M -> rukeymerge3_1(I, T1, H1, T1, E2, H2, T2, [H1 | M], E3, H3, T3);
        E3 -> rukeymerge3_1(I, T1, H1, T1, E2, H2, T2, [H1, H3M | M], E3, H3, T3)
    end;
rukeymerge3_21_3(I, E1, H1, T1, E2, H2, T2, M, E3M, _H3M, []) when E1 == E3M ->
    rukeymerge2_1(I, T1, E2, T2, [H1 | M], H2);
rukeymerge3_21_3(I, _E1, H1, T1, E2, H2, T2, M, _E3M, H3M, []) ->
    rukeymerge2_1(I, T1, E2, T2, [H1, H3M | M], H2).

ukeymerge2_1(I, [H1 | T1], E2, HdM, T2, M, H2) ->
    case element(I, H1) of
        E1 when E1 =< E2 -> ukeymerge2_1(I, T1, E2, E1, T2, [H1 | M], H2);
        E1 when E2 == HdM -> ukeymerge2_2(I, T1, E1, H1, T2, M);
        E1 -> ukeymerge2_2(I, T1, E1, H1, T2, [H2 | M])
    end;
ukeymerge2_1(_I, [], E2, HdM, T2, M, _H2) when E2 == HdM -> lists:reverse(T2, M);
ukeymerge2_1(_I, [], _E2, _HdM, T2, M, H2) -> lists:reverse(T2, [H2 | M]).

ukeymerge2_2(I, T1, E1, H1, [H2 | T2], M) ->
    case element(I, H2) of
        E2 when E1 =< E2 -> ukeymerge2_1(I, T1, E2, E1, T2, [H1 | M], H2);
        _E2 -> ukeymerge2_2(I, T1, E1, H1, T2, [H2 | M])
    end;
ukeymerge2_2(_I, T1, _E1, H1, [], M) -> lists:reverse(T1, [H1 | M]).

rukeymerge2_1(I, [H1 | T1], E2, T2, M, H2) ->
    case element(I, H1) of
        E1 when E1 =< E2 -> rukeymerge2_2(I, T1, E1, T2, M, E2, H2, H1);
        _E1 -> rukeymerge2_1(I, T1, E2, T2, [H1 | M], H2)
    end;
rukeymerge2_1(_I, [], _E2, T2, M, H2) -> lists:reverse(T2, [H2 | M]).

rukeymerge2_2(I, T1, E1, [H2 | T2], M, E2M, H2M, H1) ->
    case element(I, H2) of
        E2 when E1 =< E2 -> rukeymerge2_2(I, T1, E1, T2, [H2M | M], E2, H2, H1);
        E2 when E1 == E2M -> rukeymerge2_1(I, T1, E2, T2, [H1 | M], H2);
        E2 -> rukeymerge2_1(I, T1, E2, T2, [H1, H2M | M], H2)
    end;
rukeymerge2_2(_I, T1, E1, [], M, E2M, _H2M, H1) when E1 == E2M ->
    lists:reverse(T1, [H1 | M]);
rukeymerge2_2(_I, T1, _E1, [], M, _E2M, H2M, H1) -> lists:reverse(T1, [H1, H2M | M]).

fsplit_1(Y, X, Fun, [Z | L], R, Rs) ->
    case Fun(Y, Z) of
        true -> fsplit_1(Z, Y, Fun, L, [X | R], Rs);
        false ->
            case Fun(X, Z) of
                true -> fsplit_1(Y, Z, Fun, L, [X | R], Rs);
                false when R == [] -> fsplit_1(Y, X, Fun, L, [Z], Rs);
                false -> fsplit_1_1(Y, X, Fun, L, R, Rs, Z)
            end
    end;
fsplit_1(Y, X, Fun, [], R, Rs) -> rfmergel([[Y, X | R] | Rs], [], Fun, asc).

fsplit_1_1(Y, X, Fun, [Z | L], R, Rs, S) ->
    case Fun(Y, Z) of
        true -> fsplit_1_1(Z, Y, Fun, L, [X | R], Rs, S);
        false ->
            case Fun(X, Z) of
                true -> fsplit_1_1(Y, Z, Fun, L, [X | R], Rs, S);
                false ->
                    case Fun(S, Z) of
                        true -> fsplit_1(Z, S, Fun, L, [], [[Y, X | R] | Rs]);
                        false -> fsplit_1(S, Z, Fun, L, [], [[Y, X | R] | Rs])
                    end
            end
    end;
fsplit_1_1(Y, X, Fun, [], R, Rs, S) -> rfmergel([[S], [Y, X | R] | Rs], [], Fun, asc).

fsplit_2(Y, X, Fun, [Z | L], R, Rs) ->
    case Fun(Y, Z) of
        false -> fsplit_2(Z, Y, Fun, L, [X | R], Rs);
        true ->
            case Fun(X, Z) of
                false -> fsplit_2(Y, Z, Fun, L, [X | R], Rs);
                true when R == [] -> fsplit_2(Y, X, Fun, L, [Z], Rs);
                true -> fsplit_2_1(Y, X, Fun, L, R, Rs, Z)
            end
    end;
fsplit_2(Y, X, Fun, [], R, Rs) -> fmergel([[Y, X | R] | Rs], [], Fun, desc).

fsplit_2_1(Y, X, Fun, [Z | L], R, Rs, S) ->
    case Fun(Y, Z) of
        false -> fsplit_2_1(Z, Y, Fun, L, [X | R], Rs, S);
        true ->
            case Fun(X, Z) of
                false -> fsplit_2_1(Y, Z, Fun, L, [X | R], Rs, S);
                true ->
                    case Fun(S, Z) of
                        false -> fsplit_2(Z, S, Fun, L, [], [[Y, X | R] | Rs]);
                        true -> fsplit_2(S, Z, Fun, L, [], [[Y, X | R] | Rs])
                    end
            end
    end;
fsplit_2_1(Y, X, Fun, [], R, Rs, S) -> fmergel([[S], [Y, X | R] | Rs], [], Fun, desc).

fmergel([T1, [H2 | T2] | L], Acc, Fun, asc) ->
    fmergel(L, [fmerge2_1(T1, H2, Fun, T2, []) | Acc], Fun, asc);
fmergel([[H2 | T2], T1 | L], Acc, Fun, desc) ->
    fmergel(L, [fmerge2_1(T1, H2, Fun, T2, []) | Acc], Fun, desc);
fmergel([L], [], _Fun, _O) -> L;
fmergel([L], Acc, Fun, O) -> rfmergel([lists:reverse(L, []) | Acc], [], Fun, O);
fmergel([], Acc, Fun, O) -> rfmergel(Acc, [], Fun, O).

rfmergel([[H2 | T2], T1 | L], Acc, Fun, asc) ->
    rfmergel(L, [rfmerge2_1(T1, H2, Fun, T2, []) | Acc], Fun, asc);
rfmergel([T1, [H2 | T2] | L], Acc, Fun, desc) ->
    rfmergel(L, [rfmerge2_1(T1, H2, Fun, T2, []) | Acc], Fun, desc);
rfmergel([L], Acc, Fun, O) -> fmergel([lists:reverse(L, []) | Acc], [], Fun, O);
rfmergel([], Acc, Fun, O) -> fmergel(Acc, [], Fun, O).

fmerge2_1([H1 | T1], H2, Fun, T2, M) ->
    case Fun(H1, H2) of
        true -> fmerge2_1(T1, H2, Fun, T2, [H1 | M]);
        false -> fmerge2_2(H1, T1, Fun, T2, [H2 | M])
    end;
fmerge2_1([], H2, _Fun, T2, M) -> lists:reverse(T2, [H2 | M]).

fmerge2_2(H1, T1, Fun, [H2 | T2], M) ->
    case Fun(H1, H2) of
        true -> fmerge2_1(T1, H2, Fun, T2, [H1 | M]);
        false -> fmerge2_2(H1, T1, Fun, T2, [H2 | M])
    end;
fmerge2_2(H1, T1, _Fun, [], M) -> lists:reverse(T1, [H1 | M]).

rfmerge2_1([H1 | T1], H2, Fun, T2, M) ->
    case Fun(H1, H2) of
        true -> rfmerge2_2(H1, T1, Fun, T2, [H2 | M]);
        false -> rfmerge2_1(T1, H2, Fun, T2, [H1 | M])
    end;
rfmerge2_1([], H2, _Fun, T2, M) -> lists:reverse(T2, [H2 | M]).

rfmerge2_2(H1, T1, Fun, [H2 | T2], M) ->
    case Fun(H1, H2) of
        true -> rfmerge2_2(H1, T1, Fun, T2, [H2 | M]);
        false -> rfmerge2_1(T1, H2, Fun, T2, [H1 | M])
    end;
rfmerge2_2(H1, T1, _Fun, [], M) -> lists:reverse(T1, [H1 | M]).

ufsplit_1(Y, X, Fun, [Z | L], R, Rs) ->
    case Fun(Y, Z) of
        true ->
            case Fun(Z, Y) of
                true -> ufsplit_1(Y, X, Fun, L, R, Rs);
                false -> ufsplit_1(Z, Y, Fun, L, [X | R], Rs)
            end;
        false ->
            case Fun(X, Z) of
                true ->
                    case Fun(Z, X) of
                        true -> ufsplit_1(Y, X, Fun, L, R, Rs);
                        false -> ufsplit_1(Y, Z, Fun, L, [X | R], Rs)
                    end;
                false when R == [] -> ufsplit_1(Y, X, Fun, L, [Z], Rs);
                false -> ufsplit_1_1(Y, X, Fun, L, R, Rs, Z)
            end
    end;
ufsplit_1(Y, X, Fun, [], R, Rs) -> rufmergel([[Y, X | R] | Rs], [], Fun).

ufsplit_1_1(Y, X, Fun, [Z | L], R, Rs, S) ->
    case Fun(Y, Z) of
        true ->
            case Fun(Z, Y) of
                true -> ufsplit_1_1(Y, X, Fun, L, R, Rs, S);
                false -> ufsplit_1_1(Z, Y, Fun, L, [X | R], Rs, S)
            end;
        false ->
            case Fun(X, Z) of
                true ->
                    case Fun(Z, X) of
                        true -> ufsplit_1_1(Y, X, Fun, L, R, Rs, S);
                        false -> ufsplit_1_1(Y, Z, Fun, L, [X | R], Rs, S)
                    end;
                false ->
                    case Fun(S, Z) of
                        true ->
                            case Fun(Z, S) of
                                true -> ufsplit_1_1(Y, X, Fun, L, R, Rs, S);
                                false -> ufsplit_1(Z, S, Fun, L, [], [[Y, X | R] | Rs])
                            end;
                        false -> ufsplit_1(S, Z, Fun, L, [], [[Y, X | R] | Rs])
                    end
            end
    end;
ufsplit_1_1(Y, X, Fun, [], R, Rs, S) -> rufmergel([[S], [Y, X | R] | Rs], [], Fun).

ufsplit_2(Y, [Z | L], Fun, R) ->
    case Fun(Y, Z) of
        true ->
            case Fun(Z, Y) of
                true -> ufsplit_2(Y, L, Fun, R);
                false -> ufsplit_1(Z, Y, Fun, L, [], [lists:reverse(R, [])])
            end;
        false -> ufsplit_2(Z, L, Fun, [Y | R])
    end;
ufsplit_2(Y, [], _Fun, R) -> [Y | R].

ufmergel([[H1 | T1], T2 | L], Acc, Fun) ->
    ufmergel(L, [ufmerge2_2(H1, T1, Fun, T2, []) | Acc], Fun);
ufmergel([L], [], _Fun) -> L;
ufmergel([L], Acc, Fun) -> rufmergel([lists:reverse(L, []) | Acc], [], Fun);
ufmergel([], Acc, Fun) -> rufmergel(Acc, [], Fun).

rufmergel([[H2 | T2], T1 | L], Acc, Fun) ->
    rufmergel(L, [rufmerge2_1(T1, H2, Fun, T2, []) | Acc], Fun);
rufmergel([L], Acc, Fun) -> ufmergel([lists:reverse(L, []) | Acc], [], Fun);
rufmergel([], Acc, Fun) -> ufmergel(Acc, [], Fun).

ufmerge2_1([H1 | T1], H2, Fun, T2, M, HdM) ->
    case Fun(H1, H2) of
        true -> ufmerge2_1(T1, H2, Fun, T2, [H1 | M], H1);
        false ->
            case Fun(H2, HdM) of
                true -> ufmerge2_2(H1, T1, Fun, T2, M);
                false -> ufmerge2_2(H1, T1, Fun, T2, [H2 | M])
            end
    end;
ufmerge2_1([], H2, Fun, T2, M, HdM) ->
    case Fun(H2, HdM) of
        true -> lists:reverse(T2, M);
        false -> lists:reverse(T2, [H2 | M])
    end.

ufmerge2_2(H1, T1, Fun, [H2 | T2], M) ->
    case Fun(H1, H2) of
        true -> ufmerge2_1(T1, H2, Fun, T2, [H1 | M], H1);
        false -> ufmerge2_2(H1, T1, Fun, T2, [H2 | M])
    end;
ufmerge2_2(H1, T1, _Fun, [], M) -> lists:reverse(T1, [H1 | M]).

rufmerge2_1([H1 | T1], H2, Fun, T2, M) ->
    case Fun(H1, H2) of
        true -> rufmerge2_2(H1, T1, Fun, T2, M, H2);
        false -> rufmerge2_1(T1, H2, Fun, T2, [H1 | M])
    end;
rufmerge2_1([], H2, _Fun, T2, M) -> lists:reverse(T2, [H2 | M]).

rufmerge2_2(H1, T1, Fun, [H2 | T2], M, H2M) ->
    case Fun(H1, H2) of
        true -> rufmerge2_2(H1, T1, Fun, T2, [H2M | M], H2);
        false ->
            case Fun(H2M, H1) of
                true -> rufmerge2_1(T1, H2, Fun, T2, [H1 | M]);
                false -> rufmerge2_1(T1, H2, Fun, T2, [H1, H2M | M])
            end
    end;
rufmerge2_2(H1, T1, Fun, [], M, H2M) ->
    case Fun(H2M, H1) of
        true -> lists:reverse(T1, [H1 | M]);
        false -> lists:reverse(T1, [H1, H2M | M])
    end.

uniq(L) -> uniq_1(L, #{}).

uniq_1([X | Xs], M) ->
    case is_map_key(X, M) of
        true -> uniq_1(Xs, M);
        false -> [X | uniq_1(Xs, M#{X => true})]
    end;
uniq_1([], _) -> [].

uniq(F, L) when is_function(F, 1) -> uniq_2(L, F, #{}).

uniq_2([X | Xs], F, M) ->
    Key = F(X),
    case is_map_key(Key, M) of
        true -> uniq_2(Xs, F, M);
        false -> [X | uniq_2(Xs, F, M#{Key => true})]
    end;
uniq_2([], _, _) -> [].

