%% A token bucket: Rate tokens per second, at most Burst saved up. Pure; time in milliseconds.
%% netstack takes one token per ICMP error it sends (RFC 1812 4.3.2.8 asks hosts to limit them,
%% so a port scan or a flood cannot turn the stack into an amplifier).
-module(token_bucket).
-export([new/3, take/2, tokens/2]).

%% Tokens are kept in thousandths so a refill of a fraction of a token is not lost.
new(Rate, Burst, Now) ->
    #{rate => Rate, cap => Burst * 1000, milli => Burst * 1000, at => Now}.

%% {ok, B2} when a token was available, {empty, B2} otherwise.
take(B, Now) ->
    B2 = #{milli := M} = refill(B, Now),
    case M >= 1000 of
        true -> {ok, B2#{milli := M - 1000}};
        false -> {empty, B2}
    end.

tokens(B, Now) ->
    #{milli := M} = refill(B, Now),
    M div 1000.

%% Rate tokens/s = Rate thousandths per millisecond.
refill(B = #{rate := Rate, cap := Cap, milli := M, at := At}, Now) when Now > At ->
    B#{milli := min(Cap, M + (Now - At) * Rate), at := Now};
refill(B, _Now) ->
    B.
