-module(rec_pattern_match).
-export([main/0]).
-record(msg, {type, body = <<>>}).

handle(#msg{type = ping}) -> pong;
handle(#msg{type = data, body = B}) when byte_size(B) > 0 -> {data, B};
handle(#msg{}) -> ignored;
handle(_) -> not_a_msg.
main() ->
    R = [handle(#msg{type = ping}), handle(#msg{type = data, body = <<"x">>}), handle(#msg{type = data}), handle({other})],
    io:format("~p~n", [R]),
    R.
