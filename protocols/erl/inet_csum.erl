%% The Internet checksum (RFC 1071), shared by IPv4, ICMP and UDP.
%%
%% The one's-complement sum is the sum modulo 16#FFFF, and 2^16 = 1 modulo 16#FFFF, so the data
%% may be summed in 32-bit words (half as many steps as 16-bit words) and folded at the end.
%% 32-bit words keep the running sum a small integer for any IPv4 datagram (at most 16,384
%% words below 2^32: under 2^46), so no bignum appears on either VM.
-module(inet_csum).
-export([checksum/1, sum/2, finish/1, valid/1]).

%% The checksum to store in a header whose checksum field is zero in Data.
checksum(Data) ->
    finish(sum(Data, 0)).

%% Adds Data (a binary or iolist) to a running sum. Every part but the last must have an even
%% length (true of every header the stack sums); a final odd byte is padded with zero.
sum(Bin, Acc) when is_binary(Bin) ->
    sum_bin(Bin, Acc);
sum(List, Acc) when is_list(List) ->
    sum_list(List, Acc);
sum(Byte, Acc) when is_integer(Byte) ->
    %% An integer inside an iolist is one byte; it must pair with a neighbour, so callers
    %% never pass lone bytes: reject them rather than sum them wrongly.
    erlang:error({inet_csum, {lone_byte_in_iolist, Byte}}, [Byte, Acc]).

sum_list([], Acc) -> Acc;
sum_list([H | T], Acc) -> sum_list(T, sum(H, Acc));
sum_list(Bin, Acc) when is_binary(Bin) -> sum_bin(Bin, Acc).

sum_bin(<<A:32, B:32, C:32, D:32, Rest/binary>>, Acc) ->
    sum_bin(Rest, Acc + A + B + C + D);
sum_bin(<<A:32, Rest/binary>>, Acc) ->
    sum_bin(Rest, Acc + A);
sum_bin(<<A:16, Rest/binary>>, Acc) ->
    sum_bin(Rest, Acc + A);
sum_bin(<<A:8>>, Acc) ->
    Acc + (A bsl 8);
sum_bin(<<>>, Acc) ->
    Acc.

%% Folds a running sum to 16 bits and complements it.
finish(Sum) ->
    16#FFFF - fold(Sum).

fold(S) when S > 16#FFFF -> fold((S band 16#FFFF) + (S bsr 16));
fold(S) -> S.

%% True when Data, checksum field included, sums to all ones (the receive-side check).
valid(Data) ->
    fold(sum(Data, 0)) =:= 16#FFFF.
