%% io: formatted output for programs running on the VM.
%%
%% format/fwrite build the text with io_lib:format/2 and hand it to put_chars/2. put_chars is a
%% VM native (it writes to the program's output); the Erlang definition below is the fallback,
%% speaking OTP's io protocol to the group leader, which is what makes this module testable on
%% OTP itself. A bad format raises badarg from io:format, as in OTP (whose io server reports
%% `{error, format}` and io:format turns it into badarg).
-module(io).

-export([format/1, format/2, format/3, fwrite/1, fwrite/2, fwrite/3, put_chars/1,
         put_chars/2, nl/0, nl/1, write/1, write/2, printable_range/0]).

format(Format) -> format(Format, []).

format(Format, Args) -> format(standard_io, Format, Args).

format(Dev, Format, Args) ->
    Chars = try io_lib:format(Format, Args)
            catch error:badarg -> erlang:error(badarg, [Dev, Format, Args])
            end,
    put_chars(Dev, Chars).

fwrite(Format) -> format(Format).

fwrite(Format, Args) -> format(Format, Args).

fwrite(Dev, Format, Args) -> format(Dev, Format, Args).

put_chars(Chars) -> put_chars(standard_io, Chars).

put_chars(Dev, Chars) -> request(Dev, {put_chars, unicode, Chars}).

nl() -> nl(standard_io).

nl(Dev) -> put_chars(Dev, "\n").

write(Term) -> write(standard_io, Term).

write(Dev, Term) -> put_chars(Dev, io_lib:write(Term)).

%% Which characters ~p treats as printable: OTP's default (+pc latin1).
printable_range() -> latin1.

request(standard_io, Request) -> request(group_leader(), Request);
request(Pid, Request) when is_pid(Pid) ->
    Mref = erlang:monitor(process, Pid),
    Pid ! {io_request, self(), Mref, Request},
    receive
        {io_reply, Mref, Reply} ->
            erlang:demonitor(Mref, [flush]),
            reply(Reply, Request);
        {'DOWN', Mref, _, _, _} ->
            erlang:error(terminated, [Pid, Request])
    end;
request(Dev, Request) -> erlang:error(badarg, [Dev, Request]).

reply({error, _}, Request) -> erlang:error(badarg, [Request]);
reply(Reply, _Request) -> Reply.
