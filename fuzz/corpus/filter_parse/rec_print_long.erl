-module(rec_print_long).
-export([main/0]).
-record(state, {socket, buffer = <<>>, peers = [], counters = #{}, config, name}).

main() ->
    S = #state{socket = {sock, 42}, peers = [{peer, N, "node" ++ integer_to_list(N)} || N <- lists:seq(1, 6)],
               counters = #{rx => 1000, tx => 2000, errors => 0}, config = [{mtu, 1500}, {ttl, 64}], name = "router-one"},
    io:format("~p~n", [S]),
    S.
